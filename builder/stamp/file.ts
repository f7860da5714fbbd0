import { chmod, open, realpath, rename, rm, stat } from "node:fs/promises";
import { openFileSource } from "../pe/source.js";
import { InputError } from "../util/errors.js";
import { tempPathFor } from "../util/fs.js";
import { planStamp, writeStamp } from "./stamp.js";
import type { StampOptions } from "./types.js";

/**
 * Stamp a file: to `outPath`, or in place when it is absent, streamed (the file is read in
 * pieces; see stamp.ts). Written atomically (temp file in the same folder, then rename),
 * keeping the input's permission bits: readers see the old
 * file or the complete new one, never half of it. `finish` (e.g. signing) works on the
 * temporary file before the rename: when it fails, the target is left as it was.
 */
export async function stampFile(
  path: string,
  opts: StampOptions,
  outPath?: string,
  finish?: (tmp: string) => Promise<void>,
): Promise<void> {
  let mode: number;
  let real: string;
  const src = openFileSource(path, "a PE file to stamp");
  try {
    try {
      mode = (await stat(path)).mode & 0o7777;
      // In place through a symlink means the file it points to, not a new file over the link.
      real = await realpath(path);
    } catch (err) {
      throw new InputError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
    // Planned before the temporary file exists: a refused file leaves nothing behind.
    const plan = planStamp(src, opts, path);
    const target = outPath ?? real;
    const tmp = tempPathFor(target);
    try {
      const fh = await open(tmp, "w");
      try {
        await writeStamp(plan, fh);
      } finally {
        await fh.close();
      }
      await finish?.(tmp);
      await chmod(tmp, mode);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  } finally {
    src.close();
  }
}
