/**
 * CFFOLDER.typeCompress read as [MS-CAB] 2.2 defines it: the method in the low nibble, the
 * window bits above it. Its name for listings and messages, and why a value is out of the
 * spec's ranges. Part of the format: the layout parser checks it, the decoders rely on it.
 */

import {
  COMPRESSION_TYPE_MASK,
  COMPRESSION_WINDOW_MASK,
  COMPRESSION_WINDOW_SHIFT,
  CompressionType,
  LZX_MAX_WINDOW_BITS,
  LZX_MIN_WINDOW_BITS,
  QUANTUM_MAX_WINDOW_BITS,
  QUANTUM_MIN_WINDOW_BITS,
} from "./constants.js";

/** CFFOLDER.typeCompress as a name, for messages and listings. */
export function compressionName(typeCompress: number): string {
  const window = (typeCompress >>> COMPRESSION_WINDOW_SHIFT) & COMPRESSION_WINDOW_MASK;
  switch (typeCompress & COMPRESSION_TYPE_MASK) {
    case CompressionType.none:
      return "none";
    case CompressionType.mszip:
      return "mszip";
    case CompressionType.quantum:
      return `quantum:${window}`;
    case CompressionType.lzx:
      return `lzx:${window}`;
    default:
      return `unknown(0x${typeCompress.toString(16)})`;
  }
}

/** Why a typeCompress value cannot be decoded, or undefined when it is fine. */
export function compressionProblem(typeCompress: number): string | undefined {
  const type = typeCompress & COMPRESSION_TYPE_MASK;
  const window = (typeCompress >>> COMPRESSION_WINDOW_SHIFT) & COMPRESSION_WINDOW_MASK;
  if (
    type === CompressionType.lzx &&
    (window < LZX_MIN_WINDOW_BITS || window > LZX_MAX_WINDOW_BITS)
  ) {
    return `LZX window of ${window} bits (allowed ${LZX_MIN_WINDOW_BITS}..${LZX_MAX_WINDOW_BITS})`;
  }
  if (
    type === CompressionType.quantum &&
    (window < QUANTUM_MIN_WINDOW_BITS || window > QUANTUM_MAX_WINDOW_BITS)
  ) {
    return `Quantum window of ${window} bits (allowed ${QUANTUM_MIN_WINDOW_BITS}..${QUANTUM_MAX_WINDOW_BITS})`;
  }
  if (type > CompressionType.lzx)
    return `compression type ${type} (known: 0 none, 1 MSZIP, 2 Quantum, 3 LZX)`;
  return undefined;
}
