/**
 * A stage worker thread (stage-pool.ts starts it): stages one file per message with
 * stageOne and answers with its digests, or with the error (kind "stamp": the stamper
 * refused the file; "input": the user's error; "bug": anything else, with its stack).
 *
 * Between jobs the worker frees what the last ones left (util/memory.ts): each file staged
 * leaves several dead buffers of its size (the original, the stamped copies), which V8
 * would otherwise keep until they add up to some 64 MB more than at its last full
 * collection, in each worker (a 500 MB drop: the stage's peak 316-367 MiB, 253 with this).
 */
import { parentPort } from "node:worker_threads";
import { collectGarbage, fullCollection } from "../util/memory.js";
import { type StageDone, type StageJob, stageOne } from "./stage-one.js";

/**
 * Dead buffers a worker may hold between jobs (32 MiB): past it, a full collection (some
 * 30 ms on a loaded machine; a bound of 16 MiB took twice as many for a peak 13 MiB lower).
 */
export const STAGE_GARBAGE_BYTES = 32 * 1048576;

export interface StageRequest {
  readonly id: number;
  readonly job: StageJob;
}

export type StageReply =
  | { readonly id: number; readonly done: StageDone }
  | {
      readonly id: number;
      readonly error: {
        readonly kind: "stamp" | "input" | "bug";
        readonly message: string;
        /** A refused system call's code and call (ENOSPC, write): the build's one-line error. */
        readonly code?: string;
        readonly syscall?: string;
        readonly stack?: string;
      };
    };

const gc = parentPort ? fullCollection() : undefined;

parentPort?.on("message", async ({ id, job }: StageRequest) => {
  let reply: StageReply;
  try {
    reply = { id, done: await stageOne(job) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const kind = e.name === "StampRefused" ? "stamp" : e.name === "InputError" ? "input" : "bug";
    reply = {
      id,
      error: {
        kind,
        message: e.message,
        ...(e.code ? { code: e.code } : {}),
        ...(e.syscall ? { syscall: e.syscall } : {}),
        ...(e.stack ? { stack: e.stack } : {}),
      },
    };
  }
  parentPort?.postMessage(reply);
  if (gc) collectGarbage(STAGE_GARBAGE_BYTES, gc);
});
