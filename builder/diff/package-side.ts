/**
 * A package (.cab, or an .exe with its cabinet inside) as a diff side: every file's bytes
 * are streamed once, hashed, and, for a PE, inspected (version, platform, signature) and
 * given its neutral digest. Memory stays bounded by the largest single PE file (its
 * headers and resources need random access); other files are only hashed as they stream.
 */
import { createHash } from "node:crypto";
import { fromDosDateTime } from "../cab/dostime.js";
import { NOT_APPLICABLE, Platform } from "../manifest/types.js";
import { InputError } from "../util/errors.js";
import { neutralDigest } from "./neutral.js";
import { readPeFacts } from "./pe-facts.js";
import { type DiffSide, type FileFacts, SideKind } from "./types.js";

/** One file of a package, as the cabinet lists it; `open` streams its bytes. */
export interface PackageEntry {
  /** Path inside the cabinet (either slash). */
  readonly path: string;
  readonly size: number;
  /** Raw CFFILE.date / CFFILE.time (UTC, as cabwright writes them). */
  readonly dosDate: number;
  readonly dosTime: number;
  open(): AsyncIterable<Uint8Array>;
}

/** A PE larger than this is not held for inspection (no hotfix binary comes close). */
export const MAX_INSPECTED_PE_BYTES = 1 << 30;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** "YYYY-MM-DD" and "HH:MM:SS" of the stored DOS fields. */
export function dosFields(dosDate: number, dosTime: number): { date: string; time: string } {
  const t = fromDosDateTime({ date: dosDate, time: dosTime });
  return {
    date: `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`,
    time: `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`,
  };
}

/** Stream one entry: SHA-256 of every byte; a PE is also kept whole and inspected. */
export async function entryFacts(label: string, entry: PackageEntry): Promise<FileFacts> {
  const path = entry.path.replaceAll("\\", "/");
  const hash = createHash("sha256");
  let chunks: Uint8Array[] | undefined = [];
  let size = 0;
  let first: number[] = [];
  for await (const chunk of entry.open()) {
    hash.update(chunk);
    size += chunk.length;
    if (first.length < 2) first = [...first, ...chunk.subarray(0, 2 - first.length)];
    if (chunks) {
      const maybePe = first.length < 2 || (first[0] === 0x4d && first[1] === 0x5a);
      if (!maybePe) chunks = undefined;
      else if (size > MAX_INSPECTED_PE_BYTES) {
        throw new InputError(
          `${label}: ${path}: over ${MAX_INSPECTED_PE_BYTES} bytes, too large to inspect as a PE`,
        );
      } else chunks.push(chunk);
    }
  }
  if (size !== entry.size) {
    throw new InputError(`${label}: ${path}: the cabinet lists ${entry.size} bytes but holds ${size}`);
  }
  const bytes = chunks ? Buffer.concat(chunks) : undefined;
  const pe = bytes ? readPeFacts(bytes) : undefined;
  const neutral = bytes && pe ? neutralDigest(bytes) : undefined;
  return {
    path,
    name: path.slice(path.lastIndexOf("/") + 1),
    version: pe?.version ?? NOT_APPLICABLE,
    size,
    ...dosFields(entry.dosDate, entry.dosTime),
    platform: pe?.platform ?? Platform.notApplicable,
    sha256: hash.digest("hex"),
    ...(neutral !== undefined ? { neutralSha256: neutral } : {}),
    ...(pe ? { signed: pe.signed } : {}),
  };
}

/** A package side from its entries, read one after the other in cabinet order. */
export async function packageSideFromEntries(
  label: string,
  entries: Iterable<PackageEntry> | AsyncIterable<PackageEntry>,
  packageVersion?: string,
): Promise<DiffSide> {
  const files: FileFacts[] = [];
  for await (const e of entries) files.push(await entryFacts(label, e));
  return {
    kind: SideKind.package,
    label,
    ...(packageVersion !== undefined && packageVersion !== NOT_APPLICABLE ? { packageVersion } : {}),
    files,
  };
}

export async function loadPackageSide(file: string): Promise<DiffSide> {
  throw new InputError(`${file}: reading packages needs the cabinet reader`);
}
