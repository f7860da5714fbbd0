/**
 * Reading an input file's bytes straight into the writer's buffers, checked against the
 * size the plan promised. Path sources are read with positional reads into the caller's
 * buffer (no intermediate buffers); stream sources are copied piece by piece.
 */
import { type FileHandle, open } from "node:fs/promises";
import { invalidData, invalidInput } from "../format/errors.js";
import type { PlannedFile } from "./writer-types.js";

export interface SourceReader {
  /** Fill `dest` as far as the file goes; 0 at its end. */
  read(dest: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

export async function openPlannedFile(file: PlannedFile): Promise<SourceReader> {
  const where = { file: file.name };
  try {
    if (typeof file.source === "string") return new PathReader(file, await open(file.source, "r"));
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

class PathReader implements SourceReader {
  private got = 0;
  constructor(
    private readonly file: PlannedFile,
    private readonly fh: FileHandle,
  ) {}

  async read(dest: Uint8Array): Promise<number> {
    const want = Math.min(dest.length, this.file.size - this.got);
    try {
      if (this.got === this.file.size) {
        // At the declared end: the file must end here too.
        const probe = await this.fh.read(new Uint8Array(1), 0, 1, this.got);
        if (probe.bytesRead > 0) throw tooLong(this.file);
        return 0;
      }
      if (want === 0) throw new Error("cab writer: read into an empty buffer");
      const { bytesRead } = await this.fh.read(dest, 0, want, this.got);
      if (bytesRead === 0) throw tooShort(this.file, this.got);
      this.got += bytesRead;
      return bytesRead;
    } catch (err) {
      throw readError(this.file, err);
    }
  }

  close(): Promise<void> {
    return this.fh.close();
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
