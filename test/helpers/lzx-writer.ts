/**
 * Test scaffolding only: a small, slow LZX *encoder* that writes cabinet-style LZX streams
 * (one 32768-byte frame per block) so the decoder can be checked on window sizes, block
 * kinds and E8 translation the corpus lacks. It was written from the format description
 * (not from the decoder): fixed complete Huffman codes per block (shaped differently each
 * block, so tree lengths are really delta coded), a greedy matcher that prefers repeated
 * offsets, and the E8 forward translation (the encoder's own, builder/cab/codecs/lzx/encode.ts).
 */
import { e8Translate } from "../../builder/cab/codecs/lzx/encode.js";

const FRAME = 32768;
const E8_FRAMES = 32768;

const SLOTS: Record<number, number> = { 15: 30, 16: 32, 17: 34, 18: 36, 19: 38, 20: 42, 21: 50 };
const EXTRA: number[] = [];
const BASE: number[] = [];
for (let i = 0, bits = 0, base = 0; i < 52; i++) {
  EXTRA.push(bits);
  BASE.push(base);
  base += 2 ** bits;
  if (i % 2 === 1 && i > 1 && bits < 17) bits++;
}

export type LzxTestBlockType = "verbatim" | "aligned" | "uncompressed";

export interface LzxTestBlock {
  readonly type: LzxTestBlockType;
  readonly size: number;
}

export interface LzxTestOptions {
  readonly windowBits: number;
  /** Turn E8 translation on with this translation size. */
  readonly e8FileSize?: number;
  /** The block plan; the sizes must add up to the data's length. */
  readonly blocks: readonly LzxTestBlock[];
  /** A distance to try at every position, besides the repeated offsets and the hash. */
  readonly probe?: number;
  /** Find matches (default true); false writes literals only. */
  readonly matches?: boolean;
}

export interface LzxTestStream {
  /** One compressed CFDATA payload per frame. */
  readonly frames: Uint8Array[];
  readonly sizes: number[];
  /** The longest match distance used. */
  readonly farthest: number;
}

/** 16-bit little-endian words, bits most significant first. */
export class LzxBitWriter {
  private readonly out: number[] = [];
  private acc = 0;
  private n = 0;

  bits(value: number, count: number): void {
    if (count > 16) {
      this.bits(Math.floor(value / 65536), count - 16);
      this.bits(value & 0xffff, 16);
      return;
    }
    for (let i = count - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >>> i) & 1);
      if (++this.n === 16) {
        this.out.push(this.acc & 0xff, this.acc >>> 8);
        this.acc = 0;
        this.n = 0;
      }
    }
  }

  /** Pad to a word end; when already there, a whole padding word (as LZX requires). */
  alignForUncompressed(): void {
    this.bits(0, this.n === 0 ? 16 : 16 - this.n);
  }

  /** Raw bytes; only between uncompressed-block alignment and the next bit field. */
  raw(bytes: ArrayLike<number>): void {
    if (this.n !== 0) throw new Error("raw bytes in the middle of a word");
    for (let i = 0; i < bytes.length; i++) this.out.push(bytes[i]!);
  }

  finish(): Uint8Array {
    if (this.n > 0) this.bits(0, 16 - this.n);
    return Uint8Array.from(this.out);
  }
}

/** Canonical codes (MSB first) for the given lengths. */
function canonical(lengths: readonly number[]): number[] {
  const codes = new Array<number>(lengths.length).fill(0);
  let code = 0;
  for (let len = 1; len <= 16; len++) {
    for (let s = 0; s < lengths.length; s++) {
      if (lengths[s] === len) codes[s] = code++;
    }
    code <<= 1;
  }
  return codes;
}

/** A complete code over n symbols with two lengths, the short ones starting at `rotate`. */
function twoLevelLengths(n: number, rotate: number): number[] {
  let bits = 0;
  while (2 ** (bits + 1) <= n) bits++;
  const short = 2 ** (bits + 1) - n; // symbols of `bits` bits; the rest have bits + 1
  const lens = new Array<number>(n).fill(bits + 1);
  for (let i = 0; i < short; i++) lens[(rotate + i) % n] = bits;
  return lens;
}

const PRETREE_LENGTHS = Array.from({ length: 20 }, (_, i) => (i < 12 ? 4 : 5));
const PRETREE_CODES = canonical(PRETREE_LENGTHS);
const ALIGNED_SHAPES = [
  [3, 3, 3, 3, 3, 3, 3, 3],
  [1, 2, 3, 4, 5, 6, 7, 7],
  [4, 2, 3, 4, 3, 4, 2, 4],
];

/** E8 forward translation of one frame (relative CALL operands become absolute). */
export function e8Encode(frame: Uint8Array, frameOffset: number, fileSize: number): void {
  e8Translate(frame, frameOffset, fileSize);
}

export function lzxTestEncode(data: Uint8Array, opts: LzxTestOptions): LzxTestStream {
  const slots = SLOTS[opts.windowBits];
  if (slots === undefined) throw new Error(`window ${opts.windowBits}`);
  const windowSize = 2 ** opts.windowBits;
  const mainSymbols = 256 + 8 * slots;
  const maxDistance = Math.min(BASE[slots - 1]! + 2 ** EXTRA[slots - 1]! - 3, windowSize - 3);
  const total = opts.blocks.reduce((n, b) => n + b.size, 0);
  if (total !== data.length) throw new Error(`blocks cover ${total} of ${data.length} bytes`);

  // What the window will hold: the data after E8 translation.
  const tx = new Uint8Array(data);
  if (opts.e8FileSize !== undefined) {
    for (let f = 0; f * FRAME < tx.length && f < E8_FRAMES; f++) {
      e8Encode(
        tx.subarray(f * FRAME, Math.min(tx.length, (f + 1) * FRAME)),
        f * FRAME,
        opts.e8FileSize,
      );
    }
  }

  const frames: Uint8Array[] = [];
  const sizes: number[] = [];
  let w = new LzxBitWriter();
  if (opts.e8FileSize === undefined) {
    w.bits(0, 1);
  } else {
    w.bits(1, 1);
    w.bits(opts.e8FileSize >>> 16, 16);
    w.bits(opts.e8FileSize & 0xffff, 16);
  }
  let prevMain = new Array<number>(mainSymbols).fill(0);
  let prevLength = new Array<number>(249).fill(0);
  const r = [1, 1, 1];
  const last = new Int32Array(1 << 16).fill(-1); // hash of a 3-byte prefix -> latest position
  let farthest = 0;
  let pendingPad = false;
  let pos = 0;

  const writeLengths = (prev: number[], next: number[], from: number, to: number) => {
    for (const len of PRETREE_LENGTHS) w.bits(len, 4);
    for (let i = from; i < to; i++) {
      const z = (prev[i]! - next[i]! + 17) % 17;
      w.bits(PRETREE_CODES[z]!, PRETREE_LENGTHS[z]!);
    }
  };

  for (const [blockIndex, block] of opts.blocks.entries()) {
    // Block header (in the frame where the block starts).
    if (pos > 0 && pos % FRAME === 0 && sizes.length * FRAME < pos) {
      frames.push(w.finish());
      sizes.push(FRAME);
      w = new LzxBitWriter();
    }
    if (pendingPad) w.raw([0]);
    pendingPad = false;
    const typeCode = block.type === "verbatim" ? 1 : block.type === "aligned" ? 2 : 3;
    w.bits(typeCode, 3);
    w.bits(block.size >>> 8, 16);
    w.bits(block.size & 0xff, 8);
    let mainCodes: number[] = [];
    let mainLens: number[] = [];
    let lengthCodes: number[] = [];
    let lengthLens: number[] = [];
    let alignedCodes: number[] = [];
    let alignedLens: number[] = [];
    if (block.type === "uncompressed") {
      w.alignForUncompressed();
      // Fresh repeated offsets, all reachable: the decoder must take them from here.
      for (let i = 0; i < 3; i++)
        r[i] = pos === 0 ? 1 : 1 + ((pos * (i + 3) + i) % Math.min(pos, maxDistance));
      const head = new Uint8Array(12);
      const view = new DataView(head.buffer);
      for (let i = 0; i < 3; i++) view.setUint32(i * 4, r[i]!, true);
      w.raw(head);
    } else {
      if (block.type === "aligned") {
        alignedLens = ALIGNED_SHAPES[blockIndex % ALIGNED_SHAPES.length]!;
        alignedCodes = canonical(alignedLens);
        for (const len of alignedLens) w.bits(len, 3);
      }
      mainLens = twoLevelLengths(mainSymbols, blockIndex * 37);
      mainCodes = canonical(mainLens);
      writeLengths(prevMain, mainLens, 0, 256);
      writeLengths(prevMain, mainLens, 256, mainSymbols);
      prevMain = mainLens;
      lengthLens = twoLevelLengths(249, blockIndex * 11);
      lengthCodes = canonical(lengthLens);
      writeLengths(prevLength, lengthLens, 0, 249);
      prevLength = lengthLens;
    }

    const blockEnd = pos + block.size;
    while (pos < blockEnd) {
      if (pos > 0 && pos % FRAME === 0 && sizes.length * FRAME < pos) {
        frames.push(w.finish());
        sizes.push(FRAME);
        w = new LzxBitWriter();
      }
      const frameEnd = Math.min(blockEnd, (Math.floor(pos / FRAME) + 1) * FRAME);
      if (block.type === "uncompressed") {
        w.raw(tx.subarray(pos, frameEnd));
        for (; pos < frameEnd; pos++) remember(pos);
        continue;
      }
      const room = Math.min(257, frameEnd - pos);
      const [length, distance] = opts.matches === false ? [0, 0] : findMatch(pos, room);
      if (length < 2) {
        w.bits(mainCodes[tx[pos]!]!, mainLens[tx[pos]!]!);
        remember(pos++);
        continue;
      }
      let slot: number;
      let footer = 0;
      if (distance === r[0]) {
        slot = 0;
      } else if (distance === r[1]) {
        slot = 1;
        r[1] = r[0]!;
        r[0] = distance;
      } else if (distance === r[2]) {
        slot = 2;
        r[2] = r[0]!;
        r[0] = distance;
      } else {
        const formatted = distance + 2;
        slot = 3;
        while (slot + 1 < slots && BASE[slot + 1]! <= formatted) slot++;
        footer = formatted - BASE[slot]!;
        r[2] = r[1]!;
        r[1] = r[0]!;
        r[0] = distance;
      }
      farthest = Math.max(farthest, distance);
      const header = Math.min(length - 2, 7);
      const sym = 256 + slot * 8 + header;
      w.bits(mainCodes[sym]!, mainLens[sym]!);
      if (header === 7) w.bits(lengthCodes[length - 9]!, lengthLens[length - 9]!);
      if (slot >= 3) {
        const extra = EXTRA[slot]!;
        if (block.type === "aligned" && extra >= 3) {
          w.bits(Math.floor(footer / 8), extra - 3);
          w.bits(alignedCodes[footer & 7]!, alignedLens[footer & 7]!);
        } else {
          w.bits(footer, extra);
        }
      }
      for (const end = pos + length; pos < end; pos++) remember(pos);
    }
    if (block.type === "uncompressed" && block.size % 2 === 1) pendingPad = true;
  }
  frames.push(w.finish());
  sizes.push(data.length - sizes.length * FRAME);
  return { frames, sizes, farthest };

  function hash3(p: number): number {
    return (Math.imul(tx[p]! | (tx[p + 1]! << 8) | (tx[p + 2]! << 16), 0x9e3779b1) >>> 16) & 0xffff;
  }

  function remember(p: number): void {
    if (p + 2 < tx.length) last[hash3(p)] = p;
  }

  function matchLength(p: number, distance: number, room: number): number {
    let n = 0;
    while (n < room && tx[p + n] === tx[p + n - distance]) n++;
    return n;
  }

  function findMatch(p: number, room: number): [number, number] {
    let best: [number, number] = [0, 0];
    for (const d of opts.probe === undefined ? r : [...r, opts.probe]) {
      if (d <= p && d <= maxDistance) {
        const n = matchLength(p, d, room);
        if (n > best[0]) best = [n, d];
      }
    }
    if (best[0] >= 8 || p + 2 >= tx.length) return best;
    const at = last[hash3(p)]!;
    if (at >= 0 && p - at <= maxDistance) {
      const n = matchLength(p, p - at, room);
      if (n >= 3 && n > best[0]) best = [n, p - at];
    }
    return best;
  }
}

/**
 * A plan that exercises every block kind and the awkward boundaries: a 1-byte block, an odd
 * uncompressed length (padding byte), blocks spanning frames, one ending a byte short of a
 * frame. Window 2^17 holds it all.
 */
export const MIXED_BLOCK_PLAN: readonly LzxTestBlock[] = [
  { type: "uncompressed", size: 1 },
  { type: "verbatim", size: 999 },
  { type: "uncompressed", size: 40_001 },
  { type: "uncompressed", size: 25_535 },
  { type: "aligned", size: 10_000 },
  { type: "uncompressed", size: 32_767 },
  { type: "verbatim", size: 698 },
];
