/**
 * Canonical Huffman decoding tables for LZX (codes assigned by length, then by symbol, read
 * most significant bit first). One flat lookup table of 2^maxLen entries, where maxLen is the
 * longest code actually present (at most 16), so every symbol decodes with one peek.
 * An entry is (symbol << 5) | codeLength; 0 marks "no code here", which a complete code never
 * leaves, so it only shows up for an empty tree.
 */

import { CabError } from "../../format/errors.js";
import type { LzxBitReader } from "./bitstream.js";

/** The longest code length LZX can express (pretree-coded lengths are 0..16). */
export const MAX_CODE_LENGTH = 16;

export class HuffmanTable {
  readonly name: string;
  readonly symbols: number;
  /** Code length per symbol; LZX keeps these across blocks (delta coding). */
  readonly lengths: Uint8Array;
  /** The lookup table (read directly by the LZX hot loop); valid up to 2^maxLen. */
  readonly table: Int32Array;
  /** Bits to peek for a lookup; 0 for an empty tree. */
  maxLen = 0;
  /** True when every length is zero: allowed for the length tree, unusable for decoding. */
  empty = true;

  /**
   * @param symbols how many symbols the code has
   * @param slack extra length slots past `symbols`: LZX's run-length coding may write a
   *   few lengths beyond the range being read, as libmspack tolerates
   * @param maxBits the longest code this tree may have
   */
  constructor(name: string, symbols: number, slack = 0, maxBits = MAX_CODE_LENGTH) {
    this.name = name;
    this.symbols = symbols;
    this.lengths = new Uint8Array(symbols + slack);
    this.table = new Int32Array(1 << maxBits);
  }

  /**
   * Build the lookup table from `lengths[0..symbols)`. The code must be complete (Kraft sum
   * exactly 1) or entirely empty; `allowEmpty` says whether empty is acceptable.
   */
  build(allowEmpty: boolean): void {
    const lengths = this.lengths;
    const n = this.symbols;
    const count = new Int32Array(MAX_CODE_LENGTH + 1);
    let maxLen = 0;
    for (let s = 0; s < n; s++) {
      const len = lengths[s]!;
      if (len > MAX_CODE_LENGTH) {
        throw new CabError("invalid-data", `LZX ${this.name} tree has a code of ${len} bits`);
      }
      count[len]!++;
      if (len > maxLen) maxLen = len;
    }
    if (maxLen === 0) {
      if (!allowEmpty) throw new CabError("invalid-data", `LZX ${this.name} tree is empty`);
      this.empty = true;
      this.maxLen = 0;
      return;
    }
    if (1 << maxLen > this.table.length) {
      throw new CabError("invalid-data", `LZX ${this.name} tree has a code of ${maxLen} bits`);
    }
    // Kraft: the codes must fill the code space exactly.
    let space = 1;
    const next = new Int32Array(MAX_CODE_LENGTH + 2);
    let code = 0;
    for (let len = 1; len <= maxLen; len++) {
      space = (space << 1) - count[len]!;
      if (space < 0) {
        throw new CabError("invalid-data", `LZX ${this.name} tree is over-subscribed`);
      }
      code = (code + (len === 1 ? 0 : count[len - 1]!)) << 1;
      next[len] = code;
    }
    if (space !== 0) throw new CabError("invalid-data", `LZX ${this.name} tree is incomplete`);
    const table = this.table;
    for (let s = 0; s < n; s++) {
      const len = lengths[s]!;
      if (len === 0) continue;
      const c = next[len]!;
      next[len] = c + 1;
      const shift = maxLen - len;
      const start = c << shift;
      table.fill((s << 5) | len, start, start + (1 << shift));
    }
    this.maxLen = maxLen;
    this.empty = false;
  }

  /** Decode one symbol from `br`. */
  decode(br: LzxBitReader): number {
    const maxLen = this.maxLen;
    if (maxLen === 0) {
      throw new CabError("invalid-data", `LZX ${this.name} tree is empty but a symbol is coded`);
    }
    if (br.bits < maxLen) br.ensure(maxLen);
    const e = this.table[br.buf >>> (32 - maxLen)]!;
    const len = e & 31;
    br.buf <<= len;
    br.bits -= len;
    return e >>> 5;
  }
}
