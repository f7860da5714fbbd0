/**
 * Two build drops that differ in known ways, for the diff tests: real mingw-w64 programs
 * (versions compiled in with windres) and a data file, with a manifest per drop and a
 * hand-made build record per drop (until `cabwright build` writes real ones).
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DiffResult, DiffSide } from "../../builder/diff/types.js";
import { neutralDigest } from "../../builder/pe/neutral.js";
import { BUILD_RECORD_SCHEMA, type BuildRecord } from "../../builder/pipeline/record.js";
import { buildVersionedPe } from "./versioned-pe.js";

export const PACKAGE_VERSION = "10.2.952.0";

export interface DropFile {
  readonly name: string;
  /** Undefined: a data file (not a PE). */
  readonly version?: string;
  /** Varies the program's code; a data file's size in bytes. */
  readonly variant: number;
}

/** Drop A and drop B: what changes between them, file by file. */
export const DROP_A: readonly DropFile[] = [
  { name: "Same.exe", version: "10.2.952.0", variant: 0 },
  { name: "Bump.exe", version: "10.2.950.0", variant: 1 },
  { name: "Restamp.exe", version: "10.2.950.0", variant: 2 },
  { name: "Rebuilt.exe", version: "10.2.952.0", variant: 3 },
  { name: "Back.exe", version: "10.2.952.0", variant: 4 },
  { name: "Grown.dat", variant: 1000 },
  { name: "Gone.exe", version: "10.2.952.0", variant: 5 },
];
export const DROP_B: readonly DropFile[] = [
  { name: "Same.exe", version: "10.2.952.0", variant: 0 },
  // a version bump with new code: changed, no finding
  { name: "Bump.exe", version: "10.2.952.0", variant: 11 },
  // a version bump of the very same code: version-only-change
  { name: "Restamp.exe", version: "10.2.952.0", variant: 2 },
  // new code, same version: rebuilt-without-version-bump
  { name: "Rebuilt.exe", version: "10.2.952.0", variant: 13 },
  // a backwards version: version-backwards, and stale against the package version
  { name: "Back.exe", version: "10.2.940.0", variant: 14 },
  // a data file that grew: a size change, no finding
  { name: "Grown.dat", variant: 1500 },
  // an added file (and Gone.exe removed)
  { name: "New.exe", version: "10.2.952.0", variant: 6 },
];

const programSource = (variant: number) => `#include <stdio.h>
int main(void) { puts("cabwright diff fixture, variant ${variant}"); return ${variant}; }
`;

export const DATE = "2010-06-29";
export const TIME = "18:08";

/**
 * Write a drop into `dir` and return its manifest path. `sizes` false leaves sizes out of
 * the manifest (a build enforces declared sizes, and stamping may change them).
 */
export async function writeDrop(
  dir: string,
  files: readonly DropFile[],
  opts: { sizes?: boolean } = {},
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const entries: string[] = [];
  for (const f of files) {
    if (f.version === undefined) {
      await writeFile(join(dir, f.name), Buffer.alloc(f.variant, "d"));
    } else {
      await buildVersionedPe(dir, {
        name: f.name,
        arch: "x86",
        version: f.version,
        source: programSource(f.variant),
      });
    }
    const size = (await readFile(join(dir, f.name))).length;
    entries.push(
      [
        `  - name: ${f.name}`,
        `    version: ${f.version ?? "Not Applicable"}`,
        ...(opts.sizes === false ? [] : [`    size: ${size}`]),
        ...(f.version === undefined ? ["    platform: Not Applicable"] : []),
      ].join("\n"),
    );
  }
  const manifest = join(dir, "drop.yaml");
  await writeFile(
    manifest,
    `package:
  name: drop
  title: Diff fixture
  product: Fixture
  version: ${PACKAGE_VERSION}
  company: C
  copyright: X
defaults:
  date: ${DATE}
  time: "${TIME}"
  platform: x86
files:
${entries.join("\n")}
`,
  );
  return manifest;
}

/** A build record for a drop, as `cabwright build` would write it (no stamping). */
export async function writeRecord(dir: string, files: readonly DropFile[]): Promise<string> {
  const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
  const recordFiles = [];
  for (const f of files) {
    const bytes = await readFile(join(dir, f.name));
    const digests = { size: bytes.length, sha256: sha(bytes) };
    const neutral = neutralDigest(bytes);
    recordFiles.push({
      name: f.name,
      path: f.name,
      version: f.version ?? "Not Applicable",
      size: bytes.length,
      date: DATE,
      time: TIME,
      platform: f.version === undefined ? "Not Applicable" : "x86",
      stamp: false,
      source: f.name,
      before: digests,
      after: digests,
      ...(neutral ? { neutralSha256: neutral } : {}),
      signed: false,
    } as const);
  }
  const record: BuildRecord = {
    schema: BUILD_RECORD_SCHEMA,
    tool: {
      name: "cabwright",
      version: "0.0.0-test",
      compressor: { name: "none", version: "0" },
    },
    manifest: { path: "drop.yaml", sha256: "0".repeat(64) },
    package: {
      name: "drop",
      title: "Diff fixture",
      product: "Fixture",
      version: PACKAGE_VERSION,
      company: "C",
      copyright: "X",
      platform: "x86",
      restart: "not-required",
      compression: "mszip",
      compressionLevel: "fast",
    },
    files: recordFiles,
    cabinet: { name: "drop.cab", size: 0, sha256: "0".repeat(64), compression: "none" },
    executable: {
      name: "drop.exe",
      size: 0,
      sha256: "0".repeat(64),
      stub: { platform: "x86", sha256: "0".repeat(64) },
    },
  };
  const path = join(dir, "drop.build.json");
  await writeFile(path, `${JSON.stringify(record, null, 2)}\n`);
  return path;
}

/** What each side of a pairing can see. */
export interface Visibility {
  /** Both sides know SHA-256 (and neutral digests): build records and packages. */
  readonly content: boolean;
  /** Both sides know sizes, and whether each file's size differs between the drops. */
  readonly sizeChanged: (name: string) => boolean;
}

/** What diff must report between drop A and drop B, given what the two sides can see. */
export function expectedDiff({ content, sizeChanged }: Visibility) {
  const fields = (name: string, base: string[]) =>
    [...base, ...(sizeChanged(name) ? ["size"] : []), ...(content ? ["sha256"] : [])].filter(
      (f, i, all) => all.indexOf(f) === i,
    );
  const changed: Record<string, string[]> = {
    "Bump.exe": fields("Bump.exe", ["version"]),
    "Restamp.exe": fields("Restamp.exe", ["version"]),
    "Rebuilt.exe": fields("Rebuilt.exe", []),
    "Back.exe": fields("Back.exe", ["version"]),
    "Grown.dat": fields("Grown.dat", []),
  };
  for (const [k, v] of Object.entries(changed)) if (v.length === 0) delete changed[k];
  const findings = [
    ...(content ? ["version-only-change Restamp.exe"] : []),
    ...(content || sizeChanged("Rebuilt.exe") ? ["rebuilt-without-version-bump Rebuilt.exe"] : []),
    "version-backwards Back.exe",
    "stale-version Back.exe",
    // Gone.exe is in A and not in B.
    "dropped-file Gone.exe",
  ];
  return { added: ["New.exe"], removed: ["Gone.exe"], changed, findings };
}

const FIELD_ORDER = ["version", "size", "date", "time", "platform", "sha256", "signed"];

/** The parts of a result expectedDiff describes. */
export function observedDiff(r: DiffResult) {
  return {
    added: r.added.map((f) => f.path),
    removed: r.removed.map((f) => f.path),
    changed: Object.fromEntries(
      r.changed.map((c) => [
        c.path,
        Object.keys(c.fields).sort((x, y) => FIELD_ORDER.indexOf(x) - FIELD_ORDER.indexOf(y)),
      ]),
    ),
    findings: r.findings.map((f) => `${f.rule} ${f.path}`),
  };
}

/** The four forms one drop is diffed in: its manifest, build record, cabinet and .exe. */
export type SideForm = "manifest" | "build-record" | "cab" | "exe";
export const SIDE_FORMS: readonly SideForm[] = ["manifest", "build-record", "cab", "exe"];
/** Only the manifest form knows no content digests. */
export const hasContent = (form: SideForm): boolean => form !== "manifest";

/** One drop in every form, with the shipped sizes (from its build record). */
export interface DropSides {
  readonly sides: Record<SideForm, DiffSide>;
  readonly sizes: Map<string, number>;
}
