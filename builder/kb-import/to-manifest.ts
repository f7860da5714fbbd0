/**
 * An imported table as a manifest (YAML text): the most common version, date, time and
 * platform go to `defaults`, each file keeps only what differs. Pure.
 */
import { stringify } from "yaml";
import { NOT_APPLICABLE, type Platform } from "../manifest/types.js";
import { InputError } from "../util/errors.js";
import type { KbImport } from "./types.js";

export interface ManifestDraftOptions {
  /** Platform for rows of a table with no Platform column. */
  readonly platform?: Platform;
  /** Package name (file-name safe); derived from the title or the file name otherwise. */
  readonly name?: string;
}

function mostCommon<T>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let n = 0;
  for (const [v, c] of counts) {
    if (c > n) {
      best = v;
      n = c;
    }
  }
  return best;
}

function slug(text: string): string {
  return (
    text
      .replace(/\.[^.]*$/, "")
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/^[^A-Za-z0-9]+/, "")
      .replace(/-+$/, "")
      .slice(0, 60) || "imported"
  );
}

/** Folders for files listed twice: by platform, then numbered. */
function platformFolder(p: Platform): string {
  return p.toLowerCase().replace(/\s+/g, "-");
}

export function manifestFromImport(imp: KbImport, options: ManifestDraftOptions = {}): string {
  const missing: string[] = [];
  const rows = imp.rows.map((r, i) => {
    const platform = r.platform ?? options.platform;
    const lacks = [
      r.date === undefined ? "a date with a year (give --year)" : "",
      platform === undefined ? "a platform (give --platform)" : "",
      r.time === undefined ? "a time" : "",
    ].filter((s) => s !== "");
    if (lacks.length > 0)
      missing.push(`${imp.file}:${r.at} row ${i + 1} (${r.name}) lacks ${lacks.join(", ")}`);
    return { ...r, platform: platform as Platform };
  });
  if (missing.length > 0) throw new InputError(missing[0]!, missing.slice(1));

  const header = [
    `# Imported by \`cabwright init --from-kb ${imp.file}\`: ${imp.rows.length} rows from ${imp.tables.length} table(s).`,
  ];
  const warned = imp.warnings.filter((w) => w.row !== undefined);
  if (warned.length > 0) {
    header.push(`# The import reported ${warned.length} row decision(s); check them:`);
    for (const w of warned.slice(0, 50)) header.push(`#   ${w.at} ${w.message}`.slice(0, 200));
    if (warned.length > 50) header.push(`#   ... and ${warned.length - 50} more`);
  }
  return draftManifestYaml({
    rows: rows.map((r) => {
      const extra = Object.entries(r.extra)
        .map(([k, v]) => `${k}: ${v}`)
        .join("; ");
      return {
        name: r.name,
        version: r.version,
        size: r.size,
        date: r.date!,
        time: r.time!,
        platform: r.platform,
        ...(extra ? { description: extra } : {}),
      };
    }),
    title: imp.title ?? `Files imported from ${imp.file}`,
    ...(imp.kb ? { kb: imp.kb } : {}),
    name: options.name ?? slug(imp.kb ? `kb${imp.kb}` : (imp.file.split(/[\\/]/).pop() ?? "")),
    header,
  });
}

/** A file of a manifest being drafted (from a KB table or a build drop). */
export interface DraftRow {
  readonly name: string;
  /** Path in the package; derived from the name (a folder for repeats) when absent. */
  readonly path?: string;
  /** Path in the build drop, when it differs from the package path. */
  readonly source?: string;
  readonly version: string;
  readonly size: number | undefined;
  readonly date: string;
  readonly time: string;
  readonly platform: Platform;
  readonly description?: string;
}

export interface Draft {
  readonly rows: readonly DraftRow[];
  readonly title: string;
  readonly kb?: string;
  readonly name: string;
  /** Comment lines (each starting "# ") saying where the draft came from. */
  readonly header: readonly string[];
}

/** The manifest YAML of a draft: common values factored into `defaults`. */
export function draftManifestYaml(draft: Draft): string {
  const { rows } = draft;
  const defaults = {
    version: mostCommon(rows.map((r) => r.version))!,
    date: mostCommon(rows.map((r) => r.date))!,
    time: mostCommon(rows.map((r) => r.time))!,
    platform: mostCommon(rows.map((r) => r.platform))!,
  };
  const used = new Set<string>();
  for (const r of rows) if (r.path) used.add(r.path.toLowerCase());
  const files = rows.map((r) => fileEntry(r, defaults, used));
  const versions = rows.map((r) => r.version).filter((v) => v !== NOT_APPLICABLE);
  const doc = {
    package: {
      name: draft.name,
      title: draft.title,
      product: draft.title,
      version: mostCommon(versions) ?? "1.0.0.0",
      company: "Microsoft Corporation",
      copyright: "(c) Microsoft Corporation. All rights reserved.",
      ...(draft.kb ? { kb: draft.kb } : {}),
      platform: defaults.platform === "x64" ? "x64" : "x86",
      restart: "not-required",
    },
    defaults,
    files,
  };
  const header = [
    "# yaml-language-server: $schema=./manifest.schema.json",
    ...draft.header,
    "# Review package.title, product, company, copyright, version and restart: the source",
    "# does not say them. Add fixes, prerequisites and install steps for `cabwright report`.",
  ];
  // Times quoted, so that YAML 1.1 readers do not take 18:08 for a base-60 number.
  const body = stringify(doc, { lineWidth: 0 }).replace(
    /^(\s*(?:- )?time): (\d{2}:\d{2}(?::\d{2})?)$/gm,
    '$1: "$2"',
  );
  return `${header.join("\n")}\n${body}`;
}

function fileEntry(
  r: DraftRow,
  defaults: { version: string; date: string; time: string; platform: Platform },
  used: Set<string>,
): Record<string, unknown> {
  // A name listed again gets a folder: its platform's when that tells it apart, else a
  // number (the same file under two components of one article).
  let path = r.path ?? r.name;
  const samePlatform = `${r.name.toLowerCase()}\u0000${r.platform}`;
  if (r.path === undefined && used.has(path.toLowerCase())) {
    path = used.has(samePlatform) ? `2/${r.name}` : `${platformFolder(r.platform)}/${r.name}`;
    for (let n = 3; used.has(path.toLowerCase()); n++) path = `${n}/${r.name}`;
  }
  used.add(path.toLowerCase());
  used.add(samePlatform);
  return {
    name: r.name,
    ...(path !== r.name ? { path } : {}),
    ...(r.source !== undefined && r.source !== path ? { source: r.source } : {}),
    ...(r.version !== defaults.version ? { version: r.version } : {}),
    ...(r.size !== undefined ? { size: r.size } : {}),
    ...(r.date !== defaults.date ? { date: r.date } : {}),
    ...(r.time !== defaults.time ? { time: r.time } : {}),
    ...(r.platform !== defaults.platform ? { platform: r.platform } : {}),
    ...(r.description ? { description: r.description } : {}),
  };
}
