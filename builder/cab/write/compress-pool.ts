/**
 * Where compression runs: on the calling thread (threads: 1) or on a pool of
 * worker_threads. Jobs are independent (each carries its own MSZIP or LZX history), so results
 * are identical whichever thread computes them; the writer consumes them in submission
 * order, so the output is byte-identical for any thread count.
 */
import { Worker } from "node:worker_threads";
import { encodeLzxJob, type LzxJob, type LzxJobResult } from "../codecs/lzx/encode.js";
import {
  type CompressedRecords,
  type CompressJob,
  compressRecords,
} from "../codecs/mszip/compress.js";
import type { WorkerReply, WorkerRequest } from "./compress-worker.js";

/**
 * Small heaps for the workers: a job's garbage (its input and deflate output) is then
 * collected early, which keeps the process's memory low (about 100 MB less with two).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 };

/** Jobs under this many bytes are compressed on the calling thread (same bytes). */
const INLINE_BELOW = 16 * 1024;

export interface Compressor {
  readonly threads: number;
  /** Compress; `job.data`'s buffer may be transferred (do not use it afterwards). */
  compress(job: CompressJob): Promise<CompressedRecords>;
  /** Encode an LZX job; `job.data`'s buffer may be transferred. */
  compressLzx(job: LzxJob): Promise<LzxJobResult & { readonly input: Uint8Array }>;
  close(): Promise<void>;
}

export function createCompressor(threads: number): Compressor {
  if (threads <= 1) {
    return {
      threads: 1,
      compress: async (job) => compressRecords(job),
      compressLzx: async (job) => ({ ...encodeLzxJob(job), input: job.data }),
      close: async () => {},
    };
  }
  return new WorkerPool(threads);
}

type PoolResult = CompressedRecords | (LzxJobResult & { readonly input: Uint8Array });

interface Pending {
  resolve(r: PoolResult): void;
  reject(e: Error): void;
}

class WorkerPool implements Compressor {
  private readonly workers: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(readonly threads: number) {}

  /**
   * Start the workers, at the first job that needs one: a cabinet of a few small files,
   * all compressed inline, then starts and stops none (0.2-0.3 s of wall time each run).
   */
  private start(): void {
    const url = new URL("./compress-worker.js", import.meta.url);
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(url, { resourceLimits: WORKER_LIMITS });
      const slot: Slot = { worker, busy: 0, idle: undefined };
      worker.on("message", (reply: WorkerReply) => {
        slot.busy--;
        if (slot.busy === 0) slot.idle?.();
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if ("error" in reply) p.reject(new Error(`compression worker failed: ${reply.error}`));
        else if ("lzx" in reply) p.resolve({ ...reply.lzx, input: reply.input });
        else p.resolve({ bytes: reply.bytes, recordSizes: reply.recordSizes, input: reply.input });
      });
      worker.on("error", (err) => this.fail(err));
      worker.on("exit", (code) => {
        slot.busy = 0;
        slot.idle?.();
        if (code !== 0) this.fail(new Error(`compression worker exited with code ${code}`));
      });
      this.workers.push(slot);
    }
  }

  compress(job: CompressJob): Promise<CompressedRecords> {
    // A small job (a small file's folder) costs more to post than to compress here.
    if (job.data.length < INLINE_BELOW) return this.inline(() => compressRecords(job));
    return this.post({ id: this.nextId++, job }, job.data) as Promise<CompressedRecords>;
  }

  compressLzx(job: LzxJob): Promise<LzxJobResult & { readonly input: Uint8Array }> {
    if (job.data.length < INLINE_BELOW) {
      return this.inline(() => ({ ...encodeLzxJob(job), input: job.data }));
    }
    // The history is the job's own (in its buffer's lead, or a copy): it travels too.
    return this.post({ id: this.nextId++, lzx: job }, job.data, job.history) as Promise<
      LzxJobResult & { readonly input: Uint8Array }
    >;
  }

  private inline<T>(run: () => T): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    try {
      return Promise.resolve(run());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private post(req: WorkerRequest, data: Uint8Array, extra?: Uint8Array): Promise<PoolResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers.length === 0) this.start();
    // The least busy worker (ties: the first); which one does not change the bytes.
    let slot = this.workers[0]!;
    for (const w of this.workers) if (w.busy < slot.busy) slot = w;
    slot.busy++;
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, { resolve, reject });
      const transfer = [data.buffer as ArrayBuffer];
      // An LZX job's history may share its data's buffer (listed once, or cloning fails).
      if (extra && extra.buffer !== data.buffer) transfer.push(extra.buffer as ArrayBuffer);
      slot.worker.postMessage(req, transfer);
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.failure ??= new Error("compressor closed");
    // A worker terminated inside a zlib call aborts the whole process (Node 20: "close
    // before init", SIGABRT), as when a write fails with jobs in flight: let them end first.
    await Promise.all(
      this.workers.map(async (slot) => {
        if (slot.busy > 0) {
          await new Promise<void>((resolve) => {
            slot.idle = resolve;
          });
        }
        await slot.worker.terminate();
      }),
    );
  }
}

interface Slot {
  readonly worker: Worker;
  /** Jobs posted and not answered. */
  busy: number;
  /** Called when busy drops to 0 (or the worker exits), while close() waits for it. */
  idle: (() => void) | undefined;
}
