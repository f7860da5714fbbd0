/**
 * The PE image checksum (IMAGE_OPTIONAL_HEADER.CheckSum, as ImageHlp's CheckSumMappedFile
 * computes it): the ones'-complement sum of the file's little-endian 16-bit words, with
 * the checksum field itself taken as zero, folded to 16 bits, plus the file's length.
 * Incremental, so a package can be summed while its cabinet streams through.
 */
export class PeChecksum {
  #sum = 0;
  #length = 0;

  /** Add `bytes` found at `offset` of the file (pieces in any order, none overlapping). */
  add(bytes: Uint8Array, offset: number): this {
    let i = 0;
    let sum = 0;
    if (offset & 1 && bytes.length > 0) {
      sum += bytes[0]! << 8; // the high byte of the word that started one byte earlier
      i = 1;
    }
    for (; i + 1 < bytes.length; i += 2) sum += bytes[i]! | (bytes[i + 1]! << 8);
    if (i < bytes.length) sum += bytes[i]!;
    // 300 MB of words stays far below 2^53: fold once, at the end.
    this.#sum += sum;
    this.#length = Math.max(this.#length, offset + bytes.length);
    return this;
  }

  /** The checksum of a file of the bytes added so far (the checksum field added as zeros). */
  value(): number {
    let s = this.#sum;
    while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
    return (s + this.#length) >>> 0;
  }
}
