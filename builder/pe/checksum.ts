/**
 * The optional header CheckSum (the algorithm of imagehlp's CheckSumMappedFile): the file as
 * little-endian 16-bit words, the CheckSum field itself counted as zero, summed with the
 * carries folded back in, then the file length added. An odd last byte is a word with a zero
 * high byte (pe-library takes such tails big-endian, which is wrong). One implementation,
 * incremental (PeChecksum: a package is summed while its cabinet streams through) with a
 * whole-file shorthand (peChecksum).
 */
import { asSource, chunksOf, type PeInput, readPeHeaders } from "./headers.js";

/** 32-bit words summed between folds: keeps the running sum below 2^52. */
const FOLD_EVERY = 1 << 20;
/** Whether a Uint32Array reads little-endian here (it does on x86 and arm). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Fold a sum of 16-bit words into 16 bits, adding each carry back. */
function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

/**
 * Sum of the little-endian 16-bit words of `bytes`, which start at an even file offset.
 * Where memory allows, read as 32-bit words: lo + hi * 65536 equals lo + hi modulo 65535,
 * which is all the folded one's-complement sum keeps.
 */
function wordSum(bytes: Uint8Array): number {
  let sum = 0;
  let i = 0;
  if (LITTLE_ENDIAN && (bytes.byteOffset & 1) === 0) {
    for (; (bytes.byteOffset + i) & 3 && i + 1 < bytes.length; i += 2) {
      sum += bytes[i]! | (bytes[i + 1]! << 8);
    }
    const count = (bytes.length - i) >>> 2;
    if (count > 0 && ((bytes.byteOffset + i) & 3) === 0) {
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, count);
      for (let w = 0; w < count; w += FOLD_EVERY) {
        const stop = Math.min(count, w + FOLD_EVERY);
        for (let k = w; k < stop; k++) sum += words[k]!;
        sum = fold(sum);
      }
      i += count * 4;
    }
  }
  // 65535 per word: even a misaligned gigabyte stays far below 2^53.
  for (; i + 1 < bytes.length; i += 2) sum += bytes[i]! | (bytes[i + 1]! << 8);
  if (i < bytes.length) sum += bytes[i]!;
  return sum;
}

/** The CheckSum of a file given as pieces (any order, none overlapping). */
export class PeChecksum {
  #sum = 0;
  #length = 0;

  /** Add `bytes` found at `offset` of the file; the CheckSum field must be added as zeros. */
  add(bytes: Uint8Array, offset: number): this {
    let sum = 0;
    let rest = bytes;
    if (offset & 1 && bytes.length > 0) {
      sum += bytes[0]! << 8; // the high byte of the word that started one byte earlier
      rest = bytes.subarray(1);
    }
    this.#sum = fold(this.#sum + sum + wordSum(rest));
    this.#length = Math.max(this.#length, offset + bytes.length);
    return this;
  }

  /** The checksum of a file of the bytes added so far. */
  value(): number {
    return (fold(this.#sum) + this.#length) >>> 0;
  }
}

/** File offset of the CheckSum field, or undefined for a file that is not a PE. */
export function checksumOffsetOf(input: PeInput): number | undefined {
  try {
    return readPeHeaders(asSource(input))?.checksumOffset;
  } catch {
    return undefined;
  }
}

/**
 * The CheckSum value for these bytes (the stored CheckSum is ignored), correct for any length.
 * For bytes that are not a PE every byte counts. A file is read in chunks.
 */
export function peChecksum(input: PeInput, checksumOffset = checksumOffsetOf(input)): number {
  const src = asSource(input);
  const sum = new PeChecksum();
  const field = checksumOffset ?? src.size;
  const at = Math.min(field, src.size);
  const after = Math.min(field + 4, src.size);
  for (const [piece, offset] of chunksOf(src, 0, at)) sum.add(piece, offset);
  if (after > at) sum.add(new Uint8Array(after - at), at);
  for (const [piece, offset] of chunksOf(src, after, src.size)) sum.add(piece, offset);
  return sum.value();
}

/** Write the correct CheckSum into a PE image in place. */
export function writeChecksum(bytes: Uint8Array, checksumOffset: number): void {
  const value = peChecksum(bytes, checksumOffset);
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(
    checksumOffset,
    value,
    true,
  );
}
