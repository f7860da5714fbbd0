/**
 * Staging on worker threads: each worker stages one file at a time (stage-one.ts), so
 * stamping and hashing use every core and the stage gets more than one thread's share of a
 * loaded machine. Jobs start in order; their answers come back in any order.
 *
 * What bounds the stage's memory: a file being staged is held whole (the original, the
 * stamped copy and pe-library's working copies, about 4 times its size), so files run at
 * once only while their sizes add up to STAGE_BYTES_IN_FLIGHT; a larger file runs alone.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { InputError } from "../util/errors.js";
import { type StageDone, type StageJob, StampRefused } from "./stage-one.js";
import type { StageReply } from "./stage-worker.js";

/** Stage workers, at most (each costs about 15 MB besides the file it holds). */
export const MAX_STAGE_THREADS = 2;

/** Source bytes staged at once, at most (unless one file alone is larger). */
export const STAGE_BYTES_IN_FLIGHT = 24 * 1048576;

export interface Stager {
  /** Stage one file of `size` bytes. Rejects with StampRefused when the stamper refuses it. */
  stage(job: StageJob, size: number): Promise<StageDone>;
  /** Reject the jobs not yet started with StageCancelled (those running go on). */
  cancelQueued(): void;
  /** Stop the workers; a job still running is rejected. */
  close(): Promise<void>;
}

/** A job cancelled before it started (another file failed). */
export class StageCancelled extends Error {
  constructor() {
    super("not staged: an earlier file failed");
    this.name = "StageCancelled";
  }
}

interface Pending {
  readonly job: StageJob;
  readonly size: number;
  resolve(done: StageDone): void;
  reject(err: Error): void;
}

export function workerStager(
  threads = Math.min(availableParallelism(), MAX_STAGE_THREADS),
): Stager {
  const idle: Worker[] = [];
  const all: Worker[] = [];
  const queue: Pending[] = [];
  const running = new Map<number, Pending & { worker: Worker }>();
  let bytes = 0;
  let nextId = 0;
  let failed: Error | undefined;
  let closing = false;

  /** A worker is gone: its jobs and every queued one fail, and no job starts again. */
  const lose = (w: Worker, err: Error) => {
    failed ??= err;
    for (const [id, p] of running) {
      if (p.worker !== w) continue;
      running.delete(id);
      bytes -= p.size;
      p.reject(err);
    }
    for (const p of queue.splice(0)) p.reject(err);
  };
  const cancelQueued = () => {
    for (const p of queue.splice(0)) p.reject(new StageCancelled());
  };

  const spawn = () => {
    const w = new Worker(new URL("./stage-worker.js", import.meta.url));
    w.on("message", (reply: StageReply) => {
      const p = running.get(reply.id)!;
      running.delete(reply.id);
      bytes -= p.size;
      idle.push(w);
      if ("done" in reply) p.resolve(reply.done);
      else p.reject(toError(reply.error));
      pump();
    });
    w.on("error", (err) => lose(w, err));
    // A worker that stops without an error (killed, out of memory) must not leave its job
    // pending for ever: the build would hang.
    w.on("exit", (code) => {
      if (!closing) lose(w, new Error(`stage worker stopped (exit code ${code})`));
    });
    all.push(w);
    return w;
  };

  const pump = () => {
    while (queue.length > 0) {
      const head = queue[0]!;
      if (running.size > 0 && bytes + head.size > STAGE_BYTES_IN_FLIGHT) return;
      const w = idle.pop() ?? (all.length < threads ? spawn() : undefined);
      if (!w) return;
      queue.shift();
      const id = nextId++;
      running.set(id, { ...head, worker: w });
      bytes += head.size;
      w.postMessage({ id, job: head.job });
    }
  };

  return {
    stage(job, size) {
      if (failed) return Promise.reject(failed);
      return new Promise<StageDone>((resolve, reject) => {
        queue.push({ job, size, resolve, reject });
        pump();
      });
    },
    cancelQueued,
    async close() {
      closing = true;
      cancelQueued();
      await Promise.all(all.map((w) => w.terminate()));
      for (const p of running.values()) p.reject(new Error("stage worker stopped"));
      running.clear();
    },
  };
}

function toError(e: Extract<StageReply, { error: unknown }>["error"]): Error {
  if (e.kind === "stamp") return new StampRefused(e.message);
  if (e.kind === "input") return new InputError(e.message);
  const err = Object.assign(
    new Error(e.message),
    e.code ? { code: e.code } : {},
    e.syscall ? { syscall: e.syscall } : {},
  );
  if (e.stack) err.stack = e.stack;
  return err;
}
