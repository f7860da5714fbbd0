/**
 * A manifest from a build drop: every file's version, platform, size and UTC date/time,
 * so a new rollup starts from what was built. The PE reading is passed in (the pe
 * stage's inspectFile), the rest is plain file listing and the shared manifest draft.
 */
import { realpath, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import fg from "fast-glob";
import { stringify } from "yaml";
import { realDrop, realInDrop } from "../collect/drop-links.js";
import { draftManifestYaml } from "../kb-import/to-manifest.js";
import { excludedFiles, excludePatternProblem } from "../manifest/drop-rules.js";
import { NOT_APPLICABLE, type Platform } from "../manifest/types.js";
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
  /** Patterns of files to leave out, as the manifest's drop.exclude (manifest/drop-rules.ts). */
  readonly exclude?: readonly string[];
  /** Told of each file an exclude pattern left out. */
  readonly onExcluded?: (path: string, pattern: string) => void;
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
  for (const p of options.exclude ?? []) {
    const problem = excludePatternProblem(p);
    if (problem) throw new InputError(`--exclude: ${JSON.stringify(p)} ${problem}`);
  }
  // What build lists (dot files too), less what the exclude patterns leave out.
  const excluded = await excludedFiles(dir, options.exclude ?? []);
  const listed = (
    await fg("**/*", { cwd: dir, onlyFiles: true, dot: true, followSymbolicLinks: true })
  )
    .filter((p) => {
      const pattern = excluded.get(p);
      if (pattern !== undefined) options.onExcluded?.(p, pattern);
      return pattern === undefined;
    })
    .sort();
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
  if (paths.length === 0) {
    throw new InputError(
      `${dir}: the build drop has no files${excluded.size > 0 ? ` (${excluded.size} excluded)` : ""}`,
    );
  }
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
  /** Written as drop.exclude, so that build leaves out what init left out. */
  readonly exclude?: readonly string[];
}

/**
 * The manifest (YAML) of a scanned drop. Pure.
 *
 * It says only what the build will check as written: a file with a version resource is
 * stamped, which rewrites its resources and so its size (and the size depends on the
 * version the engineer sets next), so its size is left out; `build --update-manifest`
 * writes the size it has once built. A file without one ships as found: its size is
 * written, and the build checks it.
 */
export function manifestFromDrop(
  dir: string,
  files: readonly DropFile[],
  options: DropManifestOptions = {},
): string {
  const folder = basename(dir.replace(/[\\/]+$/, "")) || "drop";
  const name =
    options.name ??
    (folder.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "drop");
  const yaml = draftManifestYaml({
    rows: files.map((f) => {
      const iso = f.modified.toISOString();
      const stamped = f.fileVersion !== NOT_APPLICABLE;
      return {
        name: f.path.split("/").pop()!,
        path: f.path,
        version: f.fileVersion,
        size: stamped ? undefined : f.size,
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
      "# Sizes: written for the files shipped as found; a stamped file's size is known once it is",
      "# stamped: `cabwright build --update-manifest` writes them, and later builds check them.",
    ],
  });
  return withDropSection(yaml, options.exclude ?? []);
}

/** The drop section (exclude patterns) before `defaults:`, where a reader looks first. */
function withDropSection(yaml: string, exclude: readonly string[]): string {
  if (exclude.length === 0) return yaml;
  const section = stringify({ drop: { exclude: [...exclude] } }, { lineWidth: 0 });
  const at = yaml.indexOf("\ndefaults:");
  if (at === -1) throw new Error("init: the draft has no defaults section");
  return `${yaml.slice(0, at + 1)}${section}${yaml.slice(at + 1)}`;
}
