/**
 * One decoder per folder: CFDATA blocks go in, in order, and each gives back exactly its
 * uncompressed size. The factory maps CFFOLDER.typeCompress to the codec; LZX and Quantum
 * live in their own modules (lzx.ts, quantum.ts).
 */

import { createLzxDecoder } from "../codecs/lzx/decode.js";
import { MszipDecoder } from "../codecs/mszip/decode.js";
import { createQuantumDecoder } from "../codecs/quantum/decode.js";
import type { BlockDecoder } from "../codecs/shared/block-decoder.js";
import { compressionProblem } from "../format/compression.js";
import {
  COMPRESSION_TYPE_MASK,
  COMPRESSION_WINDOW_MASK,
  COMPRESSION_WINDOW_SHIFT,
  CompressionType,
} from "../format/constants.js";
import { CabError } from "../format/errors.js";

export type { BlockDecoder } from "../codecs/shared/block-decoder.js";

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
