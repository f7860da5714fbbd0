/**
 * MSZIP ([MS-CAB] 3.1, [MS-MCI]): each CFDATA block is "CK" and a deflate stream that may
 * refer back into the previous 32 KB of output. zlib's raw inflate with that history as a
 * preset dictionary decodes it: one inflater kept open per folder (inflater.ts), and
 * `inflateRawSync` for a block it does not decode cleanly, which words the error.
 */
import { constants, inflateRawSync } from "node:zlib";
import { MAX_BLOCK_UNCOMPRESSED, MSZIP_SIGNATURE } from "../../format/constants.js";
import { CabError } from "../../format/errors.js";
import type { BlockDecoder } from "../shared/block-decoder.js";
import { HISTORY_SIZE, MszipInflater } from "./inflater.js";

/**
 * Decode one MSZIP block to exactly `outputSize` bytes, with `dictionary` (the folder's
 * last 32 KB of output, shorter at its start) as deflate's history.
 */
export function inflateMszipBlock(
  input: Uint8Array,
  outputSize: number,
  dictionary: Uint8Array,
): Buffer {
  if (input.length < 2 || (input[0]! | (input[1]! << 8)) !== MSZIP_SIGNATURE) {
    throw new CabError("invalid-data", 'MSZIP block does not start with "CK"');
  }
  if (outputSize > MAX_BLOCK_UNCOMPRESSED) {
    throw new CabError(
      "invalid-data",
      `MSZIP block expands to ${outputSize} bytes (at most ${MAX_BLOCK_UNCOMPRESSED})`,
    );
  }
  let out: Buffer;
  try {
    out = inflateRawSync(input.subarray(2), {
      // A block without a final deflate block still yields what it holds; the size check
      // below decides.
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: MAX_BLOCK_UNCOMPRESSED + 1,
      // One output chunk holds a whole block: no concatenation (measured 25% faster).
      chunkSize: MAX_BLOCK_UNCOMPRESSED + 1024,
      ...(dictionary.length > 0 ? { dictionary } : {}),
    });
  } catch (err) {
    const reason = (err as Error).message ?? String(err);
    throw new CabError("invalid-data", `MSZIP block is damaged (${reason})`);
  }
  if (out.length !== outputSize) {
    throw new CabError(
      "invalid-data",
      `MSZIP block expands to ${out.length} bytes but says ${outputSize}`,
    );
  }
  return out;
}

/**
 * How long a block's history is: what the folder's blocks before it hold, up to 32 KB.
 * Whether a block decodes, and to how many bytes, depends on that length only, never on
 * the history's bytes: inflate reads history only to copy from it, and refuses a distance
 * by comparing it with how much history there is. So a folder's blocks can be tested
 * apart, each against zeros of that length (read/parallel-test.ts).
 */
export function mszipHistoryLength(bytesBefore: number): number {
  return Math.min(HISTORY_SIZE, bytesBefore);
}

/** Zeros to stand for a block's history in a test, where only its length counts. */
const ZEROS = new Uint8Array(HISTORY_SIZE);

/**
 * Test one MSZIP block: decode it after zeros as long as its history (see
 * mszipHistoryLength) and throw the CabError a decode would, or nothing.
 */
export function testMszipBlock(
  inflater: MszipInflater,
  input: Uint8Array,
  outputSize: number,
  historyLength: number,
): void {
  const history = ZEROS.subarray(0, historyLength);
  if (inflater.inflate(input, outputSize, history) === undefined) {
    inflateMszipBlock(input, outputSize, history); // throws, in its words
  }
}

export class MszipDecoder implements BlockDecoder {
  private readonly inflater = new MszipInflater();
  private history: Uint8Array = new Uint8Array(0);

  /** A block's bytes, the caller's to keep. */
  decompress(input: Uint8Array, outputSize: number): Uint8Array {
    const view = this.inflater.inflate(input, outputSize, this.history);
    if (view) {
      // The window is a view of the inflater's output, valid for the next call.
      this.history = this.inflater.window;
      return view.slice();
    }
    const out = inflateMszipBlock(input, outputSize, this.history);
    this.remember(out);
    return out;
  }

  /** Keep the last 32 KB of output as the next block's dictionary. */
  private remember(out: Uint8Array): void {
    if (out.length >= HISTORY_SIZE) {
      this.history = out.subarray(out.length - HISTORY_SIZE);
      return;
    }
    const keep = Math.min(this.history.length, HISTORY_SIZE - out.length);
    const next = new Uint8Array(keep + out.length);
    next.set(this.history.subarray(this.history.length - keep), 0);
    next.set(out, keep);
    this.history = next;
  }

  reset(): void {
    this.history = new Uint8Array(0);
  }
}
