/**
 * Extracting a cabinet into a folder. Paths come from names.ts (safe segments only) and
 * are checked once more against the target; each file is written to a temporary name in
 * its folder and renamed into place when complete, so a damaged cabinet leaves no
 * half-written file. Each folder is decoded once, its blocks handed to the files they hold.
 *
 * Links planted in the target (a symbolic link, or a junction on Windows, which Node reads
 * as one) are never written through:
 *   - a folder on the way that is a link: refused (CabError, exit 2), checked for every
 *     entry before anything is written and again, one level at a time, as folders are
 *     made; replacing it would delete what the link's owner put there;
 *   - a file name that is a link: replaced, as any existing file is. The data goes to a
 *     new temporary name created exclusively (O_EXCL, O_NOFOLLOW) and rename() puts it in
 *     place of the link itself; the link's target is never opened.
 * Node has no openat(): between the last check of a folder and the rename, a process that
 * can write the target folder could still swap a folder for a link. The parent's real
 * path is checked again just before the rename, which narrows that window to the rename.
 */

import { randomBytes } from "node:crypto";
import { realpathSync, renameSync, rmSync } from "node:fs";
import { lstat, mkdir, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { CabError } from "../format/errors.js";
import { safeSegments } from "../format/names.js";
import {
  type CabFileEntry,
  type Cabinet,
  type CabinetInternals,
  type OpenOptions,
  openCabinet,
} from "./cabinet.js";
import {
  declaredBlocks,
  folderBlocks,
  missingBlocksWarning,
  missingBytesMessage,
  newBlockStats,
} from "./folder-stream.js";
import { OutputFile, WriteBudget } from "./output-file.js";

export interface ExtractOptions extends OpenOptions {
  /** Only these entries (by display name); default all. */
  filter?: (entry: CabFileEntry) => boolean;
  /** Set each file's modification time from its DOS date/time, read as UTC (default true). */
  setTimes?: boolean;
}

export interface ExtractedFile {
  readonly name: string;
  /** Absolute path written. */
  readonly path: string;
  readonly size: number;
}

export interface ExtractReport {
  readonly destDir: string;
  readonly files: readonly ExtractedFile[];
  /** Files that could not be created (a name clash with a folder, permissions): skipped. */
  readonly failed: readonly { readonly name: string; readonly error: string }[];
  readonly bytes: number;
  readonly warnings: readonly string[];
}

/** Files being written at once, at most (a guard against hostile overlapping entries). */
const MAX_OPEN_OUTPUTS = 256;

interface Output {
  readonly entry: CabFileEntry;
  readonly target: string;
  readonly file: OutputFile;
}

/** The path an entry is written to under `root`; throws if it would leave `root`. */
export function targetPath(root: string, entry: Pick<CabFileEntry, "storedName">): string {
  const target = join(root, ...safeSegments(entry.storedName));
  const rel = relative(root, target);
  // Only a segment that IS ".." leaves: "..profile" and "..." are legal names.
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new CabError("invalid-data", `"${entry.storedName}" would be written outside ${root}`);
  }
  return target;
}

export async function extractCabinet(
  path: string,
  destDir: string,
  opts: ExtractOptions = {},
): Promise<ExtractReport> {
  const cab = await openCabinet(path, opts);
  try {
    return await extractOpened(cab, destDir, opts);
  } finally {
    await cab.close();
  }
}

export async function extractOpened(
  cab: Cabinet & CabinetInternals,
  destDir: string,
  opts: ExtractOptions = {},
): Promise<ExtractReport> {
  const root = resolve(destDir);
  await mkdir(root, { recursive: true }).catch((err) => fsError(root, err));
  const chosen = opts.filter ? cab.files.filter(opts.filter) : cab.files;
  // The folder the user named may itself be a link (their choice); below it, none may be.
  const realRoot = await realpath(root).catch((err) => fsError(root, err));
  const folders = new LinkFreeFolders(root);
  // Each entry's path, worked out once (and every one checked before anything is written).
  const targets = new Map<CabFileEntry, string>();
  for (const f of chosen) {
    const target = targetPath(root, f);
    targets.set(f, target);
    await folders.refuseLinks(dirname(target));
  }
  const done: ExtractedFile[] = [];
  const failed: { name: string; error: string }[] = [];
  const open_: Output[] = [];
  const warnings = [...cab.warnings];
  const budget = new WriteBudget();
  // Temporary names: unguessable per extraction, numbered per file (O_EXCL refuses a
  // name that exists anyway).
  const tempPrefix = `.cabwright-${process.pid}-${randomBytes(6).toString("hex")}-`;
  let temps = 0;
  let bytes = 0;
  const finish = async (o: Output) => {
    // A failed write or close (a full disk, a quota met at close) stops the extraction,
    // as one line; what follows it only skips this file.
    try {
      await o.file.finishWrites();
      o.file.close(opts.setTimes === false ? undefined : entryTime(o.entry));
    } catch (err) {
      await o.file.abandon();
      rmSync(o.file.temp, { force: true });
      fsError(o.file.temp, err);
    }
    try {
      const parent = dirname(o.target);
      const expected = join(realRoot, relative(root, parent));
      let real: string;
      try {
        real = realpathSync.native(parent);
      } catch (err) {
        fsError(parent, err);
      }
      if (real !== expected) throw linkError(parent, `resolves to ${real}`);
      try {
        renameSync(o.file.temp, o.target);
      } catch (err) {
        fsError(o.target, err);
      }
    } catch (err) {
      rmSync(o.file.temp, { force: true });
      if (!(err instanceof CabError)) throw err;
      failed.push({ name: o.entry.name, error: err.message });
      return;
    }
    done.push({ name: o.entry.name, path: o.target, size: o.entry.size });
  };
  const start = async (entry: CabFileEntry): Promise<Output | undefined> => {
    const target = targets.get(entry)!;
    const temp = join(dirname(target), `${tempPrefix}${temps++}.tmp`);
    try {
      await folders.make(dirname(target));
      return { entry, target, file: OutputFile.create(temp, budget) };
    } catch (err) {
      if (err instanceof CabError) throw err;
      const e = err as NodeJS.ErrnoException;
      failed.push({ name: entry.name, error: `cannot create ${target} (${e.code ?? e.message})` });
      return undefined;
    }
  };
  const finishOrSkip = async (o: Output | undefined) => {
    if (o) await finish(o);
  };
  try {
    const byFolder = new Map<number, CabFileEntry[]>();
    for (const f of chosen) {
      if (f.size === 0) {
        await finishOrSkip(await start(f));
        continue;
      }
      const list = byFolder.get(f.folderIndex) ?? [];
      list.push(f);
      byFolder.set(f.folderIndex, list);
    }
    for (const plan of cab.folderPlans) {
      const files = (byFolder.get(plan.index) ?? []).sort(
        (a, b) => a.offsetInFolder - b.offsetInFolder,
      );
      if (files.length === 0) continue;
      const lastEnd = files.reduce((m, f) => Math.max(m, f.offsetInFolder + f.size), 0);
      let next = 0;
      let pos = 0;
      const stats = newBlockStats();
      for await (const block of folderBlocks(plan, stats)) {
        const bEnd = pos + block.length;
        while (next < files.length && files[next]!.offsetInFolder < bEnd) {
          if (open_.length >= MAX_OPEN_OUTPUTS) {
            throw new CabError(
              "invalid-data",
              `${cab.path}: more than ${MAX_OPEN_OUTPUTS} files overlap in folder ${plan.index}`,
            );
          }
          const o = await start(files[next++]!);
          if (o) open_.push(o);
        }
        for (let i = 0; i < open_.length; ) {
          const o = open_[i]!;
          const fStart = o.entry.offsetInFolder;
          const fEnd = fStart + o.entry.size;
          const from = Math.max(fStart + o.file.written, pos);
          const to = Math.min(fEnd, bEnd);
          if (to > from) {
            await o.file
              .append(block.subarray(from - pos, to - pos))
              .catch((err) => fsError(o.file.temp, err));
            bytes += to - from;
          }
          if (o.file.written === o.entry.size) {
            open_.splice(i, 1);
            await finishOrSkip(o);
          } else i++;
        }
        pos = bEnd;
        if (pos >= lastEnd) break;
      }
      if (stats.blocks < declaredBlocks(plan)) {
        const w = await missingBlocksWarning(plan);
        if (w) warnings.push(w);
      }
      const missing = open_[0]?.entry ?? files[next];
      if (missing) {
        throw new CabError(
          "invalid-data",
          `${cab.path}: ${missingBytesMessage(missing, plan.index, pos)}`,
        );
      }
    }
  } catch (err) {
    await Promise.all(
      open_.map(async (o) => {
        await o.file.abandon();
        rmSync(o.file.temp, { force: true });
      }),
    );
    throw err;
  }
  return { destDir: root, files: done, failed, bytes, warnings };
}

function linkError(path: string, how = "is a symbolic link or junction"): CabError {
  return new CabError(
    "invalid-input",
    `${path} ${how}, which this extraction did not create: refusing to write through it (remove it, or extract elsewhere)`,
    { file: path },
  );
}

/**
 * The folders under `root` an extraction writes into, checked one level at a time with
 * lstat (which does not follow links): each is a real folder, or absent and then made
 * with a plain mkdir (which fails on anything planted there meanwhile).
 */
class LinkFreeFolders {
  readonly #root: string;
  readonly #checked = new Set<string>();
  /** Folders refuseLinks found real (made folders are checked again by make()). */
  readonly #seen = new Set<string>();
  /**
   * Folders refuseLinks found absent. Nothing is made until every entry has been through
   * refuseLinks, so what was absent stays so for that pass, and so does all below it.
   */
  readonly #absent = new Set<string>();
  constructor(root: string) {
    this.#root = root;
  }

  /** Refuse if a folder on the way to `dir` that exists is a link; create nothing. */
  async refuseLinks(dir: string): Promise<void> {
    if (this.#seen.has(dir)) return;
    for (const p of this.#chain(dir)) {
      if (this.#seen.has(p)) continue;
      if (this.#absent.has(p)) return;
      const st = await lstat(p).catch(() => undefined);
      if (!st) {
        this.#absent.add(p);
        return;
      }
      if (st.isSymbolicLink()) throw linkError(p);
      this.#seen.add(p);
    }
  }

  /** Make every folder on the way to `dir`, refusing links. */
  async make(dir: string): Promise<void> {
    // The last of the chain is `dir` itself: checked means all above it were too.
    if (this.#checked.has(dir)) return;
    for (const p of this.#chain(dir)) {
      if (this.#checked.has(p)) continue;
      let st = await lstat(p).catch(() => undefined);
      if (!st) {
        await mkdir(p).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "EEXIST") throw err;
        });
        st = await lstat(p);
      }
      if (st.isSymbolicLink()) throw linkError(p);
      if (!st.isDirectory()) {
        throw Object.assign(new Error(`${p} is not a folder`), { code: "ENOTDIR" });
      }
      this.#checked.add(p);
    }
  }

  /** root/a, root/a/b, ... up to `dir` (nothing for root itself). */
  #chain(dir: string): string[] {
    const rel = relative(this.#root, dir);
    if (rel === "") return [];
    const out: string[] = [];
    let p = this.#root;
    for (const seg of rel.split(sep)) {
      p = join(p, seg);
      out.push(p);
    }
    return out;
  }
}

/** An entry's DOS date and time read as UTC, or undefined when they are not a date. */
function entryTime(entry: CabFileEntry): Date | undefined {
  const t = entry.datetime;
  const ms = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  if (!Number.isFinite(ms) || t.month < 1 || t.month > 12 || t.day < 1) return undefined;
  return new Date(ms);
}

function fsError(path: string, err: unknown): never {
  const e = err as NodeJS.ErrnoException;
  throw new CabError("invalid-input", `cannot write ${path} (${e.code ?? e.message})`, {
    file: path,
  });
}
