/**
 * A batch of a folder's MSZIP blocks to test apart (read/parallel-test.ts): each is
 * decoded against zeros as long as its real history (see mszipHistoryLength), and the
 * first that fails is named. The decoded bytes are thrown away: a test needs only whether
 * each block decodes to the size it declares. Runs on a worker (test-worker.ts) or on the
 * calling thread.
 */
import { testMszipBlock } from "../codecs/mszip/decode.js";
import { MszipInflater } from "../codecs/mszip/inflater.js";

export interface TestBatch {
  readonly id: number;
  /** The blocks' compressed bytes back to back. */
  readonly bytes: Uint8Array;
  /** Per block: its length in `bytes`, its declared size, its history's length. */
  readonly lengths: Int32Array;
  readonly sizes: Int32Array;
  readonly historyLengths: Int32Array;
}

export type TestReply =
  | { readonly id: number; readonly threadId: number; readonly ok: true }
  | {
      readonly id: number;
      readonly threadId: number;
      readonly ok: false;
      readonly index: number;
      readonly reason: string;
    };

/** This thread's inflater for tests (every block starts afresh: none keeps state). */
const inflater = new MszipInflater();

/** Test one block; its failure's words, or undefined. */
export function testOneBlock(
  input: Uint8Array,
  size: number,
  historyLength: number,
): string | undefined {
  try {
    testMszipBlock(inflater, input, size, historyLength);
    return undefined;
  } catch (err) {
    return (err as Error)?.message ?? String(err);
  }
}

/** The first block of `batch` that does not decode, or ok; `threadId` says who tested it. */
export function testBatch(batch: TestBatch, threadId: number): TestReply {
  let at = 0;
  for (let i = 0; i < batch.lengths.length; i++) {
    const input = batch.bytes.subarray(at, at + batch.lengths[i]!);
    at += batch.lengths[i]!;
    const reason = testOneBlock(input, batch.sizes[i]!, batch.historyLengths[i]!);
    if (reason !== undefined) return { id: batch.id, threadId, ok: false, index: i, reason };
  }
  return { id: batch.id, threadId, ok: true };
}
