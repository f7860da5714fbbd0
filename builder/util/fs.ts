import { createHash, randomBytes } from "node:crypto";
import { constants, createWriteStream, type WriteStream } from "node:fs";
import { chmod, type FileHandle, mkdir, open, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError } from "./errors.js";

/**
 * Read a whole input file. Failing to is the user's error: an InputError naming the file,
 * what it should have been (`what`: "the manifest") and the system's code (ENOENT...).
 */
export async function readInputFile(path: string, what: string): Promise<Buffer> {
  let fh: FileHandle;
  try {
    fh = await openInputFile(path, what);
  } catch (err) {
    throw cannotRead(path, what, err);
  }
  try {
    return await fh.readFile();
  } catch (err) {
    throw cannotRead(path, what, err);
  } finally {
    await fh.close();
  }
}

function cannotRead(path: string, what: string, err: unknown): InputError {
  if (err instanceof InputError) return err;
  return new InputError(
    `${path}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? err})`,
  );
}

/**
 * Open an input file for reading, refusing what is not a regular file (a FIFO, a device,
 * a folder) with an InputError; a failed open is the system's error, for the caller to
 * word. The open does not wait: a FIFO opened for reading would block until a writer
 * comes, forever.
 */
export async function openInputFile(path: string, what: string): Promise<FileHandle> {
  const fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    const kind = st.isFIFO() ? "a FIFO" : st.isDirectory() ? "a folder" : "a device or socket";
    throw new InputError(`${path}: is ${kind}, not a regular file (expected ${what})`);
  }
  return fh;
}

/** Whether something is at `path` (any failure to stat it: no). */
export function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A temporary name in the same folder as `target`, so the final rename is atomic. */
export function tempPathFor(target: string): string {
  return join(
    dirname(target),
    `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
}

/** Write a whole file so that readers see either the old file or the complete new one. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(target), { recursive: true }).catch((err) => {
    throw writeError(target, err);
  });
  const tmp = tempPathFor(target);
  // A file replaced keeps its permission bits (a manifest kept read-only or group-writable
  // stays so); a new file takes the default mode.
  const mode = await stat(target).then(
    (s) => (s.isFile() ? s.mode & 0o7777 : undefined),
    () => undefined,
  );
  try {
    await writeFile(tmp, data);
    if (mode !== undefined) await chmod(tmp, mode);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw writeError(target, err);
  }
}

/**
 * A refused write (a full disk, a read-only file system, no permission) as the user's
 * error naming the output: `OUT: cannot write (ENOSPC: no space left on device)`.
 */
export function writeError(target: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof InputError || typeof e?.code !== "string") return err as Error;
  const why = e.message.replace(/, \w+( '[^']*')?$/, "");
  return new InputError(`${target}: cannot write (${why})`);
}

/** A stream to a temporary file; `commit()` renames it into place, `abort()` removes it. */
export interface AtomicWriteStream {
  readonly stream: WriteStream;
  readonly tempPath: string;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function createAtomicWriteStream(target: string): Promise<AtomicWriteStream> {
  await mkdir(dirname(target), { recursive: true });
  const tempPath = tempPathFor(target);
  const stream = createWriteStream(tempPath);
  const closed = () =>
    new Promise<void>((resolve, reject) => {
      if (stream.closed) return resolve();
      stream.once("close", resolve);
      stream.once("error", reject);
      stream.end();
    });
  return {
    stream,
    tempPath,
    async commit() {
      await closed();
      await rename(tempPath, target);
    },
    async abort() {
      stream.destroy();
      await rm(tempPath, { force: true });
    },
  };
}

/**
 * Size and SHA-256 (hex) of a file, streamed: bounded memory however large the file. A
 * FIFO or a device is refused at open (openInputFile), never waited on.
 */
export async function digestFile(path: string): Promise<{ size: number; sha256: string }> {
  const fh = await openInputFile(path, "a file");
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    size += buf.length;
    hash.update(buf);
  }
  return { size, sha256: hash.digest("hex") };
}
