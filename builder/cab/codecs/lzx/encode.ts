/**
 * The LZX encoder for cabinets: one job compresses a run of whole frames of a folder (the
 * writer's chunk), given the window's worth of bytes before it, into one payload per frame.
 * Pure and synchronous, so the same function runs inline and in the compression workers.
 *
 * What makes jobs independent (and the bytes the same for any thread count):
 * - the match finder indexes the history it is given (the window before the chunk), so a
 *   job finds every match a single pass would;
 * - R0..R2 are unknown at a job's start (they depend on the previous job's last matches):
 *   a slot is only used once this job has set it, and an uncompressed block writes them;
 * - the main and length trees are delta coded against the previous block's lengths, which
 *   the previous job decides: the job's first frame that opens a compressed block comes
 *   back with its trees left out (`deferred`), and the folder's writer (lzx-compress.ts)
 *   codes them once it knows the previous lengths.
 *
 * The format's rules kept here (see decode.ts and docs/cab-writer.md):
 * - blocks are whole frames; each frame's bits end padded to 16 bits; no match crosses a
 *   frame end;
 * - a frame that would not compress is an uncompressed block of its own (header, R0..R2,
 *   the bytes, a pad byte after an odd length, which only the folder's last frame can have);
 * - E8 translation before compression, frame by frame with the position in the folder,
 *   never in the last 10 bytes of a frame, only frames of more than 10 bytes and only in
 *   the first 32768 frames; every compressed block's main tree gives byte E8 a code, so a
 *   decoder's "E8 started" latch is on from the first block;
 * - code lengths at most 16 (main, length), 15 (pretree), 7 (aligned); all codes complete.
 */

import { canonicalCodes, codeLengths } from "../shared/huffman-encode.js";
import { HashChains } from "../shared/match-finder.js";
import { lzxWindowLayout } from "./decode.js";
import { LzxBitWriter, writeTreeLengths } from "./encode-bits.js";
import type { LzxLevel } from "./encode-parse.js";
import {
  LENGTH_TREE_SYMBOLS,
  LzxParser,
  positionSlot,
  TOKEN_MATCH_BASE,
  TokenStats,
} from "./encode-parse.js";
import {
  LZX_E8_BYTE,
  LZX_E8_MAX_FRAMES,
  LZX_E8_MIN_FRAME,
  LZX_EXTRA_BITS,
  LZX_FRAME_SIZE,
  LZX_NUM_CHARS,
  LZX_POSITION_BASE,
  LzxBlockType,
} from "./tables.js";

export { LZX_ENCODER_REVISION } from "./revision.js";
/** The E8 translation size written in the stream header (makecab's value). */
export const LZX_E8_TRANSLATION_SIZE = 12_000_000;
/** Longest block, in frames: long enough that tree costs vanish, short for memory. */
const MAX_BLOCK_FRAMES = 16;
/** The longest aligned-tree code (its lengths are stored in 3 bits). */
const ALIGNED_MAX_BITS = 7;
const MAIN_MAX_BITS = 16;
const LENGTH_MAX_BITS = 16;
/** Bits an uncompressed frame costs beyond its bytes: header, worst padding, R0..R2, pad. */
const UNCOMPRESSED_OVERHEAD_BITS = 27 + 16 + 96 + 8;
/** Room for one frame's payload: a compressed frame never beats its uncompressed size by
 * being longer, but its trees may come first. */
const FRAME_CAPACITY = LZX_FRAME_SIZE + 4096;

export interface LzxJob {
  readonly windowBits: number;
  readonly level: LzxLevel;
  readonly e8: boolean;
  /** Whole frames of the folder, but for its last which may be shorter. */
  readonly data: Uint8Array;
  /**
   * The folder's bytes before `data` (at most a window's worth, whole frames). When it
   * sits right before `data` in the same buffer, both are used (and E8-translated) in place.
   */
  readonly history: Uint8Array | undefined;
  /** Where `data` starts in the folder's uncompressed stream. */
  readonly folderOffset: number;
}

/** A frame that opens the job's first compressed block, its trees still to be coded. */
export interface DeferredFrame {
  readonly frame: number;
  /** Block header bits (type, size, aligned tree) as one writer's words. */
  readonly head: Uint8Array;
  readonly headBits: number;
  readonly mainLengths: Uint8Array;
  readonly lengthLengths: Uint8Array;
  /** The frame's symbols, after the trees. */
  readonly body: Uint8Array;
  readonly bodyBits: number;
}

export interface LzxJobResult {
  /** Frame payloads back to back (a deferred frame's is empty here). */
  readonly payloads: Uint8Array;
  readonly payloadSizes: readonly number[];
  readonly deferred: DeferredFrame | undefined;
  /** The lengths of the job's last compressed block (undefined: it had none). */
  readonly lastMainLengths: Uint8Array | undefined;
  readonly lastLengthLengths: Uint8Array | undefined;
}

/** E8 translation of one frame, in place: relative CALL operands become absolute. */
export function e8Translate(frame: Uint8Array, frameOffset: number, size: number): void {
  const limit = frame.length - LZX_E8_MIN_FRAME;
  for (let i = frame.indexOf(LZX_E8_BYTE); i >= 0 && i < limit; i = frame.indexOf(LZX_E8_BYTE, i)) {
    const cur = frameOffset + i;
    const rel =
      frame[i + 1]! | (frame[i + 2]! << 8) | (frame[i + 3]! << 16) | (frame[i + 4]! << 24);
    if (rel >= -cur && rel < size) {
      const abs = rel < size - cur ? rel + cur : rel - size;
      frame[i + 1] = abs & 0xff;
      frame[i + 2] = (abs >>> 8) & 0xff;
      frame[i + 3] = (abs >>> 16) & 0xff;
      frame[i + 4] = (abs >>> 24) & 0xff;
    }
    i += 5;
  }
}

interface Block {
  type: number;
  main: Uint8Array;
  length: Uint8Array;
  aligned: Uint8Array;
}

/**
 * Big arrays kept from one job to the next on the same thread (a worker runs one job at a
 * time): memory stays flat, and the collector has little to do.
 */
const scratch = {
  buffer: new Uint8Array(0),
  payloads: new Uint8Array(0),
  tokens: undefined as Uint32Array | undefined,
  chains: undefined as { readonly head: Int32Array; readonly prev: Int32Array } | undefined,
  /** A view of `n` bytes of the reused buffer (contents not cleared). */
  bytes(n: number): Uint8Array {
    if (this.buffer.length < n) this.buffer = new Uint8Array(n);
    return this.buffer.subarray(0, n);
  },
  payloadArea(n: number): Uint8Array {
    if (this.payloads.length < n) this.payloads = new Uint8Array(n);
    return this.payloads;
  },
};

/** Compress one job. */
export function encodeLzxJob(job: LzxJob): LzxJobResult {
  const layout = lzxWindowLayout(job.windowBits);
  const mainSymbols = layout.mainTreeSymbols;
  const hist = job.history?.length ?? 0;
  // History right before the data in one buffer (as the writer sends it): used in place.
  const h = job.history;
  const inPlace =
    h !== undefined &&
    h.buffer === job.data.buffer &&
    h.byteOffset + h.length === job.data.byteOffset;
  const buf = inPlace
    ? new Uint8Array(job.data.buffer, h.byteOffset, hist + job.data.length)
    : scratch.bytes(hist + job.data.length);
  if (!inPlace) {
    if (h) buf.set(h, 0);
    buf.set(job.data, hist);
  }
  const bufOffset = job.folderOffset - hist; // folder offset of buf[0]
  if (job.e8) {
    for (let at = 0; at < buf.length; at += LZX_FRAME_SIZE) {
      const frameIndex = (bufOffset + at) / LZX_FRAME_SIZE;
      const end = Math.min(buf.length, at + LZX_FRAME_SIZE);
      if (frameIndex >= LZX_E8_MAX_FRAMES) break;
      if (end - at > LZX_E8_MIN_FRAME) {
        e8Translate(buf.subarray(at, end), bufOffset + at, LZX_E8_TRANSLATION_SIZE);
      }
    }
  }
  const maxDistance = layout.windowSize - 3;
  const chains = new HashChains(buf, layout.windowSize, maxDistance, scratch.chains);
  scratch.chains = chains.scratch;
  chains.insertTo(hist);
  const folderStart = job.folderOffset === 0;
  const parser = new LzxParser(buf, chains, maxDistance, job.level, mainSymbols, folderStart);

  const frameCount = Math.ceil(job.data.length / LZX_FRAME_SIZE);
  const payloads = scratch.payloadArea(frameCount * FRAME_CAPACITY);
  const payloadSizes: number[] = [];
  let payloadEnd = 0;
  const writer = new LzxBitWriter(FRAME_CAPACITY);
  let deferred: DeferredFrame | undefined;
  // Lengths of the previous compressed block; undefined while not known (deferred).
  let prevMain: Uint8Array | undefined = folderStart ? new Uint8Array(mainSymbols) : undefined;
  let prevLength: Uint8Array | undefined = folderStart
    ? new Uint8Array(LENGTH_TREE_SYMBOLS)
    : undefined;
  let lastMain: Uint8Array | undefined;
  let lastLength: Uint8Array | undefined;

  // The open block: its frames' tokens, stats and extents.
  // Room for a full block and the frame being parsed (at most one token per byte).
  scratch.tokens ??= new Uint32Array((MAX_BLOCK_FRAMES + 1) * LZX_FRAME_SIZE);
  const tokens = scratch.tokens;
  const frameTokenEnd: number[] = [];
  const frameStats: TokenStats[] = [];
  const blockStats = new TokenStats(mainSymbols);
  let blockFirstFrame = 0;
  let tokenCount = 0;

  const finishFrame = (): void => {
    writer.pad();
    payloads.set(writer.out.subarray(0, writer.pos), payloadEnd);
    payloadEnd += writer.pos;
    payloadSizes.push(writer.pos);
    writer.reset();
  };
  const frameBounds = (f: number): [number, number] => {
    const s = hist + f * LZX_FRAME_SIZE;
    return [s, Math.min(buf.length, s + LZX_FRAME_SIZE)];
  };
  const streamHeader = (f: number): void => {
    if (!folderStart || f !== 0) return;
    if (job.e8) {
      writer.bits(1, 1);
      writer.long(LZX_E8_TRANSLATION_SIZE, 32);
    } else {
      writer.bits(0, 1);
    }
  };

  const emitUncompressed = (f: number): void => {
    const [s, e] = frameBounds(f);
    streamHeader(f);
    writer.bits(LzxBlockType.uncompressed, 3);
    writer.long(e - s, 24);
    writer.alignForUncompressed();
    const r = new Uint8Array(12);
    const view = new DataView(r.buffer);
    view.setUint32(0, parser.r0 || 1, true);
    view.setUint32(4, parser.r1 || 1, true);
    view.setUint32(8, parser.r2 || 1, true);
    writer.raw(r);
    // The bytes as the window holds them (E8-translated).
    writer.raw(buf.subarray(s, e));
    if ((e - s) & 1) writer.raw(new Uint8Array(1));
    finishFrame();
    parser.offsetsWritten();
  };

  const flushBlock = (): void => {
    const frames = frameStats.length;
    if (frames === 0) return;
    const b = chooseCodes(blockStats, job.e8);
    let blockSize = 0;
    for (let k = 0; k < frames; k++) {
      const [s, e] = frameBounds(blockFirstFrame + k);
      blockSize += e - s;
    }
    const mainCodes = canonicalCodes(b.main);
    const lengthCodes = canonicalCodes(b.length);
    const alignedCodes = canonicalCodes(b.aligned);
    for (let k = 0; k < frames; k++) {
      const f = blockFirstFrame + k;
      let bodyWriter = writer;
      let head: LzxBitWriter | undefined;
      if (k === 0) {
        streamHeader(f);
        const known = prevMain !== undefined && prevLength !== undefined;
        head = known ? writer : new LzxBitWriter(64);
        head.bits(b.type, 3);
        head.long(blockSize, 24);
        if (b.type === LzxBlockType.aligned) {
          for (let i = 0; i < 8; i++) head.bits(b.aligned[i]!, 3);
        }
        if (known) {
          writeTreeLengths(writer, prevMain!, b.main, 0, LZX_NUM_CHARS);
          writeTreeLengths(writer, prevMain!, b.main, LZX_NUM_CHARS, mainSymbols);
          writeTreeLengths(writer, prevLength!, b.length, 0, LENGTH_TREE_SYMBOLS);
          head = undefined;
        } else {
          bodyWriter = new LzxBitWriter(FRAME_CAPACITY);
        }
        prevMain = b.main;
        prevLength = b.length;
        lastMain = b.main;
        lastLength = b.length;
      }
      const t0 = k === 0 ? 0 : frameTokenEnd[k - 1]!;
      writeSymbols(
        bodyWriter,
        tokens,
        t0,
        frameTokenEnd[k]!,
        b,
        mainCodes,
        lengthCodes,
        alignedCodes,
      );
      if (head) {
        const headBits = head.bitLength;
        head.pad();
        const bodyBits = bodyWriter.bitLength;
        bodyWriter.pad();
        deferred = {
          frame: f,
          head: head.out.slice(0, head.pos),
          headBits,
          mainLengths: b.main,
          lengthLengths: b.length,
          body: bodyWriter.out.slice(0, bodyWriter.pos),
          bodyBits,
        };
        payloadSizes.push(0);
      } else {
        finishFrame();
      }
    }
    frameStats.length = 0;
    frameTokenEnd.length = 0;
    blockStats.clear();
    tokenCount = 0;
  };

  for (let f = 0; f < frameCount; f++) {
    const [s, e] = frameBounds(f);
    const stats = new TokenStats(mainSymbols);
    const end = parser.parseFrame(s, e, tokens, tokenCount, stats);
    const selfCost = estimateBits(stats, job.e8);
    if (selfCost >= 8 * (e - s) + UNCOMPRESSED_OVERHEAD_BITS) {
      flushBlock();
      emitUncompressed(f);
      continue;
    }
    if (frameStats.length > 0) {
      const merged = new TokenStats(mainSymbols);
      merged.add(blockStats);
      merged.add(stats);
      const together = estimateBits(merged, job.e8);
      const apart = estimateBits(blockStats, job.e8) + selfCost;
      if (together > apart || frameStats.length >= MAX_BLOCK_FRAMES) {
        // Move this frame's tokens to the front of a new block.
        const moved = tokens.slice(tokenCount, end);
        flushBlock();
        tokens.set(moved, 0);
        tokenCount = 0;
        const e2 = moved.length;
        blockFirstFrame = f;
        frameStats.push(stats);
        frameTokenEnd.push(e2);
        blockStats.add(stats);
        tokenCount = e2;
        continue;
      }
    } else {
      blockFirstFrame = f;
    }
    frameStats.push(stats);
    frameTokenEnd.push(end);
    blockStats.add(stats);
    tokenCount = end;
  }
  flushBlock();
  return {
    payloads: payloads.slice(0, payloadEnd),
    payloadSizes,
    deferred,
    lastMainLengths: lastMain,
    lastLengthLengths: lastLength,
  };
}

/** Huffman code lengths (and the block type) for a block with these counts. */
function chooseCodes(stats: TokenStats, e8: boolean): Block {
  const mainFreq = stats.main;
  if (e8 && mainFreq[LZX_E8_BYTE] === 0) {
    // Give E8 a code so decoders start translating (see the module comment).
    mainFreq[LZX_E8_BYTE] = 1;
  }
  const main = codeLengths(mainFreq, MAIN_MAX_BITS);
  const length = codeLengths(stats.length, LENGTH_MAX_BITS);
  let type: number = LzxBlockType.verbatim;
  let aligned: Uint8Array = new Uint8Array(8);
  let alignedUses = 0;
  for (let i = 0; i < 8; i++) alignedUses += stats.aligned[i]!;
  if (alignedUses > 0) {
    const lens = codeLengths(stats.aligned, ALIGNED_MAX_BITS);
    let alignedBits = 8 * 3 + stats.alignedRest;
    for (let i = 0; i < 8; i++) alignedBits += stats.aligned[i]! * lens[i]!;
    if (alignedBits < stats.verbatimBits) {
      type = LzxBlockType.aligned;
      aligned = lens;
    }
  }
  return { type, main, length, aligned };
}

/** Entropy estimate of a block's bits: symbols, footers and roughly its trees. */
function estimateBits(stats: TokenStats, e8: boolean): number {
  let bits = 27 + stats.verbatimBits;
  bits += entropyBits(stats.main) + entropyBits(stats.length);
  // Trees: about 4 bits a used main symbol, 3 a used length symbol, plus pretrees.
  let used = 0;
  for (let i = 0; i < stats.main.length; i++) if (stats.main[i]! > 0) used++;
  for (let i = 0; i < LENGTH_TREE_SYMBOLS; i++) if (stats.length[i]! > 0) used++;
  bits += used * 4 + 3 * 80 + (e8 ? 8 : 0);
  return bits;
}

function entropyBits(freq: Int32Array): number {
  let total = 0;
  for (let i = 0; i < freq.length; i++) total += freq[i]!;
  if (total === 0) return 0;
  let bits = 0;
  const lt = Math.log2(total);
  for (let i = 0; i < freq.length; i++) {
    const n = freq[i]!;
    if (n > 0) bits += n * (lt - Math.log2(n));
  }
  return bits;
}

/** The bits of tokens [from, to) under a block's codes. */
function writeSymbols(
  w: LzxBitWriter,
  tokens: Uint32Array,
  from: number,
  to: number,
  b: Block,
  mainCodes: Uint16Array,
  lengthCodes: Uint16Array,
  alignedCodes: Uint16Array,
): void {
  const mainLens = b.main;
  const lengthLens = b.length;
  const alignedLens = b.aligned;
  const isAligned = b.type === LzxBlockType.aligned;
  for (let i = from; i < to; i++) {
    const tok = tokens[i]!;
    if (tok < TOKEN_MATCH_BASE) {
      w.bits(mainCodes[tok]!, mainLens[tok]!);
      continue;
    }
    const code = (tok >>> 9) - 1;
    const lenm2 = tok & 511;
    const slot = code < 3 ? code : positionSlot(code);
    const header = Math.min(lenm2, 7);
    const sym = 256 + slot * 8 + header;
    w.bits(mainCodes[sym]!, mainLens[sym]!);
    if (header === 7) w.bits(lengthCodes[lenm2 - 7]!, lengthLens[lenm2 - 7]!);
    if (slot >= 3) {
      const extra = LZX_EXTRA_BITS[slot]!;
      const footer = code - LZX_POSITION_BASE[slot]!;
      if (isAligned && extra >= 3) {
        if (extra > 3) w.long(footer >>> 3, extra - 3);
        w.bits(alignedCodes[footer & 7]!, alignedLens[footer & 7]!);
      } else if (extra > 0) {
        w.long(footer, extra);
      }
    }
  }
}

/** Write a deferred frame now that the previous lengths are known: its payload. */
export function finishDeferredFrame(
  d: DeferredFrame,
  prevMain: Uint8Array,
  prevLength: Uint8Array,
): Uint8Array {
  const w = new LzxBitWriter(FRAME_CAPACITY + 2048);
  w.append(d.head, d.headBits);
  writeTreeLengths(w, prevMain, d.mainLengths, 0, LZX_NUM_CHARS);
  writeTreeLengths(w, prevMain, d.mainLengths, LZX_NUM_CHARS, d.mainLengths.length);
  writeTreeLengths(w, prevLength, d.lengthLengths, 0, LENGTH_TREE_SYMBOLS);
  w.append(d.body, d.bodyBits);
  w.pad();
  return w.out.slice(0, w.pos);
}
