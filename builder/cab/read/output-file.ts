/**
 * One file being extracted (extract.ts decides where, and checks the folders on the way):
 * created new under a temporary name, its bytes written in batches, closed with its date.
 *
 * The bytes of a file arrive as views of decoded blocks (32 KiB each for MSZIP). They are
 * collected and written about a megabyte at a time with one positional writev: a 100 MB
 * file takes a hundred writes, not 3,200. A batch goes to libuv's thread pool and is not
 * waited for, so the copy into the page cache runs while the next blocks decode; the
 * bytes so in flight are bounded by a WriteBudget shared by every file of an extraction.
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

/** Bytes collected before a write is issued. */
const WRITE_BATCH = 1 << 20;
/** Pieces collected before a write is issued (a writev takes at most IOV_MAX, 1024, at once). */
const MAX_BATCH_PIECES = 1024;
/** A file's last batch is written synchronously when it is this small and nothing of the file is in flight. */
const SYNC_WRITE_MAX = 256 * 1024;
/** Bytes handed to the thread pool and not yet written, at most (all files together). */
const MAX_BYTES_IN_FLIGHT = 8 << 20;

/** Create a new file, never an existing name, never through a link at the last segment. */
const EXCLUSIVE_NEW_FILE =
  fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | (fsConstants.O_NOFOLLOW ?? 0);

/** The writes of one extraction that are in flight, and their bytes. */
export class WriteBudget {
  private bytes = 0;
  private readonly pending = new Set<Promise<void>>();

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
  private chunks: Uint8Array[] = [];
  private chunkBytes = 0;
  /** File offset of chunks[0]. */
  private position = 0;
  private readonly writes = new Set<Promise<void>>();
  private failure: unknown;
  private closed = false;

  private constructor(
    /** The temporary name the bytes go to. */
    readonly temp: string,
    private readonly fd: number,
    private readonly budget: WriteBudget,
  ) {}

  /** Bytes handed to append() so far: those issued, and those collected. */
  get written(): number {
    return this.position + this.chunkBytes;
  }

  /** Create `temp` exclusively (it must not exist, and is not followed if a link). */
  static create(temp: string, budget: WriteBudget): OutputFile {
    return new OutputFile(temp, openSync(temp, EXCLUSIVE_NEW_FILE, 0o666), budget);
  }

  /** Add bytes at the end; `bytes` must not change afterwards (decoded blocks do not). */
  async append(bytes: Uint8Array): Promise<void> {
    this.check();
    this.chunks.push(bytes);
    this.chunkBytes += bytes.length;
    if (this.chunkBytes >= WRITE_BATCH || this.chunks.length >= MAX_BATCH_PIECES) {
      await this.flush(false);
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
    if (this.chunkBytes === 0) return;
    const chunks = this.chunks;
    const n = this.chunkBytes;
    const at = this.position;
    this.chunks = [];
    this.chunkBytes = 0;
    this.position += n;
    if (last && this.writes.size === 0 && n <= SYNC_WRITE_MAX) {
      writeAllSync(this.fd, chunks, at);
      return;
    }
    await this.budget.reserve(n);
    const p: Promise<void> = writeAll(this.fd, chunks, at).then(
      () => {
        this.writes.delete(p);
      },
      (err) => {
        this.writes.delete(p);
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
