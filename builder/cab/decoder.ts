/**
 * One decoder per folder: CFDATA blocks go in, in order, and each gives back exactly its
 * uncompressed size. The factory maps CFFOLDER.typeCompress to the codec; LZX and Quantum
 * live in their own modules (lzx.ts, quantum.ts), imported on demand.
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
import { CabError } from "./errors.js";
import { MszipDecoder } from "./mszip.js";

export interface BlockDecoder {
  /** Decode one block (its compressed bytes) to exactly `outputSize` bytes. */
  decompress(input: Uint8Array, outputSize: number): Uint8Array;
}

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
}

type DecoderModule = Record<string, unknown>;
const modules = new Map<string, Promise<DecoderModule | undefined>>();

/** Module names the codec may live under (the first that exists wins). */
const CODEC_MODULES = {
  lzx: ["lzx", "lzx-decoder", "lzx-decode", "lzxd"],
  quantum: ["quantum", "quantum-decoder", "quantum-decode", "qtmd"],
} as const;

/** Import an optional codec module once; undefined when this build does not have it. */
function loadOptional(name: string): Promise<DecoderModule | undefined> {
  let p = modules.get(name);
  if (!p) {
    // A variable specifier keeps tsc from requiring the module at compile time.
    const specifier = `./${name}.js`;
    p = (import(specifier) as Promise<DecoderModule>).catch(
      (err: { code?: string; message?: string }) => {
        // Only the module itself missing means "not in this build"; anything else is a bug.
        if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes(`/${name}.js`)) {
          return undefined;
        }
        throw err;
      },
    );
    modules.set(name, p);
  }
  return p;
}

/** The codec's factory function from the first of its candidate modules that has it. */
async function findFactory(
  candidates: readonly string[],
  factory: string,
): Promise<((windowBits: number) => BlockDecoder) | undefined> {
  for (const name of candidates) {
    const create = (await loadOptional(name))?.[factory];
    if (typeof create === "function") return create as (windowBits: number) => BlockDecoder;
  }
  return undefined;
}

/** True when this build can decode the folder's compression type. */
export async function canDecode(typeCompress: number): Promise<boolean> {
  try {
    await createDecoder(typeCompress);
    return true;
  } catch {
    return false;
  }
}

/** A fresh decoder for one folder (LZX and Quantum state is per folder). */
export async function createDecoder(typeCompress: number): Promise<BlockDecoder> {
  const problem = compressionProblem(typeCompress);
  if (problem) throw new CabError("invalid-data", `unsupported ${problem}`);
  const type = typeCompress & COMPRESSION_TYPE_MASK;
  const windowBits = (typeCompress >>> COMPRESSION_WINDOW_SHIFT) & COMPRESSION_WINDOW_MASK;
  if (type === CompressionType.none) return new NoneDecoder();
  if (type === CompressionType.mszip) return new MszipDecoder();
  const [candidates, factory, label] =
    type === CompressionType.lzx
      ? [CODEC_MODULES.lzx, "createLzxDecoder", "LZX"]
      : [CODEC_MODULES.quantum, "createQuantumDecoder", "Quantum"];
  const create = await findFactory(candidates, factory);
  if (!create) {
    throw new CabError("invalid-input", `${label} decoding is not available in this build`);
  }
  return create(windowBits);
}
