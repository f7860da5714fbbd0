/**
 * The optional header CheckSum (the algorithm of imagehlp's CheckSumMappedFile): the file as
 * little-endian 16-bit words, the CheckSum field itself counted as zero, summed with the
 * carries folded back in, then the file length added. An odd last byte is a word with a zero
 * high byte (pe-library takes such tails big-endian, which is wrong).
 */
import { parsePeHeaders } from "./headers.js";

/** Words summed between folds: keeps the running sum far below 2^53. */
const FOLD_EVERY = 1 << 20;

/**
 * Sum of little-endian 16-bit words of bytes[start, end); `start` must be even. Where the
 * data is 4-byte aligned it is read as 32-bit words: lo + hi * 65536 equals lo + hi modulo
 * 65535, which is all the folded one's-complement sum keeps.
 */
function wordSum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  let i = start;
  if ((bytes.byteOffset + start) % 4 === 0 && start % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + start, (end - start) >>> 2);
    for (let w = 0; w < words.length; w += FOLD_EVERY) {
      const stop = Math.min(words.length, w + FOLD_EVERY);
      for (let k = w; k < stop; k++) sum += words[k]!;
      sum = fold(sum);
    }
    i = start + words.length * 4;
  }
  const last = end - ((end - i) & 1);
  for (; i < last; i += 2) sum += bytes[i]! | (bytes[i + 1]! << 8);
  if (last < end) sum += bytes[last]!;
  return sum;
}

/** Fold a sum of 16-bit words into 16 bits, adding each carry back. */
function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** File offset of the CheckSum field, or undefined for a file that is not a PE. */
export function checksumOffsetOf(bytes: Uint8Array): number | undefined {
  try {
    return parsePeHeaders(bytes)?.checksumOffset;
  } catch {
    return undefined;
  }
}

/**
 * The CheckSum value for these bytes (the stored CheckSum is ignored), correct for any length.
 * For bytes that are not a PE every byte counts.
 */
export function peChecksum(bytes: Uint8Array, checksumOffset = checksumOffsetOf(bytes)): number {
  let sum: number;
  if (checksumOffset === undefined) {
    sum = wordSum(bytes, 0, bytes.length);
  } else if ((checksumOffset & 1) === 0) {
    // Sums stay far below 2^53 (65535 per word), so folding once at the end is exact.
    sum =
      wordSum(bytes, 0, Math.min(checksumOffset, bytes.length)) +
      wordSum(bytes, Math.min(checksumOffset + 4, bytes.length), bytes.length);
  } else {
    const copy = bytes.slice();
    copy.fill(0, checksumOffset, checksumOffset + 4);
    sum = wordSum(copy, 0, copy.length);
  }
  return (fold(sum) + bytes.length) >>> 0;
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
