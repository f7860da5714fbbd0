/**
 * Verify, the pure part: a package's files as read back, against the manifest.
 * Every difference is one Mismatch (file, field, expected, found); none means it holds.
 */
import type { Manifest, TableRow } from "../manifest/types.js";

/** One file as found inside a package (cabinet fields decoded; PE facts read from its bytes). */
export interface PackageEntry {
  /** As stored in the cabinet, with "\" turned into "/". */
  readonly path: string;
  readonly size: number;
  /** From the stored DOS fields: YYYY-MM-DD and HH:MM:SS. */
  readonly date: string;
  readonly time: string;
  /** The PE's file version, or "Not Applicable". */
  readonly version: string;
  /** The PE's machine as a platform, or "Not Applicable". */
  readonly platform: string;
  /** A problem reading the file's data back (a bad checksum, a truncated block). */
  readonly readError?: string;
  /** SHA-256 of the bytes read back (when verify asked for digests and they could be read). */
  readonly sha256?: string;
  /** The version resource's FileVersion and ProductVersion strings, when present. */
  readonly fileVersionString?: string;
  readonly productVersionString?: string;
}

export const MismatchField = {
  presence: "presence",
  name: "name",
  path: "path",
  version: "version",
  size: "size",
  date: "date",
  time: "time",
  platform: "platform",
  data: "data",
  /** Two entries of the cabinet have the same path (compared without case). */
  duplicate: "duplicate",
  /** The StringFileInfo FileVersion / ProductVersion disagree with the manifest. */
  fileVersionString: "fileVersionString",
  productVersionString: "productVersionString",
  /** A file's bytes are not the ones built (the build record's or the staged file's SHA-256). */
  sha256: "sha256",
  /** What the stub checks before extracting: package header, payload CRC-32. */
  packageHeader: "packageHeader",
  payloadCrc: "payloadCrc",
  /** The cabinet's or the executable's SHA-256 against the build record. */
  cabinetSha256: "cabinetSha256",
  executableSha256: "executableSha256",
  /** The install plan the package carries cannot be read (its CRC or a field is bad). */
  installPlan: "installPlan",
  signature: "signature",
} as const;
export type MismatchField = (typeof MismatchField)[keyof typeof MismatchField];

export interface Mismatch {
  /** The file's path in the package (or in the manifest when it is missing). */
  readonly path: string;
  readonly field: MismatchField;
  readonly expected: string;
  readonly found: string;
}

/** "18:08" -> "18:08:00" (the manifest may leave seconds out; the cabinet stores them). */
export function fullTime(time: string): string {
  return time.length === 5 ? `${time}:00` : time;
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function compareWithManifest(
  manifest: Manifest,
  entries: readonly PackageEntry[],
): Mismatch[] {
  const out: Mismatch[] = [];
  const byPath = new Map<string, PackageEntry>();
  for (const e of entries) byPath.set(e.path.toLowerCase(), e);
  const expectedPaths = new Set<string>();
  for (const f of manifest.files) {
    const key = f.path.toLowerCase();
    expectedPaths.add(key);
    const e = byPath.get(key);
    if (!e) {
      out.push({ path: f.path, field: "presence", expected: "present", found: "absent" });
      continue;
    }
    const check = (field: MismatchField, expected: string, found: string) => {
      if (expected !== found) out.push({ path: e.path, field, expected, found });
    };
    check("name", f.name, baseName(e.path));
    check("path", f.path, e.path);
    if (e.readError !== undefined) {
      out.push({ path: e.path, field: "data", expected: "intact", found: e.readError });
    }
    // Unreadable data has no version or platform to compare: "data" already says why.
    if (e.readError === undefined) check("version", f.version, e.version);
    if (f.size !== undefined) check("size", String(f.size), String(e.size));
    check("date", f.date, e.date);
    check("time", fullTime(f.time), e.time);
    if (e.readError === undefined) check("platform", f.platform, e.platform);
  }
  for (const e of entries) {
    if (!expectedPaths.has(e.path.toLowerCase())) {
      out.push({ path: e.path, field: "presence", expected: "absent", found: "present" });
    }
  }
  return out;
}

/** The package's own KB table rows, in cabinet order. */
export function packageTableRows(entries: readonly PackageEntry[]): TableRow[] {
  return entries.map((e) => ({
    name: baseName(e.path),
    path: e.path,
    version: e.version,
    size: e.size,
    date: e.date,
    time: e.time,
    platform: e.platform as TableRow["platform"],
  }));
}

/** One line per mismatch: "Foo.dll: version: expected 1.2.3.4, found 1.2.3.0". */
export function formatMismatch(m: Mismatch): string {
  return `${m.path}: ${m.field}: expected ${m.expected}, found ${m.found}`;
}
