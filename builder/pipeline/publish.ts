/**
 * Publish a verified package into OUT/NAME/ all at once, as a set (docs/build.md, "Output
 * layout"). The four outputs are written into OUT/.NAME.staging-XXXXXX/set/ (the build's
 * own staging folder, beside the output: same file system, so renames are atomic), then:
 *
 *   1. OUT/NAME           -> OUT/.NAME.old-XXXXXX    (when there is a previous set)
 *   2. staging/set        -> OUT/NAME
 *   3. remove OUT/.NAME.old-XXXXXX
 *
 * A reader sees the old set, then (between the two renames) no OUT/NAME, then the new set:
 * never a mix. When step 2 fails, step 1 is undone. A build killed between 1 and 2 leaves
 * OUT/.NAME.old-XXXXXX and no OUT/NAME: the next build puts it back (recoverOutput) before
 * anything else. Both steps are directory renames, which Linux, macOS and Windows all do
 * atomically on one volume.
 */
import { mkdir, open, readdir, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { LoadedManifest } from "../manifest/load.js";
import { pathExists } from "../util/fs.js";
import { recordJson } from "./make-record.js";
import { type OutputLayout, outputTime } from "./plan.js";
import type { BuildProgress } from "./progress.js";
import type { BuildRecord } from "./record.js";

export interface PublishItem {
  readonly target: string;
  /** A staged file to move (it is in the staging folder, on the same volume), or bytes. */
  readonly from: string | Uint8Array;
}

/** A publish that failed, with what it did to OUT/NAME (true words for the message). */
export class PublishFailed extends Error {
  constructor(
    override readonly cause: unknown,
    /** "out/x was left as it was", or where the previous set now is. */
    readonly outputState: string,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "PublishFailed";
  }
}

/** Names beside OUT/NAME that belong to a build of NAME (all start ".NAME."). */
export const LeftoverKind = { staging: "staging", old: "old" } as const;
export type LeftoverKind = (typeof LeftoverKind)[keyof typeof LeftoverKind];

export function leftoverPrefix(name: string, kind: LeftoverKind): string {
  return `.${name}.${kind}-`;
}

/** mkdtemp's suffix: six letters or digits. */
const SUFFIX = /^[A-Za-z0-9]{6}$/;

/**
 * Whether `entry` of the output root is a leftover of a build of `name` (exactly
 * ".NAME.staging-XXXXXX" or ".NAME.old-XXXXXX": never another package's, such as
 * ".NAME.old-x.staging-XXXXXX" of a package named "NAME.old-x").
 */
export function isLeftover(entry: string, name: string, kind: LeftoverKind): boolean {
  const prefix = leftoverPrefix(name, kind);
  return entry.startsWith(prefix) && SUFFIX.test(entry.slice(prefix.length));
}

/** Windows refuses to rename a folder while a file in it is open (a scanner, a viewer). */
const RENAME_RETRIES = process.platform === "win32" ? 10 : 0;
const RENAME_RETRY_MS = 100;

async function renameDir(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await rename(from, to);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const busy = code === "EPERM" || code === "EACCES" || code === "EBUSY";
      if (!busy || attempt >= RENAME_RETRIES) throw err;
      await new Promise((r) => setTimeout(r, RENAME_RETRY_MS * (attempt + 1)));
    }
  }
}

/** Flush a file's bytes to disk (a power cut after publish must not leave empty files). */
export async function flush(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface PublishPlan {
  /** A fresh folder inside the staging folder: the next `layout.dir`. */
  readonly setDir: string;
  /** Names the previous set while it is moved aside (the staging folder's suffix). */
  readonly suffix: string;
  readonly items: readonly PublishItem[];
  /** Given to every published file. */
  readonly mtime: Date;
  /** Runs just before the swap (build: the lock must still be this build's). */
  readonly beforeSwap: () => Promise<void>;
  readonly onFile?: (target: string, bytes: number) => void;
}

/** Write every item into `plan.setDir`, then swap it in as `layout.dir`. */
export async function publish(
  layout: OutputLayout,
  plan: PublishPlan,
): Promise<{ leftover?: string }> {
  const { setDir, suffix, items, mtime, beforeSwap, onFile } = plan;
  const unchanged = `${layout.dir} was left as it was`;
  try {
    await mkdir(setDir);
    for (const item of items) {
      const file = join(setDir, basename(item.target));
      if (typeof item.from === "string") await rename(item.from, file);
      else await writeFile(file, item.from);
      await flush(file);
      await utimes(file, mtime, mtime);
      onFile?.(item.target, (await stat(file)).size);
    }
    await beforeSwap();
  } catch (err) {
    throw new PublishFailed(err, unchanged);
  }
  const root = join(layout.dir, "..");
  const old = join(root, `${leftoverPrefix(basename(layout.dir), "old")}${suffix}`);
  let moved = false;
  try {
    if (await pathExists(layout.dir)) {
      await renameDir(layout.dir, old);
      moved = true;
    }
    await renameDir(setDir, layout.dir);
  } catch (err) {
    if (!moved) throw new PublishFailed(err, unchanged);
    try {
      await renameDir(old, layout.dir);
    } catch {
      throw new PublishFailed(
        err,
        `${layout.dir} is missing: the previous set is in ${old}, and the next build puts it back`,
      );
    }
    throw new PublishFailed(err, unchanged);
  }
  if (!moved) return {};
  try {
    await rm(old, { recursive: true });
    return {};
  } catch {
    // The new set is published; the old one stays aside (an immutable file, a file held open
    // on Windows) and the next build tries again.
    await rm(old, { recursive: true, force: true }).catch(() => undefined);
    return (await pathExists(old)) ? { leftover: old } : {};
  }
}

/**
 * Before a build writes anything (holding the lock): undo what a killed build left. A
 * previous set moved aside with no OUT/NAME in its place goes back; then every staging
 * folder and set moved aside of NAME is removed. Returns one line per action.
 */
export async function recoverOutput(outRoot: string, name: string): Promise<string[]> {
  const said: string[] = [];
  const dir = join(outRoot, name);
  const entries = await readdir(outRoot).catch(() => [] as string[]);
  const olds = entries.filter((e) => isLeftover(e, name, "old"));
  if (olds.length > 0 && !(await pathExists(dir))) {
    // Only one can exist (each build recovers first, under the lock); the newest if not.
    const times = await Promise.all(olds.map(async (o) => (await stat(join(outRoot, o))).mtimeMs));
    const newest = olds[times.indexOf(Math.max(...times))]!;
    await renameDir(join(outRoot, newest), dir);
    said.push(
      `put back ${dir} from ${join(outRoot, newest)}, left by a build killed while publishing`,
    );
  }
  for (const e of entries) {
    const mine = isLeftover(e, name, "staging") || isLeftover(e, name, "old");
    if (!mine || !(await pathExists(join(outRoot, e)))) continue;
    try {
      await rm(join(outRoot, e), { recursive: true });
      said.push(`removed ${join(outRoot, e)}, left by an earlier build`);
    } catch (err) {
      said.push(
        `cannot remove ${join(outRoot, e)}, left by an earlier build: ${(err as Error).message}`,
      );
    }
  }
  return said;
}

/** The verified package's files, published as one set. */
export async function publishPackage(
  layout: OutputLayout,
  built: {
    readonly exe: { readonly path: string };
    readonly cabinet: { readonly path: string };
    readonly record: BuildRecord;
    readonly article: string | undefined;
  },
  how: {
    readonly staging: { readonly dir: string; readonly suffix: string };
    readonly sourceDateEpoch: number | undefined;
    readonly loaded: LoadedManifest;
    readonly beforeSwap: () => Promise<void>;
    readonly progress: BuildProgress;
  },
): Promise<void> {
  const { staging, sourceDateEpoch, loaded, beforeSwap, progress } = how;
  const text = (s: string) => new TextEncoder().encode(s);
  const items: PublishItem[] = [
    { target: layout.exe, from: built.exe.path },
    { target: layout.cab, from: built.cabinet.path },
    { target: layout.record, from: text(recordJson(built.record)) },
    ...(built.article !== undefined ? [{ target: layout.article, from: text(built.article) }] : []),
  ];
  progress.begin("publish", built.record.executable.size + built.record.cabinet.size, items.length);
  const done = await publish(layout, {
    setDir: join(staging.dir, "set"),
    suffix: staging.suffix,
    items,
    mtime: outputTime(loaded.manifest, sourceDateEpoch),
    beforeSwap,
    onFile: (target, bytes) => progress.advance(basename(target), bytes),
  });
  if (done.leftover) {
    progress.warn(
      `the previous ${basename(layout.dir)} set could not be removed from ${done.leftover}; the next build tries again`,
    );
  }
  progress.end("publish");
}
