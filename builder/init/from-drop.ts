/**
 * A manifest from a build drop: every file's version, platform, size and UTC date/time,
 * so a new rollup starts from what was built. The PE reading is passed in (the pe
 * stage's inspectFile), the rest is plain file listing and the shared manifest draft.
 */
import { realpath, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import fg from "fast-glob";
import { realDrop, realInDrop } from "../collect/drop-links.js";
import { draftManifestYaml } from "../kb-import/to-manifest.js";
import type { Platform } from "../manifest/types.js";
import { InputError } from "../util/errors.js";

/** What init needs to know of one file (a subset of the pe stage's PeInfo). */
export interface FileFacts {
  readonly size: number;
  readonly platform: Platform;
  readonly fileVersion: string;
}

export type Inspect = (path: string) => Promise<FileFacts>;

export interface DropFile extends FileFacts {
  /** Relative to the drop, "/"-separated. */
  readonly path: string;
  /** Last modified, UTC. */
  readonly modified: Date;
}

/** How many files are read at once. */
const CONCURRENCY = 8;

export interface ScanOptions {
  /** Told of each file left out because it is a link to outside the drop. */
  readonly onOutside?: (path: string, target: string) => void;
}

/**
 * Every file of the drop (sorted by path), with what `inspect` says of it. Links follow
 * build's rule (collect/drop-links.ts): one whose real target is inside the drop is
 * listed once, under the drop's own path of that target when that is listed too (a link
 * loop lists nothing twice); one that leads outside is left out and reported.
 */
export async function scanDrop(
  dir: string,
  inspect: Inspect,
  options: ScanOptions = {},
): Promise<DropFile[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch (err) {
    throw new InputError(
      `${dir}: cannot read the build drop (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  if (!info.isDirectory()) throw new InputError(`${dir}: is not a folder; expected a build drop`);
  const listed = (
    await fg("**/*", { cwd: dir, onlyFiles: true, dot: false, followSymbolicLinks: true })
  ).sort();
  const dropReal = await realDrop(dir);
  const reals = await Promise.all(listed.map((p) => realInDrop(dropReal, join(dir, p))));
  const listedSet = new Set(listed);
  const seen = new Set<string>();
  const paths: string[] = [];
  for (const [i, p] of listed.entries()) {
    const real = reals[i];
    if (real === undefined) {
      options.onOutside?.(p, await realpath(join(dir, p)));
      continue;
    }
    // The same file under another name (a link to it, a loop): listed once, as itself.
    if (real !== p && listedSet.has(real)) continue;
    if (seen.has(real)) continue;
    seen.add(real);
    paths.push(p);
  }
  if (paths.length === 0) throw new InputError(`${dir}: the build drop has no files`);
  const out: DropFile[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < paths.length; i = next++) {
      const full = join(dir, paths[i]!);
      const [facts, st] = await Promise.all([inspect(full), stat(full)]);
      out[i] = { path: paths[i]!, modified: st.mtime, ...pick(facts) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, paths.length) }, worker));
  return out;
}

function pick(f: FileFacts): FileFacts {
  return { size: f.size, platform: f.platform, fileVersion: f.fileVersion };
}

export interface DropManifestOptions {
  /** Package name; the drop folder's name by default. */
  readonly name?: string;
  readonly title?: string;
}

/** The manifest (YAML) of a scanned drop. Pure. */
export function manifestFromDrop(
  dir: string,
  files: readonly DropFile[],
  options: DropManifestOptions = {},
): string {
  const folder = basename(dir.replace(/[\\/]+$/, "")) || "drop";
  const name =
    options.name ??
    (folder.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "drop");
  return draftManifestYaml({
    rows: files.map((f) => {
      const iso = f.modified.toISOString();
      return {
        name: f.path.split("/").pop()!,
        path: f.path,
        version: f.fileVersion,
        size: f.size,
        date: iso.slice(0, 10),
        time: iso.slice(11, 16),
        platform: f.platform,
      };
    }),
    title: options.title ?? `Files of the build drop ${folder}`,
    pinNotApplicable: true,
    name,
    header: [
      `# Written by \`cabwright init --from-drop ${dir}\`: ${files.length} files; versions and`,
      "# platforms read from each file's PE headers, dates and times from their UTC mtimes;",
      "# a file without a version resource says `version: Not Applicable` (it is not stamped).",
    ],
  });
}
