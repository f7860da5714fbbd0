/**
 * The LZX encoder's bit output and tree coding.
 *
 * Bits go out as 16-bit little-endian words, most significant bit first (the order
 * bitstream.ts reads). One writer holds one frame: at the frame's end the stream is padded
 * to a whole word, because every CFDATA is decoded with a fresh bit reader (Wine's FDI).
 *
 * Tree lengths are coded as LZX does: through a 20-symbol pretree, each length a change
 * (mod 17) from the same symbol's length in the previous tree, with runs of zeros (17, 18)
 * and runs of one repeated length (19).
 */
import { canonicalCodes, codeLengths } from "../shared/huffman-encode.js";
import { LZX_PRETREE_LENGTH_BITS, LZX_PRETREE_SYMBOLS, LzxPretreeSymbol } from "./tables.js";

/** The pretree's longest code: its lengths are stored in 4 bits. */
export const LZX_PRETREE_MAX_BITS = 15;

export class LzxBitWriter {
  readonly out: Uint8Array;
  /** Next byte of `out`. */
  pos = 0;
  private acc = 0;
  /** Bits waiting in `acc` (always < 16 between calls). */
  private count = 0;

  constructor(capacity: number) {
    this.out = new Uint8Array(capacity);
  }

  reset(): void {
    this.pos = 0;
    this.acc = 0;
    this.count = 0;
  }

  /** Bits written so far. */
  get bitLength(): number {
    return this.pos * 8 + this.count;
  }

  /** Write the low `n` (0..16) bits of `value`. */
  bits(value: number, n: number): void {
    this.acc = (this.acc << n) | value;
    this.count += n;
    if (this.count >= 16) {
      this.count -= 16;
      const word = this.acc >>> this.count;
      this.out[this.pos++] = word & 0xff;
      this.out[this.pos++] = (word >>> 8) & 0xff;
      this.acc &= (1 << this.count) - 1;
    }
  }

  /** Write up to 32 bits. */
  long(value: number, n: number): void {
    if (n > 16) {
      this.bits(Math.floor(value / 65536) & ((1 << (n - 16)) - 1), n - 16);
      this.bits(value & 0xffff, 16);
    } else {
      this.bits(value, n);
    }
  }

  /** Pad to a word end: 1..16 bits, as an uncompressed block's header needs. */
  alignForUncompressed(): void {
    this.bits(0, 16 - this.count);
  }

  /** Raw bytes after alignForUncompressed. */
  raw(bytes: Uint8Array): void {
    this.out.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Pad the frame to a whole word (0..15 bits). */
  pad(): void {
    if (this.count > 0) this.bits(0, 16 - this.count);
  }

  /** Append the first `nbits` bits of another writer's words. */
  append(words: Uint8Array, nbits: number): void {
    let i = 0;
    for (; nbits >= 16; nbits -= 16, i += 2) this.bits(words[i]! | (words[i + 1]! << 8), 16);
    if (nbits > 0) this.bits((words[i]! | (words[i + 1]! << 8)) >>> (16 - nbits), nbits);
  }
}

/** The pretree symbols (and their extra bits) that turn `prev` into `next` over [from, to). */
function pretreeSymbols(
  prev: ArrayLike<number>,
  next: ArrayLike<number>,
  from: number,
  to: number,
  syms: number[],
): void {
  let i = from;
  while (i < to) {
    const v = next[i]!;
    let run = 1;
    while (i + run < to && next[i + run] === v) run++;
    if (v === 0 && run >= 4) {
      let left = run;
      while (left >= 20) {
        const r = Math.min(left, 51);
        syms.push(LzxPretreeSymbol.zerosLong, r - 20);
        left -= r;
      }
      if (left >= 4) {
        syms.push(LzxPretreeSymbol.zerosShort, left - 4);
        left = 0;
      }
      for (let k = 0; k < left; k++) syms.push((prev[i + run - left + k]! - 0 + 17) % 17, -1);
      i += run;
      continue;
    }
    if (v !== 0 && run >= 4) {
      let left = run;
      let at = i;
      while (left >= 4) {
        const r = Math.min(left, 5);
        syms.push(LzxPretreeSymbol.same, r - 4);
        syms.push((prev[at]! - v + 17) % 17, -1);
        left -= r;
        at += r;
      }
      for (let k = 0; k < left; k++) syms.push((prev[at + k]! - v + 17) % 17, -1);
      i += run;
      continue;
    }
    syms.push((prev[i]! - v + 17) % 17, -1);
    i++;
  }
}

/**
 * Write lengths [from, to) of `next` (delta coded against `prev`): a fresh pretree (20 x 4
 * bits), then its symbols. Returns nothing; the writer holds the bits.
 */
export function writeTreeLengths(
  w: LzxBitWriter,
  prev: ArrayLike<number>,
  next: ArrayLike<number>,
  from: number,
  to: number,
): void {
  const syms: number[] = [];
  pretreeSymbols(prev, next, from, to, syms);
  const freq = new Int32Array(LZX_PRETREE_SYMBOLS);
  for (let k = 0; k < syms.length; k += 2) {
    // A "same" symbol's delta is the next entry: counted there.
    freq[syms[k]!]!++;
  }
  const lens = codeLengths(freq, LZX_PRETREE_MAX_BITS);
  const codes = canonicalCodes(lens);
  for (let s = 0; s < LZX_PRETREE_SYMBOLS; s++) w.bits(lens[s]!, LZX_PRETREE_LENGTH_BITS);
  for (let k = 0; k < syms.length; k += 2) {
    const s = syms[k]!;
    const extra = syms[k + 1]!;
    w.bits(codes[s]!, lens[s]!);
    if (s === LzxPretreeSymbol.zerosShort) w.bits(extra, 4);
    else if (s === LzxPretreeSymbol.zerosLong) w.bits(extra, 5);
    else if (s === LzxPretreeSymbol.same) w.bits(extra, 1);
  }
}
