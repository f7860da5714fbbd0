/**
 * Random access to a package's bytes, from memory or from an open file (synchronously, so
 * that locating a cabinet in a large package reads a few kilobytes, not the whole file).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { type PeSource, sourceOf } from "../pe/headers.js";
import { InputError } from "../util/errors.js";

/** A PE file's random access (the PE reader's own source type), used for every package read. */
export type ByteSource = PeSource;

/** A source over bytes in memory. */
export const bytesSource: (bytes: Uint8Array, name?: string) => ByteSource = sourceOf;

/** Run `fn` with the file open as a ByteSource; the file is closed afterwards. */
export function withFileSource<T>(path: string, fn: (src: ByteSource) => T): T {
  let fd: number;
  try {
    // Not waiting on a FIFO (see util/fs.ts openInputFile); fstat refuses it below.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new InputError(
      `${path}: cannot read the package (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${path}: is not a regular file (expected a package)`);
    const size = st.size;
    return fn({
      name: path,
      size,
      read(offset, length) {
        const want = Math.max(0, Math.min(length, size - offset));
        const buf = Buffer.alloc(want);
        let got = 0;
        while (got < want) {
          const n = readSync(fd, buf, got, want - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        return buf.subarray(0, got);
      },
    });
  } finally {
    closeSync(fd);
  }
}
