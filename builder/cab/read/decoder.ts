/**
 * One decoder per folder: CFDATA blocks go in, in order, and each gives back exactly its
 * uncompressed size. The factory maps CFFOLDER.typeCompress to the codec; LZX and Quantum
 * live in their own modules (lzx.ts, quantum.ts).
 */

import { createLzxDecoder } from "../codecs/lzx/decode.js";
import { MszipDecoder } from "../codecs/mszip/decode.js";
import { createQuantumDecoder } from "../codecs/quantum/decode.js";
import type { BlockDecoder } from "../codecs/shared/block-decoder.js";
import {
  COMPRESSION_TYPE_MASK,
  COMPRESSION_WINDOW_MASK,
  COMPRESSION_WINDOW_SHIFT,
  CompressionType,
  LZX_MAX_WINDOW_BITS,
  LZX_MIN_WINDOW_BITS,
  QUANTUM_MAX_WINDOW_BITS,
  QUANTUM_MIN_WINDOW_BITS,
} from "../format/constants.js";
import { CabError } from "../format/errors.js";

export type { BlockDecoder } from "../codecs/shared/block-decoder.js";

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

/** Stored blocks: the data is the output. */
class NoneDecoder implements BlockDecoder {
  decompress(input: Uint8Array, outputSize: number): Uint8Array {
    if (input.length !== outputSize) {
      throw new CabError(
        "invalid-data",
        `stored block holds ${input.length} bytes but says it expands to ${outputSize}`,
      );
    }
    return input.slice();
  }

  reset(): void {}
}

/** True when this build can decode the folder's compression type. */
export function canDecode(typeCompress: number): boolean {
  return compressionProblem(typeCompress) === undefined;
}

/** A fresh decoder for one folder (LZX and Quantum state is per folder). */
export function createDecoder(typeCompress: number): BlockDecoder {
  const problem = compressionProblem(typeCompress);
  if (problem) throw new CabError("invalid-data", `unsupported ${problem}`);
  const type = typeCompress & COMPRESSION_TYPE_MASK;
  const windowBits = (typeCompress >>> COMPRESSION_WINDOW_SHIFT) & COMPRESSION_WINDOW_MASK;
  if (type === CompressionType.none) return new NoneDecoder();
  if (type === CompressionType.mszip) return new MszipDecoder();
  return type === CompressionType.lzx
    ? createLzxDecoder(windowBits)
    : createQuantumDecoder(windowBits);
}
