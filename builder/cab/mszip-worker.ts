/**
 * A compression worker: runs compressRecords on jobs posted by compress-pool.ts and posts
 * the records back (their buffer transferred, not copied).
 */
import { parentPort } from "node:worker_threads";
import { type CompressJob, compressRecords } from "./mszip-compress.js";

export interface WorkerRequest {
  readonly id: number;
  readonly job: CompressJob;
}

export type WorkerReply =
  | {
      readonly id: number;
      readonly bytes: Uint8Array;
      readonly recordSizes: readonly number[];
      readonly input: Uint8Array;
    }
  | { readonly id: number; readonly error: string };

const port = parentPort;
if (port) {
  port.on("message", (req: WorkerRequest) => {
    try {
      const r = compressRecords(req.job);
      const reply: WorkerReply = {
        id: req.id,
        bytes: r.bytes,
        recordSizes: r.recordSizes,
        input: req.job.data,
      };
      port.postMessage(reply, [r.bytes.buffer as ArrayBuffer, req.job.data.buffer as ArrayBuffer]);
    } catch (err) {
      const reply: WorkerReply = { id: req.id, error: String((err as Error)?.stack ?? err) };
      port.postMessage(reply);
    }
  });
}
