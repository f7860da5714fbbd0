/**
 * A batch of a folder's MSZIP blocks to test apart (read/parallel-test.ts): each is
 * decoded against zeros as long as its real history (see mszipHistoryLength), and the
 * first that fails is named. The decoded bytes are thrown away: a test needs only whether
 * each block decodes to the size it declares. Runs on a worker (test-worker.ts) or on the
 * calling thread.
 */
import { inflateMszipBlock } from "../codecs/mszip/decode.js";

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
  | { readonly id: number; readonly ok: true }
  | { readonly id: number; readonly ok: false; readonly index: number; readonly reason: string };

const ZEROS = new Uint8Array(32768);

/** The first block of `batch` that does not decode, or ok. */
export function testBatch(batch: TestBatch): TestReply {
  let at = 0;
  for (let i = 0; i < batch.lengths.length; i++) {
    const input = batch.bytes.subarray(at, at + batch.lengths[i]!);
    at += batch.lengths[i]!;
    try {
      inflateMszipBlock(input, batch.sizes[i]!, ZEROS.subarray(0, batch.historyLengths[i]!));
    } catch (err) {
      return { id: batch.id, ok: false, index: i, reason: (err as Error)?.message ?? String(err) };
    }
  }
  return { id: batch.id, ok: true };
}
