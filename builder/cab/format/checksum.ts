/**
 * The CFDATA checksum of [MS-CAB] 2.5: XOR of the data taken as little-endian u32 words,
 * with 1..3 trailing bytes folded in a peculiar order (first byte highest).
 * It is computed over the block's data first, then over the 4 bytes cbData + cbUncomp
 * (and the block's reserve area, when present) seeded with the data's sum.
 */

/**
 * Checksum `data` starting from `seed`. Incremental: feeding a buffer in pieces gives the
 * same result as feeding it whole, as long as every piece but the last has a length that
 * is a multiple of 4.
 */
export function cabChecksum(data: Uint8Array, seed = 0): number {
  let csum = seed >>> 0;
  const words = data.length >>> 2;
  let i = 0;
  if ((data.byteOffset & 3) === 0 && words > 0) {
    const u32 = new Uint32Array(data.buffer, data.byteOffset, words);
    // Uint32Array reads platform order; every platform Node supports here is little-endian.
    for (let w = 0; w < words; w++) csum ^= u32[w]!;
    i = words << 2;
  } else {
    for (let w = 0; w < words; w++, i += 4) {
      csum ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    }
  }
  // Trailing 1..3 bytes: the first of them lands highest ([MS-CAB] 2.5 pseudo-code).
  let tail = 0;
  for (let left = data.length & 3; left > 0; left--) tail |= data[i++]! << ((left - 1) * 8);
  return (csum ^ tail) >>> 0;
}

/**
 * The checksum stored in CFDATA.csum for a block: the data, then cbData and cbUncomp
 * (little-endian u16 each), then the data reserve area.
 */
export function blockChecksum(
  compressed: Uint8Array,
  uncompressedSize: number,
  reserve: Uint8Array = EMPTY,
): number {
  let sum = cabChecksum(compressed, 0);
  const head = new Uint8Array(4 + reserve.length);
  head[0] = compressed.length & 0xff;
  head[1] = compressed.length >>> 8;
  head[2] = uncompressedSize & 0xff;
  head[3] = uncompressedSize >>> 8;
  head.set(reserve, 4);
  sum = cabChecksum(head, sum);
  return sum;
}

const EMPTY = new Uint8Array(0);
