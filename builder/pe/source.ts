/**
 * A PE file read where it lies: a PeSource over an open file, read synchronously in the
 * pieces a reader asks for (the headers, the resource section, a hash's chunks), so that
 * a file of any size costs what is read at a time, not its size.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { InputError } from "../util/errors.js";
import type { PeSource } from "./headers.js";

/** An open file as a PeSource; `close()` when done. */
export interface FileSource extends PeSource {
  close(): void;
}

/** Open `path` (a regular file; `what` names it in the error, as openInputFile words it). */
export function openFileSource(path: string, what = "a PE file"): FileSource {
  let fd: number;
  try {
    // Not waiting on a FIFO (see util/fs.ts openInputFile); fstat refuses it below.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new InputError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    const kind = st.isFIFO() ? "a FIFO" : st.isDirectory() ? "a folder" : "a device or socket";
    throw new InputError(`${path}: is ${kind}, not a regular file (expected ${what})`);
  }
  const size = st.size;
  const readInto = (into: Uint8Array, offset: number) => {
    const want = Math.max(0, Math.min(into.length, size - offset));
    let got = 0;
    while (got < want) {
      const n = readSync(fd, into, got, want - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  };
  return {
    name: path,
    size,
    read(offset, length) {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      return buf.subarray(0, readInto(buf, offset));
    },
    readInto,
    close: () => closeSync(fd),
  };
}

/** Run `fn` with `path` open as a FileSource, closed afterwards. */
export async function withFileSource<T>(
  path: string,
  fn: (src: PeSource) => T | Promise<T>,
  what?: string,
): Promise<T> {
  const src = openFileSource(path, what);
  try {
    return await fn(src);
  } finally {
    src.close();
  }
}
