/** Read every attribute the KB table and the verifier need from a file's bytes. */
import { NOT_APPLICABLE, Platform } from "../manifest/types.js";
import { InputError } from "../util/errors.js";
import { openInputFile } from "../util/fs.js";
import { peChecksum } from "./checksum.js";
import { DOS_MAGIC } from "./constants.js";
import { certificateTable, parsePeHeaders } from "./headers.js";
import { platformOfMachine } from "./platform.js";
import { findVersionResources, preferredVersionResource } from "./resources.js";
import type { PeInfo } from "./types.js";
import { parseVersionInfo } from "./version-info.js";

/**
 * Inspect a file's bytes. A file that is not a PE gives isPe false and Not Applicable; a
 * damaged PE throws an InputError naming `label` and the byte offset.
 */
export function inspectPe(bytes: Uint8Array, label = "input"): PeInfo {
  return readPeInfo(bytes, label, true);
}

/** inspectPe, optionally without the checksum pass over the whole file. */
export function readPeInfo(bytes: Uint8Array, label: string, withChecksum: boolean): PeInfo {
  const h = parsePeHeaders(bytes, label);
  if (!h) {
    return {
      size: bytes.length,
      isPe: false,
      platform: Platform.notApplicable,
      fileVersion: NOT_APPLICABLE,
      strings: {},
      signed: false,
    };
  }
  const res = preferredVersionResource(findVersionResources(bytes, h, label));
  const version = res ? parseVersionInfo(bytes, res.offset, res.size, label) : undefined;
  const info: PeInfo = {
    size: bytes.length,
    isPe: true,
    machine: h.machine,
    platform: platformOfMachine(h.machine),
    fileVersion: version?.fixed?.fileVersion ?? NOT_APPLICABLE,
    strings: { ...(version?.stringTables[0]?.strings ?? {}) },
    stringTables: (version?.stringTables ?? []).map((t) => ({ ...t, strings: { ...t.strings } })),
    signed: certificateTable(h) !== undefined,
    ...(withChecksum
      ? { checksum: { stored: h.checksum, computed: peChecksum(bytes, h.checksumOffset) } }
      : {}),
    timeDateStamp: h.timeDateStamp,
  };
  if (version?.fixed) info.productVersion = version.fixed.productVersion;
  return info;
}

/**
 * Inspect a file on disk; a missing or unreadable file is an InputError. Only a file that
 * starts with "MZ" is read whole: a multi-gigabyte .cab costs two bytes and a stat.
 */
export async function inspectFile(path: string): Promise<PeInfo> {
  let bytes: Uint8Array;
  try {
    const handle = await openInputFile(path, "a file to inspect");
    try {
      const { size } = await handle.stat();
      const head = new Uint8Array(2);
      const { bytesRead } = await handle.read(head, 0, 2, 0);
      if (bytesRead < 2 || (head[0]! | (head[1]! << 8)) !== DOS_MAGIC) {
        return { path, ...inspectPe(head.subarray(0, bytesRead), path), size };
      }
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return { path, ...inspectPe(bytes, path) };
}
