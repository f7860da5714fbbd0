/**
 * Reading an input file's bytes straight into the writer's buffers, checked against the
 * size the plan promised. Path sources are read with positional reads into the caller's
 * buffer (no intermediate buffers); stream sources are copied piece by piece.
 *
 * A small file is read with synchronous calls: an asynchronous open, read and close each
 * cross to libuv's thread pool and back, which costs far more than the system call itself
 * (20,000 small files: 2.3 s of CPU in those hops, against 0.2 s for the calls). Each
 * read asks for one byte more than the file should have left, so that the end of the
 * file is seen in the same call: one read per file, not a read and a probe.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { invalidData, invalidInput } from "../format/errors.js";
import type { PlannedFile } from "./writer-types.js";

export interface SourceReader {
  /** Fill `dest` as far as the file goes; 0 at its end. */
  read(dest: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

/**
 * Files up to this size are read synchronously: one such read blocks the event loop for
 * well under a millisecond from the page cache, and a larger file's thread-pool hops are
 * a small share of its cost.
 */
const SYNC_READ_MAX = 1 << 20;

export async function openPlannedFile(file: PlannedFile): Promise<SourceReader> {
  const where = { file: file.name };
  try {
    if (typeof file.source === "string") {
      return file.size <= SYNC_READ_MAX
        ? new SyncPathReader(file, openSync(file.source, "r"))
        : new PathReader(file, await open(file.source, "r"));
    }
    return new StreamReader(file, file.source()[Symbol.asyncIterator]());
  } catch (err) {
    throw invalidInput(`file "${file.name}": cannot open its source: ${message(err)}`, where);
  }
}

function tooLong(file: PlannedFile) {
  return invalidData(
    `file "${file.name}": its source gave more than the ${file.size} bytes declared`,
    { file: file.name },
  );
}

function tooShort(file: PlannedFile, got: number) {
  return invalidData(
    `file "${file.name}": its source ended after ${got} bytes, ${file.size} declared`,
    { file: file.name },
  );
}

function readError(file: PlannedFile, err: unknown) {
  if ((err as Error)?.name === "CabError") return err;
  return invalidInput(`file "${file.name}": cannot read its source: ${message(err)}`, {
    file: file.name,
  });
}

/**
 * What a read of `wanted()` bytes at `got` that gave `bytesRead` means: `n` bytes of the
 * file, and `eof` once the declared end is known to be the file's end. A file longer or
 * shorter than declared is refused.
 */
function readChunk(
  file: PlannedFile,
  got: number,
  buf: Uint8Array,
  bytesRead: number,
): { n: number; eof: boolean } {
  const left = file.size - got;
  if (bytesRead > left) throw tooLong(file);
  if (bytesRead === 0 && left > 0) throw tooShort(file, got);
  // Asked for one byte past the declared end (buf had room) and did not get it.
  const eof = bytesRead === left && buf.length > left;
  return { n: bytesRead, eof };
}

/**
 * Where to read: `dest`, or (at the declared end with no room left: the end of a folder)
 * a one-byte probe that only checks that the file ends there.
 */
function target(file: PlannedFile, got: number, dest: Uint8Array): Uint8Array {
  if (dest.length > 0) return dest;
  if (got < file.size) throw new Error("cab writer: read into an empty buffer");
  return new Uint8Array(1);
}

/** How many bytes to ask for: what is left, plus one to see the end, as `buf` allows. */
function wanted(file: PlannedFile, got: number, buf: Uint8Array): number {
  return Math.min(buf.length, file.size - got + 1);
}

class PathReader implements SourceReader {
  private got = 0;
  private eof = false;
  constructor(
    private readonly file: PlannedFile,
    private readonly fh: FileHandle,
  ) {}

  async read(dest: Uint8Array): Promise<number> {
    if (this.eof) return 0;
    const buf = target(this.file, this.got, dest);
    try {
      const { bytesRead } = await this.fh.read(buf, 0, wanted(this.file, this.got, buf), this.got);
      const r = readChunk(this.file, this.got, buf, bytesRead);
      this.got += r.n;
      this.eof = r.eof;
      return r.n;
    } catch (err) {
      throw readError(this.file, err);
    }
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** PathReader with synchronous calls, for small files (see SYNC_READ_MAX). */
class SyncPathReader implements SourceReader {
  private got = 0;
  private eof = false;
  constructor(
    private readonly file: PlannedFile,
    private readonly fd: number,
  ) {}

  async read(dest: Uint8Array): Promise<number> {
    if (this.eof) return 0;
    const buf = target(this.file, this.got, dest);
    try {
      const bytesRead = readSync(this.fd, buf, 0, wanted(this.file, this.got, buf), this.got);
      const r = readChunk(this.file, this.got, buf, bytesRead);
      this.got += r.n;
      this.eof = r.eof;
      return r.n;
    } catch (err) {
      throw readError(this.file, err);
    }
  }

  async close(): Promise<void> {
    closeSync(this.fd);
  }
}

class StreamReader implements SourceReader {
  private got = 0;
  private pending: Uint8Array = new Uint8Array(0);
  private done = false;
  constructor(
    private readonly file: PlannedFile,
    private readonly it: AsyncIterator<unknown>,
  ) {}

  async read(dest: Uint8Array): Promise<number> {
    try {
      while (this.pending.length === 0 && !this.done) {
        const next = await this.it.next();
        if (next.done) {
          this.done = true;
          break;
        }
        if (!(next.value instanceof Uint8Array)) {
          throw invalidInput(
            `file "${this.file.name}": its source gave ${typeof next.value === "string" ? "text" : typeof next.value}, expected bytes (Uint8Array)`,
            { file: this.file.name },
          );
        }
        this.pending = next.value;
        this.got += next.value.length;
        if (this.got > this.file.size) throw tooLong(this.file);
      }
    } catch (err) {
      throw readError(this.file, err);
    }
    if (this.pending.length === 0) {
      if (this.got !== this.file.size) throw tooShort(this.file, this.got);
      return 0;
    }
    const n = Math.min(dest.length, this.pending.length);
    dest.set(this.pending.subarray(0, n));
    this.pending = this.pending.subarray(n);
    return n;
  }

  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
  }
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}
