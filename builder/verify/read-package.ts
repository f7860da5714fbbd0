/**
 * Read a package (.exe with its cabinet, or a .cab) back: every file's stored fields,
 * the cabinet's checksums (checked while extracting; on damage the reader's test names
 * the files), and the PE facts of every file's bytes, extracted into a private temporary
 * folder (removed afterwards).
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromDosDateTime } from "../cab/format/dostime.js";
import { NOT_APPLICABLE } from "../manifest/types.js";
import type { PeFacts, Toolkit } from "../pipeline/toolkit.js";
import { digestFile } from "../util/fs.js";
import type { PackageEntry } from "./compare.js";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Raw DOS fields as the manifest writes them: YYYY-MM-DD and HH:MM:SS. */
export function dosFields(date: number, time: number): { date: string; time: string } {
  const t = fromDosDateTime({ date, time });
  return {
    date: `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`,
    time: `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`,
  };
}

export interface ReadPackageOptions {
  /** Called after each file is read back. */
  readonly onFile?: (name: string, bytes: number) => void;
  /** Where the private extraction folder goes (default: the system's temporary folder). */
  readonly workDir?: string;
  /** Take every file's SHA-256 (verify compares them with what was built). */
  readonly digests?: boolean;
}

export async function readPackage(
  path: string,
  toolkit: Pick<Toolkit, "openPackage" | "inspect">,
  opts: ReadPackageOptions = {},
): Promise<PackageEntry[]> {
  const cab = await toolkit.openPackage(path);
  const tmp = await mkdtemp(join(opts.workDir ?? tmpdir(), "cabwright-verify-"));
  try {
    const errors = new Map<number, string>();
    let paths: readonly (string | undefined)[];
    try {
      // Every block checksum is checked as the folders decode: one pass when all is well.
      paths = await cab.extractAll(join(tmp, "all"));
    } catch (err) {
      if (!isCabError(err)) throw err;
      // Damaged: the reader's test pins the damage to files; extract the intact ones.
      const test = await cab.test();
      cab.files.forEach((entry, i) => {
        const t = test.files[i];
        if (t && t.name === entry.name && !t.ok) errors.set(i, firstLine(t.error ?? "damaged"));
      });
      if (errors.size === 0) {
        // A damage the test did not pin to a file: every file is suspect.
        const why = firstLine(test.errors[0] ?? (err as Error).message);
        for (const i of cab.files.keys()) errors.set(i, why);
      }
      paths = await cab.extractAll(join(tmp, "intact"), (i) => !errors.has(i));
    }
    const out: PackageEntry[] = [];
    for (const [i, entry] of cab.files.entries()) {
      const readError = errors.get(i);
      const file = paths[i];
      let pe: PeFacts | undefined;
      let sha256: string | undefined;
      if (readError === undefined && file !== undefined) {
        pe = await toolkit.inspect(file);
        const size = (await stat(file)).size;
        if (size !== entry.size) errors.set(i, `${size} bytes read back`);
        if (opts.digests) sha256 = (await digestFile(file)).sha256;
      }
      const strings = pe?.isPe ? pe.strings : undefined;
      const err = errors.get(i);
      out.push({
        path: entry.name.replace(/\\/g, "/"),
        size: entry.size,
        ...dosFields(entry.date, entry.time),
        version: pe?.isPe && pe.fileVersion ? pe.fileVersion : NOT_APPLICABLE,
        platform: pe?.isPe && pe.platform ? pe.platform : NOT_APPLICABLE,
        ...(err !== undefined ? { readError: err } : {}),
        ...(sha256 !== undefined ? { sha256 } : {}),
        ...(strings?.FileVersion !== undefined ? { fileVersionString: strings.FileVersion } : {}),
        ...(strings?.ProductVersion !== undefined
          ? { productVersionString: strings.ProductVersion }
          : {}),
      });
      opts.onFile?.(entry.name, entry.size);
    }
    return out;
  } finally {
    await cab.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The cab library's error (bad data), matched by name as main.ts does. */
function isCabError(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as Error).name === "CabError";
}

function firstLine(s: string): string {
  return s.split("\n")[0]!;
}
