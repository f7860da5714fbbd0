/**
 * An imported table as a manifest (YAML text): the most common version, date, time and
 * platform go to `defaults`, each file keeps only what differs. Pure.
 */
import { stringify } from "yaml";
import {
  type Fix,
  NOT_APPLICABLE,
  type PackagePlatform,
  type Platform,
  type Restart,
} from "../manifest/types.js";
import { InputError } from "../util/errors.js";
import type { KbImport } from "./types.js";
import { ranges, summarizeWarnings } from "./warnings.js";

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

/** A manifest drafted from an article, and the required fields it leaves for a person. */
export interface KbManifestDraft {
  readonly yaml: string;
  /** Required package fields the article does not say (package.company, ...). */
  readonly omitted: readonly string[];
  /** The import's decisions, one line each ("line:column message"), as in the header. */
  readonly decisions: readonly string[];
}

/** The longest a component heading can be as a folder name. */
const FOLDER_MAX = 80;

/** A component heading as a folder name: what Windows forbids in names becomes "-". */
export function componentFolder(heading: string): string {
  return (
    heading
      .replace(/[\\/:*?"<>|\x00-\x1f]+/g, "-")
      .replace(/\s+/g, " ")
      .replace(/^[\s.]+|[\s.]+$/g, "")
      .slice(0, FOLDER_MAX)
      .replace(/[\s.]+$/, "") || "component"
  );
}

export function manifestFromImport(imp: KbImport, options: ManifestDraftOptions = {}): string {
  return draftFromImport(imp, options).yaml;
}

export function draftFromImport(
  imp: KbImport,
  options: ManifestDraftOptions = {},
): KbManifestDraft {
  // What rows lack, one line per kind of lack (not one per row): its first row, and how many.
  const missing = new Map<string, { first: string; rows: number[] }>();
  const rows = imp.rows.map((r, i) => {
    const platform = r.platform ?? options.platform;
    const lacks = [
      r.date === undefined ? "a date with a year (give --year)" : "",
      platform === undefined ? "a platform (give --platform)" : "",
      r.time === undefined ? "a time" : "",
    ]
      .filter((s) => s !== "")
      .join(", ");
    if (lacks !== "") {
      const m = missing.get(lacks) ?? {
        first: `${imp.file}:${r.at} row ${i + 1} (${r.name})`,
        rows: [],
      };
      m.rows.push(i + 1);
      missing.set(lacks, m);
    }
    return { ...r, platform: platform as Platform };
  });
  const lines = [...missing].map(([lacks, m]) =>
    m.rows.length === 1
      ? `${m.first} lacks ${lacks}`
      : `${m.first} lacks ${lacks}, and so do ${m.rows.length - 1} more rows (${ranges(m.rows.slice(1))})`,
  );
  if (lines.length > 0) throw new InputError(lines[0]!, lines.slice(1));

  // Components become folders when the article lists more than one, so that one file name
  // under two components (Sqldumper.exe under Writer and under Analysis Services) stays two
  // files; one component (or none) leaves the files at the package root.
  const components = [...new Set(rows.flatMap((r) => (r.component ? [r.component] : [])))];
  const folders = components.length > 1;
  const a = imp.article;
  const decisions = summarizeWarnings([...imp.warnings, ...imp.articleWarnings]).map(
    (w) => `${w.at} ${w.message}`,
  );
  const header = [
    `# Imported by \`cabwright init --from-kb ${imp.file}\`: ${imp.rows.length} rows from ${imp.tables.length} table(s).`,
  ];
  if (decisions.length > 0) {
    header.push(`# The import made ${decisions.length} decision(s); check them:`);
    for (const d of decisions.slice(0, 50)) header.push(`#   ${d}`.slice(0, 240));
    if (decisions.length > 50) header.push(`#   ... and ${decisions.length - 50} more`);
  }
  if (folders) {
    header.push(
      `# Each of the article's ${components.length} components is a folder of the package (its heading as the name):`,
    );
    for (const c of components) header.push(`#   ${componentFolder(c)}/`);
  }
  const facts: string[] = [];
  const fact = (field: string, f: { at: string; said: string } | undefined) => {
    if (f) facts.push(`#   ${field}: ${f.at} "${f.said}"`.slice(0, 240));
  };
  fact("title", a.title);
  fact("kb", a.kb);
  fact("product", a.product);
  fact("version", a.version);
  fact("company", a.company);
  fact("copyright", a.copyright);
  fact("restart", a.restart);
  fact("platform", a.platform);
  if (facts.length > 0) header.push("# Read from the article:", ...facts);

  const versions = rows.map((r) => r.version).filter((v) => v !== NOT_APPLICABLE);
  const unsaid: string[] = [];
  const omitted: string[] = [];
  const leaveOut = (field: string, why: string, required: boolean) => {
    unsaid.push(`# ${field}: ${why}`);
    if (required) omitted.push(`package.${field}`);
  };
  const title = a.title?.value ?? imp.title;
  if (!title) leaveOut("title", "the article has no title line; required by check and build", true);
  if (!a.product)
    leaveOut("product", "the article does not name the product; required by check and build", true);
  if (!a.company) {
    leaveOut(
      "company",
      "the article does not say whose files these are; required by check and build",
      true,
    );
  }
  if (!a.copyright)
    leaveOut("copyright", "the article does not say; required by check and build", true);
  if (!a.restart) {
    leaveOut(
      "restart",
      "the article does not say whether a restart is needed (required, not-required, may-be-required); unset, check takes not-required",
      false,
    );
  }
  const pre = a.prerequisite;
  if (pre) {
    unsaid.push(
      `# prerequisite: ${pre.at} the article says "${pre.said}"`.slice(0, 400),
      '#   it gives no version range, which a prerequisite needs: { product: ..., range: ">=X.Y.Z", description: ... }',
    );
  }
  const draft = draftManifestYaml({
    rows: rows.map((r) => {
      const extra = Object.entries(r.extra)
        .map(([k, v]) => `${k}: ${v}`)
        .join("; ");
      return {
        name: r.name,
        ...(folders && r.component ? { folder: componentFolder(r.component) } : {}),
        version: r.version,
        size: r.size,
        date: r.date!,
        time: r.time!,
        platform: r.platform,
        ...(extra ? { description: extra } : {}),
      };
    }),
    title: title ?? "",
    ...(imp.kb ? { kb: imp.kb } : {}),
    name: options.name ?? slug(imp.kb ? `kb${imp.kb}` : (imp.file.split(/[\\/]/).pop() ?? "")),
    header,
    said: {
      ...(title ? { title } : {}),
      ...(a.product ? { product: a.product.value } : {}),
      ...(a.company ? { company: a.company.value } : {}),
      ...(a.copyright ? { copyright: a.copyright.value } : {}),
      version: a.version?.value ?? mostCommon(versions) ?? "1.0.0.0",
      ...(a.restart ? { restart: a.restart.value } : {}),
      ...(a.platform ? { platform: a.platform.value } : {}),
      unsaid,
      versionNote: a.version
        ? undefined
        : "package.version is the most common file version of the table (the article states none).",
    },
    fixes: a.fixes.map((f) => f.value),
  });
  return { yaml: draft, omitted, decisions };
}

/** A file of a manifest being drafted (from a KB table or a build drop). */
export interface DraftRow {
  readonly name: string;
  /** Path in the package; derived from the name (a folder for repeats) when absent. */
  readonly path?: string;
  /** Folder the derived path starts with (the article's component), when there is one. */
  readonly folder?: string;
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
  /**
   * The package fields a source said (an article). Absent: the fields are placeholders to
   * review (a build drop says nothing of them). Present: only these are written, and each
   * `unsaid` line is a comment inside `package:` naming a field left out and why.
   */
  readonly said?: {
    readonly title?: string;
    readonly product?: string;
    readonly company?: string;
    readonly copyright?: string;
    readonly version: string;
    readonly restart?: Restart;
    /** The package's platform, when the source names one. */
    readonly platform?: PackagePlatform;
    readonly unsaid: readonly string[];
    readonly versionNote: string | undefined;
  };
  readonly fixes?: readonly Fix[];
  /**
   * Write `version: Not Applicable` on every file that has none (a build drop's non-PE
   * files and PEs without a version resource), and take `defaults.version` from the files
   * that have one: a version later written into `defaults` then reaches only files that
   * can be stamped, instead of marking a text file `stamp: true`.
   */
  readonly pinNotApplicable?: boolean;
}

/** The manifest YAML of a draft: common values factored into `defaults`. */
export function draftManifestYaml(draft: Draft): string {
  const { rows } = draft;
  const defaults = {
    version: draft.pinNotApplicable
      ? (mostCommon(rows.map((r) => r.version).filter((v) => v !== NOT_APPLICABLE)) ??
        NOT_APPLICABLE)
      : mostCommon(rows.map((r) => r.version))!,
    date: mostCommon(rows.map((r) => r.date))!,
    time: mostCommon(rows.map((r) => r.time))!,
    platform: mostCommon(rows.map((r) => r.platform))!,
  };
  const used = new Set<string>();
  for (const r of rows) if (r.path) used.add(r.path.toLowerCase());
  const files = rows.map((r) => fileEntry(r, defaults, used, draft.pinNotApplicable === true));
  const versions = rows.map((r) => r.version).filter((v) => v !== NOT_APPLICABLE);
  const said = draft.said;
  const platform = said?.platform ?? (defaults.platform === "x64" ? "x64" : "x86");
  const pkg = said
    ? {
        name: draft.name,
        ...(said.title ? { title: said.title } : {}),
        ...(said.product ? { product: said.product } : {}),
        version: said.version,
        ...(said.company ? { company: said.company } : {}),
        ...(said.copyright ? { copyright: said.copyright } : {}),
        ...(draft.kb ? { kb: draft.kb } : {}),
        platform,
        ...(said.restart ? { restart: said.restart } : {}),
      }
    : {
        name: draft.name,
        title: draft.title,
        product: draft.title,
        version: mostCommon(versions) ?? "1.0.0.0",
        company: "Microsoft Corporation",
        copyright: "(c) Microsoft Corporation. All rights reserved.",
        ...(draft.kb ? { kb: draft.kb } : {}),
        platform,
        restart: "not-required",
      };
  const doc = {
    package: pkg,
    defaults,
    files,
    ...(draft.fixes && draft.fixes.length > 0 ? { fixes: draft.fixes } : {}),
  };
  const header = [
    "# yaml-language-server: $schema=./manifest.schema.json",
    ...draft.header,
    ...(said
      ? [
          ...(said.platform
            ? []
            : [
                "# package.platform (the self-extracting stub's) follows the files' most common platform.",
              ]),
          ...(said.versionNote ? [`# ${said.versionNote}`] : []),
          "# Add install steps for `cabwright report`.",
        ]
      : [
          "# Review package.title, product, company, copyright, version and restart: the source",
          "# does not say them. Add fixes, prerequisites and install steps for `cabwright report`.",
        ]),
  ];
  // Times quoted, so that YAML 1.1 readers do not take 18:08 for a base-60 number.
  let body = stringify(doc, { lineWidth: 0 }).replace(
    /^(\s*(?:- )?time): (\d{2}:\d{2}(?::\d{2})?)$/gm,
    '$1: "$2"',
  );
  if (said && said.unsaid.length > 0) {
    // The fields left out, as comments where they would stand (the end of `package:`).
    const at = body.indexOf("\ndefaults:");
    body = `${body.slice(0, at)}\n${said.unsaid.map((l) => `  ${l}`).join("\n")}${body.slice(at)}`;
  }
  return `${header.join("\n")}\n${body}`;
}

function fileEntry(
  r: DraftRow,
  defaults: { version: string; date: string; time: string; platform: Platform },
  used: Set<string>,
  pinNotApplicable: boolean,
): Record<string, unknown> {
  // A name listed again gets a folder: its platform's when that tells it apart, else a
  // number (the same file under two components of one article).
  const base = r.folder ? `${r.folder}/` : "";
  let path = r.path ?? `${base}${r.name}`;
  const samePlatform = `${base}${r.name}\u0000${r.platform}`.toLowerCase();
  if (r.path === undefined && used.has(path.toLowerCase())) {
    path = used.has(samePlatform)
      ? `${base}2/${r.name}`
      : `${base}${platformFolder(r.platform)}/${r.name}`;
    for (let n = 3; used.has(path.toLowerCase()); n++) path = `${base}${n}/${r.name}`;
  }
  used.add(path.toLowerCase());
  used.add(samePlatform);
  return {
    name: r.name,
    ...(path !== r.name ? { path } : {}),
    ...(r.source !== undefined && r.source !== path ? { source: r.source } : {}),
    ...(r.version !== defaults.version || (pinNotApplicable && r.version === NOT_APPLICABLE)
      ? { version: r.version }
      : {}),
    ...(r.size !== undefined ? { size: r.size } : {}),
    ...(r.date !== defaults.date ? { date: r.date } : {}),
    ...(r.time !== defaults.time ? { time: r.time } : {}),
    ...(r.platform !== defaults.platform ? { platform: r.platform } : {}),
    ...(r.description ? { description: r.description } : {}),
  };
}
