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
import { COMPRESSION_TYPE_MASK, CompressionType } from "../format/constants.js";
import { CabError } from "../format/errors.js";
import {
  type BlockStats,
  declaredBlocks,
  decodeError,
  type FolderPlan,
  type RawBlock,
  rawBlocks,
} from "./folder-stream.js";
import { type TestBatch, type TestReply, testBatch } from "./test-batch.js";

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

/** Whether `folder` is tested faster by testFolderParallel on `pool`. */
export function worthTestingInParallel(folder: FolderPlan, pool: TestPool): boolean {
  return (
    (folder.typeCompress & COMPRESSION_TYPE_MASK) === CompressionType.mszip &&
    pool.threads > 1 &&
    declaredBlocks(folder) >= MIN_PARALLEL_BLOCKS
  );
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
  private failure: Error | undefined;
  readonly threads: number;

  /**
   * Default: one core is left to everything else, so two cores test on one thread (there
   * the workers' start-up and copies cost more than they gave: docs/cab-reader.md).
   */
  constructor(threads = Math.max(1, Math.min(availableParallelism() - 1, MAX_THREADS))) {
    if (!Number.isSafeInteger(threads) || threads < 1) {
      throw new CabError("invalid-input", `threads must be a positive integer, got ${threads}`);
    }
    this.threads = threads;
  }

  private start(): void {
    const n = this.threads - 1;
    const url = new URL("./test-worker.js", import.meta.url);
    for (let i = 0; i < n; i++) {
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
   * Test `batch` on the next thread, round robin: the calling thread takes its turn
   * (synchronously, between reads), so one worker fewer is started.
   */
  send(batch: Omit<TestBatch, "id">): Promise<TestReply> {
    const id = this.nextId++;
    const slot = id % this.threads;
    if (slot === 0) return Promise.resolve(testBatch({ ...batch, id }));
    if (this.workers.length === 0) this.start();
    if (this.failure) return Promise.reject(this.failure);
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

/**
 * Test `folder`'s blocks on `pool`: the good uncompressed bytes before the first failure
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

  /** Take the oldest batch's answer: its bytes are good, or its failure is the first. */
  const settle = async (): Promise<void> => {
    const s = sent.shift()!;
    const r = await s.reply;
    if (r.ok) {
      for (const b of s.blocks) good += b.uncompressedSize;
      return;
    }
    for (let i = 0; i < r.index; i++) good += s.blocks[i]!.uncompressedSize;
    Object.assign(stats, s.statsAfter[r.index]);
    failure = decodeError(s.blocks[r.index]!, r.reason);
  };

  let batch = fresh();
  const flush = async () => {
    if (batch.blocks.length === 0) return;
    const n = batch.blocks.length;
    const bytes = new Uint8Array(batch.bytes);
    const lengths = new Int32Array(n);
    const sizes = new Int32Array(n);
    const historyLengths = new Int32Array(n);
    let at = 0;
    batch.inputs.forEach((input, i) => {
      bytes.set(input, at);
      at += input.length;
      lengths[i] = input.length;
      sizes[i] = batch.blocks[i]!.uncompressedSize;
      historyLengths[i] = mszipHistoryLength(before);
      before += sizes[i]!;
    });
    const reply = pool.send({ bytes, lengths, sizes, historyLengths });
    reply.catch(() => {}); // awaited in order by settle()
    sent.push({ blocks: batch.blocks, statsAfter: batch.statsAfter, reply });
    batch = fresh();
    while (sent.length > maxInFlight && failure === undefined) await settle();
  };

  let readError: CabError | undefined;
  let readErrorStats: BlockStats | undefined;
  try {
    for await (const block of rawBlocks(folder, mine)) {
      // The read-ahead buffer is reused: the batch keeps a copy of the block's bytes.
      batch.inputs.push(block.input.slice());
      batch.blocks.push({ ...block, input: EMPTY });
      batch.statsAfter.push({ ...mine });
      batch.bytes += block.input.length;
      if (batch.bytes >= BATCH_BYTES) await flush();
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

function fresh(): {
  blocks: RawBlock[];
  inputs: Uint8Array[];
  statsAfter: BlockStats[];
  bytes: number;
} {
  return { blocks: [], inputs: [], statsAfter: [], bytes: 0 };
}
