/**
 * A compression worker: runs compressRecords (MSZIP, stored) or encodeLzxJob (LZX) on jobs
 * posted by compress-pool.ts and posts the results back (their buffers transferred, not
 * copied).
 */
import { parentPort } from "node:worker_threads";
import { encodeLzxJob, type LzxJob, type LzxJobResult } from "../codecs/lzx/encode.js";
import { type CompressJob, compressRecords } from "../codecs/mszip/compress.js";

export type WorkerRequest =
  | { readonly id: number; readonly job: CompressJob }
  | { readonly id: number; readonly lzx: LzxJob };

export type WorkerReply =
  | {
      readonly id: number;
      readonly bytes: Uint8Array;
      readonly recordSizes: readonly number[];
      readonly input: Uint8Array;
    }
  | { readonly id: number; readonly lzx: LzxJobResult; readonly input: Uint8Array }
  | { readonly id: number; readonly error: string };

const port = parentPort;
if (port) {
  port.on("message", (req: WorkerRequest) => {
    try {
      if ("lzx" in req) {
        const r = encodeLzxJob(req.lzx);
        const reply: WorkerReply = { id: req.id, lzx: r, input: req.lzx.data };
        port.postMessage(reply, [
          r.payloads.buffer as ArrayBuffer,
          req.lzx.data.buffer as ArrayBuffer,
        ]);
        return;
      }
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
