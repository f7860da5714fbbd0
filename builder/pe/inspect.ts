/** Read every attribute the KB table and the verifier need from a file's bytes. */
import { readSync } from "node:fs";
import { NOT_APPLICABLE, Platform } from "../manifest/types.js";
import { InputError } from "../util/errors.js";
import { openInputFile } from "../util/fs.js";
import { peChecksum } from "./checksum.js";
import { DOS_MAGIC } from "./constants.js";
import { certificateTable, type PeSource, parsePeHeaders, readPeHeaders } from "./headers.js";
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
  let handle: Awaited<ReturnType<typeof openInputFile>>;
  try {
    handle = await openInputFile(path, "a file to inspect");
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  try {
    const { size } = await handle.stat();
    // The headers are near the start: one read of the first 4 KiB serves them in the common
    // case; a read past it (a far e_lfanew, a long section table) goes to the file.
    const head = new Uint8Array(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const fd = handle.fd;
    const src: PeSource = {
      name: path,
      size,
      read(offset, length) {
        const end = Math.min(size, offset + length);
        if (end <= bytesRead) return head.subarray(offset, end);
        const buf = new Uint8Array(Math.max(0, end - offset));
        let got = 0;
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        return buf.subarray(0, got);
      },
    };
    const h = readPeHeaders(src);
    if (!h) return { size, isPe: false, platform: Platform.notApplicable, signed: false };
    return {
      size,
      isPe: true,
      machine: h.machine,
      platform: platformOfMachine(h.machine),
      signed: certificateTable(h) !== undefined,
    };
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? err}`);
  } finally {
    await handle.close();
  }
}

/** The bytes inspectFileHeaders reads first (a PE's headers are rarely longer). */
const HEAD_BYTES = 4096;
