/**
 * One file being extracted (extract.ts decides where, and checks the folders on the way):
 * created new under a temporary name, its bytes written in batches, closed with its date.
 *
 * The bytes of a file arrive as views of decoded blocks (32 KiB each for MSZIP), valid
 * only until the next block is decoded. They are copied into a batch buffer of up to a
 * megabyte, written with one positional write when full: a 100 MB file takes a hundred
 * writes, not 3,200. A batch goes to libuv's thread pool and is not waited for, so the
 * copy into the page cache runs while the next blocks decode; the bytes so in flight are
 * bounded by a WriteBudget shared by every file of an extraction, which also hands the
 * megabyte buffers round again once written (memory that is already mapped: fresh memory
 * for each block cost 0.1 s per 100 MB in page faults, docs/cab-reader.md).
 * A file whose bytes fit one small batch (most files of a cabinet of many small files) is
 * written with one synchronous call, as its open and close are: a round trip through the
 * pool costs several times what such a call does (20,000 files: seconds, not tenths).
 */
import {
  closeSync,
  constants as fsConstants,
  futimesSync,
  openSync,
  writev,
  writevSync,
} from "node:fs";

/** Bytes collected before a write is issued: a batch buffer's size. */
const WRITE_BATCH = 1 << 20;
/**
 * Batch bytes out (collected or in flight) past which a file gets a small buffer: many
 * files open at once (overlapping entries of a hostile cabinet) stay bounded.
 */
const MAX_BATCH_BYTES_OUT = 24 << 20;
const SMALL_BATCH = 64 * 1024;
/** A file's last batch is written synchronously when it is this small and nothing of the file is in flight. */
const SYNC_WRITE_MAX = 256 * 1024;
/** Bytes handed to the thread pool and not yet written, at most (all files together). */
const MAX_BYTES_IN_FLIGHT = 8 << 20;

/** Create a new file, never an existing name, never through a link at the last segment. */
const EXCLUSIVE_NEW_FILE =
  fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | (fsConstants.O_NOFOLLOW ?? 0);

/** The writes of one extraction that are in flight, their bytes, and the batch buffers. */
export class WriteBudget {
  private bytes = 0;
  private readonly pending = new Set<Promise<void>>();
  /** Batch buffers written and free for reuse. */
  private readonly free: Uint8Array[] = [];
  /** Bytes of the batch buffers handed out and not given back. */
  private out = 0;

  /** A batch buffer for up to `want` bytes (a smaller one when many are out). */
  buffer(want: number): Uint8Array {
    const size = this.out >= MAX_BATCH_BYTES_OUT ? Math.min(want, SMALL_BATCH) : want;
    const b = (size === WRITE_BATCH ? this.free.pop() : undefined) ?? new Uint8Array(size);
    this.out += b.length;
    return b;
  }

  /** A batch buffer whose bytes are written (or dropped). */
  recycle(b: Uint8Array): void {
    this.out -= b.length;
    if (b.length === WRITE_BATCH && this.free.length * WRITE_BATCH < MAX_BYTES_IN_FLIGHT) {
      this.free.push(b);
    }
  }

  /** Wait until `n` more bytes may be put in flight. */
  async reserve(n: number): Promise<void> {
    while (this.bytes + n > MAX_BYTES_IN_FLIGHT && this.pending.size > 0) {
      await Promise.race(this.pending);
    }
  }

  track(write: Promise<void>, n: number): void {
    this.bytes += n;
    const done: Promise<void> = write.then(
      () => this.release(done, n),
      () => this.release(done, n),
    );
    this.pending.add(done);
  }

  private release(p: Promise<void>, n: number): void {
    this.bytes -= n;
    this.pending.delete(p);
  }
}

export class OutputFile {
  /** The batch being collected, and how much of it is filled. */
  private batch: Uint8Array | undefined;
  private fill = 0;
  /** File offset of batch[0]. */
  private position = 0;
  private readonly writes = new Set<Promise<void>>();
  private failure: unknown;
  private closed = false;

  private constructor(
    /** The temporary name the bytes go to. */
    readonly temp: string,
    private readonly fd: number,
    private readonly budget: WriteBudget,
    /** The file's size: no batch is bigger than what is left of it. */
    private readonly size: number,
  ) {}

  /** Bytes handed to append() so far: those issued, and those collected. */
  get written(): number {
    return this.position + this.fill;
  }

  /**
   * Create `temp` exclusively (it must not exist, and is not followed if a link), for a
   * file of `size` bytes.
   */
  static create(temp: string, budget: WriteBudget, size: number): OutputFile {
    return new OutputFile(temp, openSync(temp, EXCLUSIVE_NEW_FILE, 0o666), budget, size);
  }

  /** Add bytes at the end (copied before this returns: `bytes` may change afterwards). */
  async append(bytes: Uint8Array): Promise<void> {
    this.check();
    let at = 0;
    while (at < bytes.length) {
      if (this.batch === undefined) {
        const left = Math.max(this.size - this.written, bytes.length - at);
        this.batch = this.budget.buffer(Math.min(WRITE_BATCH, left));
        this.fill = 0;
      }
      const n = Math.min(bytes.length - at, this.batch.length - this.fill);
      this.batch.set(bytes.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
      if (this.fill === this.batch.length) await this.flush(false);
    }
  }

  /** Write what is left and wait for every write; the first failure is thrown. */
  async finishWrites(): Promise<void> {
    await this.flush(true);
    await Promise.all(this.writes);
    this.check();
  }

  /** Set the modification (and access) time, then close. Call after finishWrites(). */
  close(mtime: Date | undefined): void {
    if (mtime) {
      try {
        futimesSync(this.fd, mtime, mtime);
      } catch {
        // A file system without times (or one that refuses them) still gets the bytes.
      }
    }
    this.closed = true;
    closeSync(this.fd);
  }

  /** Wait for the writes in flight (their failures ignored) and close, if still open. */
  async abandon(): Promise<void> {
    if (this.batch) this.budget.recycle(this.batch);
    this.batch = undefined;
    this.fill = 0;
    await Promise.allSettled(this.writes);
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // Closing a file that is being thrown away: nothing to report.
    }
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async flush(last: boolean): Promise<void> {
    const batch = this.batch;
    if (batch === undefined || this.fill === 0) return;
    const n = this.fill;
    const at = this.position;
    const chunks = [batch.subarray(0, n)];
    this.batch = undefined;
    this.fill = 0;
    this.position += n;
    if (last && this.writes.size === 0 && n <= SYNC_WRITE_MAX) {
      try {
        writeAllSync(this.fd, chunks, at);
      } finally {
        this.budget.recycle(batch);
      }
      return;
    }
    await this.budget.reserve(n);
    const p: Promise<void> = writeAll(this.fd, chunks, at).then(
      () => {
        this.writes.delete(p);
        this.budget.recycle(batch);
      },
      (err) => {
        this.writes.delete(p);
        this.budget.recycle(batch);
        this.failure ??= err;
      },
    );
    this.writes.add(p);
    this.budget.track(p, n);
  }
}

/** What is left of `chunks` after `done` bytes were written. */
function rest(chunks: readonly Uint8Array[], done: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let skip = done;
  for (const c of chunks) {
    if (skip >= c.length) {
      skip -= c.length;
      continue;
    }
    out.push(skip > 0 ? c.subarray(skip) : c);
    skip = 0;
  }
  return out;
}

function total(chunks: readonly Uint8Array[]): number {
  return chunks.reduce((n, c) => n + c.length, 0);
}

function writeAllSync(fd: number, chunks: Uint8Array[], position: number): void {
  let left = chunks;
  let at = position;
  let n = total(left);
  while (n > 0) {
    const done = writevSync(fd, left, at);
    if (done === 0) throw noProgress();
    at += done;
    n -= done;
    left = rest(left, done);
  }
}

/** A writev that wrote fewer bytes than asked (a full disk's last bytes) is repeated for the rest. */
async function writeAll(fd: number, chunks: Uint8Array[], position: number): Promise<void> {
  let left = chunks;
  let at = position;
  let n = total(left);
  while (n > 0) {
    const done = await new Promise<number>((resolve, reject) =>
      writev(fd, left, at, (err, bytes) => (err ? reject(err) : resolve(bytes))),
    );
    if (done === 0) throw noProgress();
    at += done;
    n -= done;
    left = rest(left, done);
  }
}

function noProgress(): Error {
  return Object.assign(new Error("the file system accepted no bytes"), { code: "EIO" });
}
