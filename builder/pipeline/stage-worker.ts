/**
 * A stage worker thread (stage-pool.ts starts it): stages one file per message with
 * stageOne and answers with its digests, or with the error (kind "stamp": the stamper
 * refused the file; "input": the user's error; "bug": anything else, with its stack).
 */
import { parentPort } from "node:worker_threads";
import { type StageDone, type StageJob, stageOne } from "./stage-one.js";

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
});
