import { chmod, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import { InputError } from "../util/errors.js";
import { openInputFile, tempPathFor } from "../util/fs.js";
import { stampPe } from "./stamp.js";
import type { StampOptions } from "./types.js";

/**
 * Stamp a file: to `outPath`, or in place when it is absent. Written atomically (temp file in
 * the same folder, then rename), keeping the input's permission bits: readers see the old
 * file or the complete new one, never half of it. `finish` (e.g. signing) works on the
 * temporary file before the rename: when it fails, the target is left as it was.
 */
export async function stampFile(
  path: string,
  opts: StampOptions,
  outPath?: string,
  finish?: (tmp: string) => Promise<void>,
): Promise<void> {
  let bytes: Uint8Array;
  let mode: number;
  let real: string;
  try {
    const fh = await openInputFile(path, "a PE file to stamp");
    try {
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
    mode = (await stat(path)).mode & 0o7777;
    // In place through a symlink means the file it points to, not a new file over the link.
    real = await realpath(path);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  const stamped = stampPe(bytes, opts, path);
  const target = outPath ?? real;
  const tmp = tempPathFor(target);
  try {
    await writeFile(tmp, stamped);
    await finish?.(tmp);
    await chmod(tmp, mode);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
