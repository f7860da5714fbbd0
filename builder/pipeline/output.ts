/**
 * The output root around a build of NAME: the lock (output-lock.ts), the recovery of what a
 * killed build left (publish.ts), and the build's staging folder OUT/.NAME.staging-XXXXXX,
 * beside the output rather than in the system's temporary folder (which may be a small
 * tmpfs; a build needs 2-3x its payload there), on the same volume so that publishing is a
 * rename.
 */
import { mkdir, mkdtemp, rm, rmdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { InputError } from "../util/errors.js";
import { lockOutput, type OutputLock } from "./output-lock.js";
import type { BuildProgress } from "./progress.js";
import { leftoverPrefix, recoverOutput } from "./publish.js";

export interface PreparedOutput {
  readonly lock: OutputLock;
  /** OUT/.NAME.staging-XXXXXX */
  readonly staging: string;
  /** XXXXXX: names the previous set while it is moved aside. */
  readonly suffix: string;
  /** Remove the staging folder and release the lock (warnings, never a throw). */
  close(): Promise<void>;
}

export async function prepareOutput(
  outRoot: string,
  name: string,
  progress: BuildProgress,
): Promise<PreparedOutput> {
  let created: string | undefined;
  try {
    created = await mkdir(outRoot, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST"
        ? "EEXIST: it exists and is not a folder"
        : code === "ENOTDIR"
          ? "ENOTDIR: a part of its path is a file"
          : (code ?? String(err));
    throw new InputError(`${outRoot}: cannot use it as the output folder (${why})`);
  }
  let lock: OutputLock;
  try {
    lock = await lockOutput(outRoot, name);
  } catch (err) {
    throw refused(err, outRoot, name);
  }
  try {
    for (const line of await recoverOutput(outRoot, name)) progress.warn(line);
    const staging = await mkdtemp(join(outRoot, leftoverPrefix(name, "staging")));
    return {
      lock,
      staging,
      suffix: basename(staging).slice(leftoverPrefix(name, "staging").length),
      async close() {
        // Never masks the build's own result: what cannot be removed now, the next build
        // removes (recoverOutput), and a lock left behind is stale once this process ends.
        await rm(staging, { recursive: true, force: true }).catch((err: Error) =>
          progress.warn(`cannot remove ${staging}: ${err.message}; the next build removes it`),
        );
        await lock
          .release()
          .catch((err: Error) =>
            progress.warn(`cannot remove the lock ${lock.path}: ${err.message}`),
          );
        // A failed first build leaves no trace: the output root it made goes if empty.
        if (created !== undefined) await rmdir(outRoot).catch(() => undefined);
      },
    };
  } catch (err) {
    await lock.release().catch(() => undefined);
    if (created !== undefined) await rmdir(outRoot).catch(() => undefined);
    throw refused(err, outRoot, name);
  }
}

/** A system call refused in the output root (read-only, full, no permission): one line. */
function refused(err: unknown, outRoot: string, name: string): unknown {
  const sys = err as NodeJS.ErrnoException;
  if (
    err instanceof InputError ||
    typeof sys?.code !== "string" ||
    typeof sys.syscall !== "string"
  ) {
    return err;
  }
  return new InputError(
    `${outRoot}: cannot prepare the build of ${name} there (${join(outRoot, name)} was left as it was): ${sys.message}`,
  );
}
