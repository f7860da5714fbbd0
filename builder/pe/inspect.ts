/** Read every attribute the KB table and the verifier need from a file's bytes. */
import { NOT_APPLICABLE, Platform } from "../manifest/types.js";
import { peChecksum } from "./checksum.js";
import { asSource, certificateTable, type PeInput, readPeHeaders } from "./headers.js";
import { platformOfMachine } from "./platform.js";
import { findVersionResources, preferredVersionResource } from "./resources.js";
import { withFileSource } from "./source.js";
import type { PeInfo } from "./types.js";
import { parseVersionInfo } from "./version-info.js";

/**
 * Inspect a file's bytes. A file that is not a PE gives isPe false and Not Applicable; a
 * damaged PE throws an InputError naming `label` and the byte offset.
 */
export function inspectPe(bytes: Uint8Array, label = "input"): PeInfo {
  return readPeInfo(bytes, label, true);
}

/**
 * inspectPe, optionally without the checksum pass over the whole file. From a file it reads
 * the headers and the resource section (and, for the checksum, the file in chunks).
 */
export function readPeInfo(input: PeInput, label: string, withChecksum: boolean): PeInfo {
  const src = asSource(input, label);
  const h = readPeHeaders(src);
  if (!h) {
    return {
      size: src.size,
      isPe: false,
      platform: Platform.notApplicable,
      fileVersion: NOT_APPLICABLE,
      strings: {},
      signed: false,
    };
  }
  const res = preferredVersionResource(findVersionResources(src, h, label));
  const version = res ? parseVersionInfo(src, res.offset, res.size, label) : undefined;
  const info: PeInfo = {
    size: src.size,
    isPe: true,
    machine: h.machine,
    platform: platformOfMachine(h.machine),
    fileVersion: version?.fixed?.fileVersion ?? NOT_APPLICABLE,
    strings: { ...(version?.stringTables[0]?.strings ?? {}) },
    stringTables: (version?.stringTables ?? []).map((t) => ({ ...t, strings: { ...t.strings } })),
    signed: certificateTable(h) !== undefined,
    ...(withChecksum
      ? { checksum: { stored: h.checksum, computed: peChecksum(src, h.checksumOffset) } }
      : {}),
    timeDateStamp: h.timeDateStamp,
  };
  if (version?.fixed) info.productVersion = version.fixed.productVersion;
  return info;
}

/**
 * Inspect a file on disk; a missing or unreadable file is an InputError. It is read where
 * it lies: the headers and the resource section, and the file in chunks for the checksum,
 * so a file of any size costs a few megabytes; a .cab costs a few bytes.
 */
export async function inspectFile(path: string): Promise<PeInfo> {
  return withFileSource(
    path,
    (src) => ({ path, ...readPeInfo(src, path, true) }),
    "a file to inspect",
  );
}

/** What a PE's headers alone say: enough to check a drop file's kind and platform. */
export interface PeHeadFacts {
  readonly size: number;
  readonly isPe: boolean;
  readonly machine?: number;
  readonly platform: Platform;
  /** Whether an Authenticode certificate table is present (from the data directories). */
  readonly signed: boolean;
}

/**
 * The headers of a file on disk, read with a few small reads (collect's check of every drop
 * file costs kilobytes, not the file): its kind, platform and certificate table. A damaged
 * header is an InputError naming the file and the byte offset, as inspectFile's.
 */
export async function inspectFileHeaders(path: string): Promise<PeHeadFacts> {
  return withFileSource(
    path,
    (src) => {
      const h = readPeHeaders(src);
      if (!h)
        return { size: src.size, isPe: false, platform: Platform.notApplicable, signed: false };
      return {
        size: src.size,
        isPe: true,
        machine: h.machine,
        platform: platformOfMachine(h.machine),
        signed: certificateTable(h) !== undefined,
      };
    },
    "a file to inspect",
  );
}
