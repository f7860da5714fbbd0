/**
 * CabInputFile entries from files on disk: names relative to a base folder, in the order
 * given (a folder adds its files recursively, in sorted order), dates from mtime and
 * attributes from the mode bits (read-only when not writable by the owner, exec when
 * executable; Linux has no hidden or system bit, so they are never set from disk).
 *
 * The walk uses synchronous stat and readdir: one asynchronous call per file crosses to
 * libuv's thread pool and back, which for 20,000 small files cost ten times the calls
 * themselves; a stat from the metadata cache takes microseconds.
 */
import { readdirSync, type Stats, statSync } from "node:fs";
import { isAbsolute, normalize, relative, resolve, sep } from "node:path";
import { FileAttribute } from "../format/constants.js";
import { invalidInput } from "../format/errors.js";
import type { CabInputFile } from "./writer-types.js";

export async function cabInputsFromPaths(
  baseDir: string,
  paths: readonly string[],
): Promise<CabInputFile[]> {
  const base = resolve(baseDir);
  const out: CabInputFile[] = [];
  for (const p of paths) {
    const full = resolve(base, p);
    const rel = relative(base, full);
    if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw invalidInput(
        `path "${p}" is outside the folder ${base} (names are stored relative to it)`,
        {
          file: p,
        },
      );
    }
    addPath(full, rel.split(sep).join("\\"), trimSep(normalize(p)), out, new Set());
  }
  return out;
}

/** "a/b/" -> "a/b" (a root "/" stays). */
function trimSep(p: string): string {
  return p.length > 1 && p.endsWith(sep) ? p.slice(0, -1) : p;
}

/**
 * Add the file at `full`, or a folder's files. `name` is its name in the cabinet ("\\"
 * separated, "" for the base folder), `given` the path as the caller spelled it (for
 * messages); a folder's entries extend both by one segment, without re-resolving paths.
 */
function addPath(
  full: string,
  name: string,
  given: string,
  out: CabInputFile[],
  /** dev:ino of the folders above, to refuse a symlink loop. */
  above: ReadonlySet<string>,
) {
  let st: Stats;
  try {
    st = statSync(full);
  } catch (err) {
    throw invalidInput(`cannot read "${given}": ${(err as Error).message}`, { file: given });
  }
  if (st.isDirectory()) {
    const id = `${st.dev}:${st.ino}`;
    if (above.has(id)) {
      throw invalidInput(`"${given}" loops back to a folder above it (a symlink loop)`, {
        file: given,
      });
    }
    const inside = new Set(above).add(id);
    let names: string[];
    try {
      names = readdirSync(full).sort(compareNames);
    } catch (err) {
      throw invalidInput(`cannot list the folder "${given}": ${(err as Error).message}`, {
        file: given,
      });
    }
    const dir = full.endsWith(sep) ? full : `${full}${sep}`;
    for (const entry of names) {
      addPath(
        `${dir}${entry}`,
        name === "" ? entry : `${name}\\${entry}`,
        given === "." ? entry : `${given}${sep}${entry}`,
        out,
        inside,
      );
    }
    return;
  }
  if (!st.isFile()) {
    throw invalidInput(`"${given}" is neither a regular file nor a folder`, { file: given });
  }
  if (name === "") {
    throw invalidInput(`"${given}" is the base folder itself, not a file in it`, { file: given });
  }
  out.push({
    name,
    source: full,
    size: st.size,
    date: st.mtime,
    attributes: attributesFromMode(st.mode),
  });
}

/** Code-point order: the same on every platform and locale. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function attributesFromMode(mode: number): number {
  return (
    FileAttribute.archive |
    ((mode & 0o200) === 0 ? FileAttribute.readOnly : 0) |
    ((mode & 0o111) !== 0 ? FileAttribute.exec : 0)
  );
}
