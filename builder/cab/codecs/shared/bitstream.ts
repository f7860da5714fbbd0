/**
 * LZX's bit reader: the input is a sequence of 16-bit little-endian words whose bits are
 * taken most significant first. Bits are kept left-aligned in a 32-bit buffer, refilled a
 * whole word at a time and only when a read needs more than the buffer holds, so after any
 * read of at most 16 bits fewer than 16 bits remain buffered (the uncompressed-block
 * realignment relies on that, as LZX decoders do).
 *
 * Past the end of the input the reader supplies zero words, as decoders must (a Huffman
 * lookup peeks 16 bits even when the last code is shorter), but only a few: a stream that
 * needs more than MAX_OVERREAD phantom bytes is truncated and reading it throws.
 */
import { CabError } from "../../format/errors.js";

/** Zero bytes a reader may invent past the end of its input (two refills of 16 bits). */
export const MAX_OVERREAD = 4;

export class LzxBitReader {
  input: Uint8Array = new Uint8Array(0);
  /** Next byte of `input` to load. May pass input.length by up to MAX_OVERREAD. */
  pos = 0;
  /** Buffered bits, left-aligned (bit 31 is the next bit). */
  buf = 0;
  /** How many bits `buf` holds. */
  bits = 0;

  /** Start reading a new block's compressed bytes, forgetting buffered bits. */
  start(input: Uint8Array): void {
    this.input = input;
    this.pos = 0;
    this.buf = 0;
    this.bits = 0;
  }

  /** Make sure at least `n` bits (n <= 17) are buffered. */
  ensure(n: number): void {
    while (this.bits < n) {
      const p = this.pos;
      let word: number;
      if (p + 1 < this.input.length) {
        word = this.input[p]! | (this.input[p + 1]! << 8);
      } else {
        if (p + 2 > this.input.length + MAX_OVERREAD) {
          throw new CabError("invalid-data", "LZX data ends before its block is complete");
        }
        // A final odd byte is the low half of a word whose high half is missing.
        word = p < this.input.length ? this.input[p]! : 0;
      }
      this.pos = p + 2;
      this.buf |= word << (16 - this.bits);
      this.bits += 16;
    }
  }

  /** Read `n` bits (0..17) as an unsigned number. */
  read(n: number): number {
    if (n === 0) return 0;
    this.ensure(n);
    const v = this.buf >>> (32 - n);
    this.buf <<= n;
    this.bits -= n;
    return v;
  }

  /**
   * Realign for an uncompressed block: drop the rest of the current 16-bit word, or a whole
   * padding word when already aligned (the format always skips 1..16 bits), and leave the
   * byte position at the next unread byte.
   */
  alignToBytes(): void {
    if (this.bits === 0) {
      this.pos += 2;
    } else {
      // Whole words loaded ahead of need go back (LZX readers hold < 16 bits here anyway).
      while (this.bits > 16) {
        this.pos -= 2;
        this.bits -= 16;
      }
    }
    this.buf = 0;
    this.bits = 0;
  }

  /** Raw bytes (after alignToBytes): how many remain in the input. */
  bytesLeft(): number {
    return this.input.length - this.pos;
  }
}
