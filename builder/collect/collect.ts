/**
 * Collect, the I/O part: list the drop, match each entry's source (a path or a fast-glob
 * pattern, matched without case as Windows does), read each claimed file's size and PE
 * machine (from its headers: a few kilobytes per file), and report every problem at once (InputError: first line, then the rest).
 *
 * Sizes: the manifest's size is the size of the SHIPPED file (the KB table describes
 * the package). A file that is not stamped ships as found, so its size is checked here;
 * a stamped file's size is checked after stamping (build/stage-files.ts).
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import fg from "fast-glob";
import { excludedFiles } from "../manifest/drop-rules.js";
import type { LoadedManifest } from "../manifest/load.js";
import type { ManifestFile, UnclaimedPolicy } from "../manifest/types.js";
import { sourceProblem } from "../manifest/validate-fields.js";
import type { BuildProgress } from "../pipeline/progress.js";
import type { PeFacts, Toolkit } from "../pipeline/toolkit.js";
import { InputError } from "../util/errors.js";
import { outsideDrop, realDrop } from "./drop-links.js";
import { type FilePosition, fileLabel, planCollect, platformProblem, sizeProblem } from "./plan.js";

export interface CollectedFile {
  readonly index: number;
  readonly file: ManifestFile;
  /** Relative to the drop, "/"-separated. */
  readonly source: string;
  /** Absolute path in the drop. */
  readonly path: string;
  readonly size: number;
  /** From the headers (Toolkit.inspectHeaders): no version resource. */
  readonly pe: PeFacts;
}

export interface Collected {
  readonly files: readonly CollectedFile[];
  /** Drop files no manifest entry claims (a warning, not an error). */
  readonly unclaimed: readonly string[];
}

export function filePosition(loaded: LoadedManifest): FilePosition {
  return (index, field) => loaded.position(["files", index, field]);
}

export interface CollectOptions {
  /** Overrides the manifest's drop.unclaimed (build --fail-on-unclaimed says error). */
  readonly unclaimed?: UnclaimedPolicy;
}

export async function collect(
  loaded: LoadedManifest,
  drop: string,
  toolkit: Pick<Toolkit, "inspectHeaders">,
  progress: BuildProgress,
  options: CollectOptions = {},
): Promise<Collected> {
  const st = await stat(drop).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new InputError(
      `${drop}: the build drop is not a folder (--drop names the folder holding the files)`,
    );
  }
  const all = (await fg("**/*", { cwd: drop, onlyFiles: true, dot: true })).sort();
  // drop.exclude (manifest/drop-rules.ts): never matched by a pattern, never unclaimed; an
  // entry that names such a file by its own path still ships it.
  const excluded = await excludedFiles(drop, loaded.manifest.drop?.exclude ?? []);
  const byLower = new Map<string, string[]>();
  for (const f of all) {
    const k = f.toLowerCase();
    byLower.set(k, [...(byLower.get(k) ?? []), f]);
  }
  const { files } = loaded.manifest;
  const matches: string[][] = [];
  for (const f of files) {
    const source = f.source.replace(/\\/g, "/").replace(/^\.\//, "");
    if (sourceProblem(source)) matches.push([]);
    else if (fg.isDynamicPattern(source)) {
      const hits = await fg(source, {
        cwd: drop,
        onlyFiles: true,
        dot: true,
        caseSensitiveMatch: false,
      });
      matches.push(hits.filter((h) => !excluded.has(h)));
    } else {
      matches.push(byLower.get(source.toLowerCase()) ?? []);
    }
  }
  const position = filePosition(loaded);
  const shippable = all.filter((f) => !excluded.has(f));
  const plan = planCollect(files, matches, shippable, position, drop);
  const problems = [...plan.problems];
  const unclaimedPolicy = options.unclaimed ?? loaded.manifest.drop?.unclaimed ?? "warn";
  if (unclaimedPolicy === "error") {
    const why = options.unclaimed
      ? "--fail-on-unclaimed"
      : `drop.unclaimed: error at ${loaded.position(["drop", "unclaimed"])}`;
    for (const u of plan.unclaimed) {
      problems.push(
        `${drop}: ${u} is in the drop, but no manifest entry claims it and no drop.exclude pattern matches it (${why}); expected an entry for it or a pattern excluding it`,
      );
    }
  }

  // Links: a claimed source whose real target is outside the drop is refused, unless its
  // entry allows it (collect/drop-links.ts has the rule, shared with init --from-drop).
  const dropReal = await realDrop(drop);
  const outside = await Promise.all(
    plan.claimed.map((c) =>
      c.file.allowOutsideDrop ? undefined : outsideDrop(dropReal, join(drop, c.source)),
    ),
  );
  for (const [k, target] of outside.entries()) {
    if (target === undefined) continue;
    const c = plan.claimed[k]!;
    problems.push(
      `${fileLabel(position, c.index, c.file, "source")}: source "${c.source}" is a link to ${target}, outside the drop ${drop}; expected a file inside it (set allowOutsideDrop: true on this file to ship it)`,
    );
  }
  if (outside.some((o) => o !== undefined)) {
    const sorted = sortByPosition(problems);
    throw new InputError(sorted[0]!, sorted.slice(1));
  }

  const sizes = await Promise.all(
    plan.claimed.map(async (c) => (await stat(join(drop, c.source))).size),
  );
  progress.begin(
    "collect",
    sizes.reduce((a, b) => a + b, 0),
    plan.claimed.length,
  );
  // The headers only: the stage reads each file whole once, and takes the shipped file's
  // facts from those bytes. A few files at once (each is an open and a few small reads).
  const facts = await mapLimited(plan.claimed, INSPECT_AT_ONCE, (c) =>
    toolkit.inspectHeaders(join(drop, c.source)),
  );
  const collected: CollectedFile[] = [];
  for (const [k, c] of plan.claimed.entries()) {
    const path = join(drop, c.source);
    const pe = facts[k]!;
    const size = sizes[k]!;
    const platform = platformProblem(
      fileLabel(position, c.index, c.file, "platform"),
      c.file.platform,
      pe,
    );
    if (platform) problems.push(platform);
    if (!c.file.stamp) {
      const p = sizeProblem(
        fileLabel(position, c.index, c.file, "size"),
        c.file.size,
        size,
        `drop's (not stamped, shipped as is)`,
      );
      if (p) problems.push(p);
    } else if (!pe.isPe) {
      problems.push(
        `${fileLabel(position, c.index, c.file, "stamp")}: marked stamp: true, but ${c.source} is not a PE file`,
      );
    }
    collected.push({ ...c, path, size, pe });
    progress.advance(c.file.path, size);
  }
  progress.end("collect");
  if (problems.length > 0) {
    const sorted = sortByPosition(problems);
    throw new InputError(sorted[0]!, sorted.slice(1));
  }
  if (unclaimedPolicy === "warn") {
    for (const u of plan.unclaimed) {
      progress.warn(`${drop}: ${u} is in the drop but no manifest entry claims it`);
    }
  }
  return { files: collected, unclaimed: plan.unclaimed };
}

/** Files whose headers collect reads at once. */
const INSPECT_AT_ONCE = 8;

/**
 * fn over every item, `limit` at a time; the results in the items' order. A failure is
 * the first in the items' order (as one at a time would meet it), whatever the timing.
 */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!).then(
        (value) => ({ status: "fulfilled", value }) as const,
        (reason: unknown) => ({ status: "rejected", reason }) as const,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out.map((r) => {
    if (r.status === "rejected") throw r.reason;
    return r.value;
  });
}

/** Problems in manifest order (by line:column). */
function sortByPosition(lines: readonly string[]): string[] {
  const key = (l: string) => {
    const m = /:(\d+):(\d+) /.exec(l);
    return m ? Number(m[1]) * 100000 + Number(m[2]) : 0;
  };
  return [...lines].sort((a, b) => key(a) - key(b));
}
