/**
 * Reading a cabinet file: positioned reads through one file handle, with a read-ahead
 * buffer so that walking CFDATA blocks costs one system call per megabyte, not two per
 * block. Memory stays bounded whatever the cabinet's size.
 */
import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { basename } from "node:path";
import { CabError } from "../format/errors.js";

const READ_AHEAD = 1 << 20;

/**
 * Read-only, and without waiting: opening a FIFO for reading blocks until a writer comes,
 * which for a FIFO named as a cabinet is forever. Non-blocking, the open returns and the
 * fstat below refuses what is not a regular file (O_NONBLOCK changes nothing for one).
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export class CabSource {
  private store = new Uint8Array(0);
  private buf = new Uint8Array(0);
  private bufPos = 0;
  /** Bytes read from the file so far (a search's cost is measured by it). */
  bytesRead = 0;
  private constructor(
    readonly path: string,
    /** The file's name, for messages. */
    readonly label: string,
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<CabSource> {
    let fh: FileHandle;
    try {
      fh = await open(path, OPEN_FLAGS);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new CabError("invalid-input", `${path}: cannot open (${e.code ?? e.message})`, {
        file: path,
      });
    }
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      const kind = st.isFIFO() ? "a FIFO" : st.isDirectory() ? "a folder" : "a device or socket";
      throw new CabError(
        "invalid-input",
        `${path}: is ${kind}, not a regular file (expected a cabinet)`,
        {
          file: path,
        },
      );
    }
    return new CabSource(path, basename(path), fh, st.size);
  }

  /**
   * Up to `len` bytes at `pos` (fewer at the end of the file). The view stays valid only
   * until the next call: copy what must be kept.
   */
  async read(pos: number, len: number): Promise<Uint8Array> {
    if (pos < 0 || pos >= this.size || len <= 0) return new Uint8Array(0);
    const end = Math.min(this.size, pos + len);
    if (pos >= this.bufPos && end <= this.bufPos + this.buf.length) {
      return this.buf.subarray(pos - this.bufPos, end - this.bufPos);
    }
    const want = Math.min(this.size - pos, Math.max(end - pos, READ_AHEAD));
    if (this.store.length < want) this.store = new Uint8Array(Math.max(want, READ_AHEAD));
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(this.store, got, want - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
      this.bytesRead += bytesRead;
    }
    this.buf = this.store.subarray(0, got);
    this.bufPos = pos;
    return this.buf.subarray(0, Math.min(got, end - pos));
  }

  /**
   * Like read, but a copy the caller may keep. Outside the read-ahead window it reads
   * exactly the bytes asked for and leaves the window alone: tables far from the data
   * being walked (or a search's candidates) never cost a megabyte each.
   */
  async readCopy(pos: number, len: number): Promise<Uint8Array> {
    const end = Math.min(this.size, pos + len);
    const inWindow = pos >= this.bufPos && end <= this.bufPos + this.buf.length;
    if (!inWindow) {
      const out = new Uint8Array(Math.max(0, Math.min(len, this.size - pos)));
      let got = 0;
      while (got < out.length) {
        const { bytesRead } = await this.fh.read(out, got, out.length - got, pos + got);
        if (bytesRead === 0) break;
        got += bytesRead;
        this.bytesRead += bytesRead;
      }
      return out.subarray(0, got);
    }
    return this.buf.slice(pos - this.bufPos, end - this.bufPos);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
