/**
 * Where a cabinet's bytes go. Both sinks write to temporary files in the output's folder
 * and rename them into place on commit, so a failure leaves no partial cabinet.
 *   DirectSink: one cabinet whose table size is known up front; data is written after a
 *     gap for the tables, which are written last with a positional write.
 *   SpoolSink: cabinets of a set, whose tables are only known when the part is full; each
 *     part's data is spooled to a temporary file, then copied after its tables.
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { invalidInput } from "../format/errors.js";

export interface CabinetSink {
  /** Append CFDATA records to the current cabinet. */
  writeData(bytes: Uint8Array): Promise<void>;
  /** The current cabinet is complete: write its tables; returns its size. */
  finishCabinet(path: string, tables: Uint8Array): Promise<number>;
  /** Rename every finished cabinet into place. */
  commit(): Promise<void>;
  /** Remove every temporary file. */
  abort(): Promise<void>;
}

function tempPathFor(target: string, tag: string): string {
  return join(
    dirname(target),
    `.${basename(target)}.${tag}-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
}

/** Create a temporary file next to `target` (its folder is created if missing). */
async function openTemp(target: string, tag: string, flags: string): Promise<[FileHandle, string]> {
  const temp = tempPathFor(target, tag);
  try {
    await mkdir(dirname(target), { recursive: true });
    return [await open(temp, flags), temp];
  } catch (err) {
    throw invalidInput(`cannot write "${target}": ${(err as Error).message}`, { file: target });
  }
}

/** Rename a finished temporary file into place; on failure remove it, say why. */
async function renameInto(temp: string, target: string): Promise<void> {
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw invalidInput(`cannot write "${target}": ${(err as Error).message}`, { file: target });
  }
}

/** Write all of `bytes`; a refused write (a full disk: ENOSPC) names the cabinet. */
async function writeAll(
  fh: FileHandle,
  bytes: Uint8Array,
  position: number,
  target: string,
): Promise<void> {
  let done = 0;
  try {
    while (done < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  } catch (err) {
    throw invalidInput(`cannot write "${target}": ${(err as Error).message}`, { file: target });
  }
}

/** Writes at most this many buffers at once; the caller goes on reading meanwhile. */
const MAX_PENDING_WRITES = 8;

/**
 * Positional writes that the caller does not wait for, up to MAX_PENDING_WRITES at once
 * (each at its own offset, so their order does not matter). The buffers must not change
 * until `flush()`; the first failure is thrown by the next call.
 */
class WriteQueue {
  private readonly pending = new Set<Promise<void>>();
  private failure: unknown;

  constructor(
    private readonly fh: FileHandle,
    private readonly target: string,
  ) {}

  async write(bytes: Uint8Array, position: number): Promise<void> {
    this.check();
    while (this.pending.size >= MAX_PENDING_WRITES) await Promise.race(this.pending);
    this.check();
    const p: Promise<void> = writeAll(this.fh, bytes, position, this.target).then(
      () => {
        this.pending.delete(p);
      },
      (err) => {
        this.pending.delete(p);
        this.failure ??= err;
      },
    );
    this.pending.add(p);
  }

  async flush(): Promise<void> {
    await Promise.all(this.pending);
    this.check();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

export class DirectSink implements CabinetSink {
  private fh: FileHandle | undefined;
  private readonly temp: string;
  private pos: number;
  private finished = false;

  private constructor(
    private readonly target: string,
    private readonly tablesSize: number,
    fh: FileHandle,
    temp: string,
  ) {
    this.fh = fh;
    this.temp = temp;
    this.pos = tablesSize;
    this.queue = new WriteQueue(fh, target);
  }
  private readonly queue: WriteQueue;

  static async open(target: string, tablesSize: number): Promise<DirectSink> {
    const [fh, temp] = await openTemp(target, "tmp", "wx");
    return new DirectSink(target, tablesSize, fh, temp);
  }

  async writeData(bytes: Uint8Array): Promise<void> {
    await this.queue.write(bytes, this.pos);
    this.pos += bytes.length;
  }

  async finishCabinet(path: string, tables: Uint8Array): Promise<number> {
    if (tables.length !== this.tablesSize || path !== this.target || this.finished) {
      throw new Error("cab writer: tables differ from the planned size");
    }
    await this.queue.write(tables, 0);
    await this.queue.flush();
    this.finished = true;
    return this.pos;
  }

  async commit(): Promise<void> {
    await this.fh!.close().catch((err: Error) => {
      throw invalidInput(`cannot write "${this.target}": ${err.message}`, { file: this.target });
    });
    this.fh = undefined;
    await renameInto(this.temp, this.target);
  }

  async abort(): Promise<void> {
    await this.queue.flush().catch(() => {});
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
    await rm(this.temp, { force: true });
  }
}

const COPY_CHUNK = 1 << 20;

export class SpoolSink implements CabinetSink {
  private spool: FileHandle | undefined;
  private spoolSize = 0;
  private readonly spoolPath: string;
  private readonly done: { temp: string; target: string }[] = [];

  private readonly queue: WriteQueue;

  private constructor(spoolPath: string, spool: FileHandle, firstTarget: string) {
    this.spoolPath = spoolPath;
    this.spool = spool;
    this.queue = new WriteQueue(spool, firstTarget);
  }

  static async open(firstTarget: string): Promise<SpoolSink> {
    const [spool, spoolPath] = await openTemp(firstTarget, "spool", "wx+");
    return new SpoolSink(spoolPath, spool, firstTarget);
  }

  async writeData(bytes: Uint8Array): Promise<void> {
    await this.queue.write(bytes, this.spoolSize);
    this.spoolSize += bytes.length;
  }

  async finishCabinet(path: string, tables: Uint8Array): Promise<number> {
    await this.queue.flush();
    const [out, temp] = await openTemp(path, "tmp", "wx");
    this.done.push({ temp, target: path });
    try {
      await writeAll(out, tables, 0, path);
      const buf = new Uint8Array(Math.min(COPY_CHUNK, Math.max(1, this.spoolSize)));
      for (let at = 0; at < this.spoolSize; ) {
        const want = Math.min(buf.length, this.spoolSize - at);
        const { bytesRead } = await this.spool!.read(buf, 0, want, at);
        if (bytesRead === 0) throw new Error("cab writer: spool file shrank");
        await writeAll(out, buf.subarray(0, bytesRead), tables.length + at, path);
        at += bytesRead;
      }
    } finally {
      await out.close();
    }
    const size = tables.length + this.spoolSize;
    this.spoolSize = 0;
    await this.spool!.truncate(0);
    return size;
  }

  async commit(): Promise<void> {
    await this.closeSpool();
    for (const d of this.done) await renameInto(d.temp, d.target);
  }

  async abort(): Promise<void> {
    await this.closeSpool();
    for (const d of this.done) await rm(d.temp, { force: true });
  }

  private async closeSpool(): Promise<void> {
    await this.queue.flush().catch(() => {});
    await this.spool?.close().catch(() => {});
    this.spool = undefined;
    await rm(this.spoolPath, { force: true });
  }
}
