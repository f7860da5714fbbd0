/**
 * Where a cabinet's bytes go. Both sinks write to temporary files in the output's folder
 * and rename them into place on commit, so a failure leaves no partial cabinet.
 *   DirectSink: one cabinet whose table size is known up front; data is written after a
 *     gap for the tables, which are written last with a positional write.
 *   SpoolSink: cabinets of a set, whose tables are only known when the part is full; each
 *     part's data is spooled to a temporary file, then copied after its tables.
 */
import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

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

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
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
  }

  static async open(target: string, tablesSize: number): Promise<DirectSink> {
    const temp = tempPathFor(target, "tmp");
    const fh = await open(temp, "wx");
    return new DirectSink(target, tablesSize, fh, temp);
  }

  async writeData(bytes: Uint8Array): Promise<void> {
    await writeAll(this.fh!, bytes, this.pos);
    this.pos += bytes.length;
  }

  async finishCabinet(path: string, tables: Uint8Array): Promise<number> {
    if (tables.length !== this.tablesSize || path !== this.target || this.finished) {
      throw new Error("cab writer: tables differ from the planned size");
    }
    await writeAll(this.fh!, tables, 0);
    this.finished = true;
    return this.pos;
  }

  async commit(): Promise<void> {
    await this.fh!.close();
    this.fh = undefined;
    await rename(this.temp, this.target);
  }

  async abort(): Promise<void> {
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

  private constructor(spoolPath: string, spool: FileHandle) {
    this.spoolPath = spoolPath;
    this.spool = spool;
  }

  static async open(firstTarget: string): Promise<SpoolSink> {
    const spoolPath = tempPathFor(firstTarget, "spool");
    return new SpoolSink(spoolPath, await open(spoolPath, "wx+"));
  }

  async writeData(bytes: Uint8Array): Promise<void> {
    await writeAll(this.spool!, bytes, this.spoolSize);
    this.spoolSize += bytes.length;
  }

  async finishCabinet(path: string, tables: Uint8Array): Promise<number> {
    const temp = tempPathFor(path, "tmp");
    this.done.push({ temp, target: path });
    const out = await open(temp, "wx");
    try {
      await writeAll(out, tables, 0);
      const buf = new Uint8Array(Math.min(COPY_CHUNK, Math.max(1, this.spoolSize)));
      for (let at = 0; at < this.spoolSize; ) {
        const want = Math.min(buf.length, this.spoolSize - at);
        const { bytesRead } = await this.spool!.read(buf, 0, want, at);
        if (bytesRead === 0) throw new Error("cab writer: spool file shrank");
        await writeAll(out, buf.subarray(0, bytesRead), tables.length + at);
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
    for (const d of this.done) await rename(d.temp, d.target);
  }

  async abort(): Promise<void> {
    await this.closeSpool();
    for (const d of this.done) await rm(d.temp, { force: true });
  }

  private async closeSpool(): Promise<void> {
    await this.spool?.close().catch(() => {});
    this.spool = undefined;
    await rm(this.spoolPath, { force: true });
  }
}
