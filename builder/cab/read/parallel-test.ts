/**
 * Testing an MSZIP folder on several threads (the calling one and workers). A block's decoding needs the 32 KB before
 * it, so a folder decodes on one thread; but whether a block decodes, and to how many
 * bytes, depends only on how long that history is (mszipHistoryLength), and a test asks
 * nothing else (MSZIP has no checksum of the uncompressed bytes). So the calling thread
 * reads the blocks and checks their CFDATA checksums, and workers decode batches of them
 * apart, each block against zeros of its history's length; the first failure in folder
 * order is reported, with the message and counts a decode on one thread gives.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { mszipHistoryLength } from "../codecs/mszip/decode.js";
import {
  COMPRESSION_TYPE_MASK,
  CompressionType,
  MAX_BLOCK_COMPRESSED,
} from "../format/constants.js";
import { CabError } from "../format/errors.js";
import {
  type BlockStats,
  declaredBlocks,
  decodeError,
  type FolderPlan,
  type RawBlock,
  rawBlocks,
} from "./folder-stream.js";
import { type TestBatch, type TestReply, testOneBlock } from "./test-batch.js";

/** Compressed bytes per batch: enough to pay for a message, small enough to share out. */
const BATCH_BYTES = 512 * 1024;
/** Batches sent and not answered, per worker. */
const IN_FLIGHT_PER_WORKER = 2;
/** Below this many blocks (about 8 MB), starting workers costs more than it saves. */
const MIN_PARALLEL_BLOCKS = 256;
/** At most this many threads, the calling one included (a worker costs 10-20 MB). */
const MAX_THREADS = 4;
/**
 * Small heaps: a worker's garbage (each block's decoded bytes, thrown away) is then
 * collected early instead of piling up to the default young generation's size.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 };

/** Whether `folder` is MSZIP, whose blocks testFolderParallel tests apart. */
export function testsApart(folder: FolderPlan): boolean {
  return (folder.typeCompress & COMPRESSION_TYPE_MASK) === CompressionType.mszip;
}

/** Whether `folder` is big enough for the workers to pay for themselves. */
function worthWorkers(folder: FolderPlan, pool: TestPool): boolean {
  return pool.threads > 1 && declaredBlocks(folder) >= MIN_PARALLEL_BLOCKS;
}

/** Who tested how many blocks: the hook that shows the work was shared (TestOptions). */
export interface BatchTested {
  /** worker_threads' threadId of the thread that decoded them: 0 is the calling thread. */
  readonly threadId: number;
  readonly blocks: number;
}

/** A batch sent: its blocks (without their bytes, to word a failure) and the answer. */
interface Sent {
  readonly blocks: RawBlock[];
  /** `stats` just after each block was read. */
  readonly statsAfter: BlockStats[];
  readonly reply: Promise<TestReply>;
}

/** Workers that decode test batches; start once per test, close at its end. */
export class TestPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<
    number,
    { resolve(r: TestReply): void; reject(e: Error): void }
  >();
  private nextId = 0;
  private turns = 0;
  private failure: Error | undefined;
  readonly threads: number;

  /**
   * Default: one thread per core, at most MAX_THREADS (docs/cab-reader.md measures it).
   */
  constructor(
    threads = Math.min(availableParallelism(), MAX_THREADS),
    readonly onBatch?: (batch: BatchTested) => void,
  ) {
    if (!Number.isSafeInteger(threads) || threads < 1) {
      throw new CabError("invalid-input", `threads must be a positive integer, got ${threads}`);
    }
    this.threads = threads;
  }

  /**
   * Start the workers now (else at the first batch for one): a worker takes tens of
   * milliseconds to start, which can pass while the calling thread reads.
   */
  start(): void {
    if (this.workers.length > 0) return;
    const url = new URL("./test-worker.js", import.meta.url);
    for (let i = 0; i < this.threads - 1; i++) {
      const w = new Worker(url, { resourceLimits: WORKER_LIMITS });
      w.on("message", (r: TestReply) => {
        const waiter = this.waiting.get(r.id);
        this.waiting.delete(r.id);
        waiter?.resolve(r);
      });
      w.on("error", (err) => this.fail(err));
      w.on("exit", (code) => {
        if (code !== 0) this.fail(new Error(`test worker exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  /**
   * The thread for the next batch, round robin: 0 is the calling thread, which takes its
   * turn (synchronously, between reads), so one worker fewer is started.
   */
  nextSlot(): number {
    return this.turns++ % this.threads;
  }

  /** Test `batch` on worker `slot` (1..threads-1). */
  send(slot: number, batch: Omit<TestBatch, "id">): Promise<TestReply> {
    this.start();
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const worker = this.workers[slot - 1]!;
    return new Promise<TestReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...batch, id }, [
        batch.bytes.buffer as ArrayBuffer,
        batch.lengths.buffer as ArrayBuffer,
        batch.sizes.buffer as ArrayBuffer,
        batch.historyLengths.buffer as ArrayBuffer,
      ]);
    });
  }

  /** A worker that fails is a bug: every batch waiting is refused with it. */
  private fail(err: Error): void {
    this.failure ??= new Error(`test worker failed: ${err.message}`);
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** What testing a folder found: its good uncompressed bytes, and its first failure. */
export interface FolderTest {
  readonly good: number;
  readonly error: CabError | undefined;
}

/** A batch being filled: the calling thread's is tested as it is read, a worker's copied. */
interface Batch {
  readonly slot: number;
  readonly blocks: RawBlock[];
  readonly statsAfter: BlockStats[];
  /** Compressed bytes in the batch. */
  size: number;
  /** A worker's batch: the blocks' bytes, back to back, and per block its numbers. */
  readonly bytes: Uint8Array | undefined;
  readonly lengths: number[];
  readonly sizes: number[];
  readonly historyLengths: number[];
  /** The calling thread's batch: its first block that failed. */
  failed?: { readonly index: number; readonly reason: string };
}

/**
 * Test an MSZIP `folder`'s blocks on `pool` (on the calling thread alone when the folder
 * is small or the pool has one thread): the good uncompressed bytes before the first failure
 * and that failure, as a decode on one thread finds them; `stats` ends as it would.
 */
export async function testFolderParallel(
  folder: FolderPlan,
  stats: BlockStats,
  pool: TestPool,
): Promise<FolderTest> {
  const mine: BlockStats = { ...stats };
  const sent: Sent[] = [];
  let good = 0;
  let before = 0; // uncompressed bytes of the blocks read so far
  let failure: CabError | undefined;
  const maxInFlight = pool.threads * IN_FLIGHT_PER_WORKER;
  const workers = worthWorkers(folder, pool);

  /** Take the oldest batch's answer: its bytes are good, or its failure is the first. */
  const settle = async (): Promise<void> => {
    const s = sent.shift()!;
    const r = await s.reply;
    pool.onBatch?.({ threadId: r.threadId, blocks: r.ok ? s.blocks.length : r.index + 1 });
    if (r.ok) {
      for (const b of s.blocks) good += b.uncompressedSize;
      return;
    }
    for (let i = 0; i < r.index; i++) good += s.blocks[i]!.uncompressedSize;
    Object.assign(stats, s.statsAfter[r.index]);
    failure = decodeError(s.blocks[r.index]!, r.reason);
  };

  let batch: Batch | undefined;
  const flush = async () => {
    const b = batch;
    batch = undefined;
    if (!b || b.blocks.length === 0) return;
    let reply: Promise<TestReply>;
    if (b.bytes === undefined) {
      reply = Promise.resolve(
        b.failed
          ? { id: -1, threadId: 0, ok: false, ...b.failed }
          : { id: -1, threadId: 0, ok: true },
      );
    } else {
      reply = pool.send(b.slot, {
        bytes: b.bytes.subarray(0, b.size),
        lengths: Int32Array.from(b.lengths),
        sizes: Int32Array.from(b.sizes),
        historyLengths: Int32Array.from(b.historyLengths),
      });
      reply.catch(() => {}); // awaited in order by settle()
    }
    sent.push({ blocks: b.blocks, statsAfter: b.statsAfter, reply });
    while (sent.length > maxInFlight && failure === undefined) await settle();
  };

  let readError: CabError | undefined;
  let readErrorStats: BlockStats | undefined;
  try {
    for await (const block of rawBlocks(folder, mine)) {
      batch ??= fresh(workers ? pool.nextSlot() : 0);
      const historyLength = mszipHistoryLength(before);
      before += block.uncompressedSize;
      batch.blocks.push({ ...block, input: EMPTY });
      batch.statsAfter.push({ ...mine });
      if (batch.bytes === undefined) {
        // The calling thread's turn: test the block where it was read.
        const reason = testOneBlock(block.input, block.uncompressedSize, historyLength);
        if (reason !== undefined) {
          batch.failed = { index: batch.blocks.length - 1, reason };
          break; // the blocks after it cannot be the first failure
        }
      } else {
        // The read-ahead buffer is reused: the batch keeps a copy of the block's bytes.
        batch.bytes.set(block.input, batch.size);
        batch.lengths.push(block.input.length);
        batch.sizes.push(block.uncompressedSize);
        batch.historyLengths.push(historyLength);
      }
      batch.size += block.input.length;
      if (batch.size >= BATCH_BYTES) await flush();
      if (failure) break;
    }
    await flush();
  } catch (err) {
    if (!(err instanceof CabError)) throw err;
    // A block that cannot be read: the blocks before it decide first.
    readError = err;
    readErrorStats = { ...mine };
    await flush();
  }
  while (sent.length > 0 && failure === undefined) await settle();
  if (failure) return { good, error: failure };
  Object.assign(stats, readErrorStats ?? mine);
  return { good, error: readError };
}

const EMPTY = new Uint8Array(0);

/**
 * An empty batch for `slot`: a worker's has room for a full batch and one more block (a
 * block split across two cabinets comes joined: two CFDATA's bytes).
 */
function fresh(slot: number): Batch {
  return {
    slot,
    blocks: [],
    statsAfter: [],
    size: 0,
    bytes: slot === 0 ? undefined : new Uint8Array(BATCH_BYTES + 2 * MAX_BLOCK_COMPRESSED),
    lengths: [],
    sizes: [],
    historyLengths: [],
  };
}
