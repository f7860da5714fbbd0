/**
 * Read a package (.exe with its cabinet, or a .cab) back: every file's stored fields,
 * the cabinet's checksums (checked while decoding; on damage the reader's test names the
 * files), and the PE facts and SHA-256 of every file's bytes.
 *
 * One decode, in memory: each file's bytes are decoded once, in the cabinet's order, and
 * everything that reads them (the digest, the PE reader, the signature check through
 * `examine`) reads them there; nothing is written to disk. A file larger than
 * IN_MEMORY_FILE_LIMIT is streamed instead: hashed on the way and, when it is a PE, copied
 * into a private temporary folder (removed afterwards) to be read from there.
 */
import { createHash, type Hash } from "node:crypto";
import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromDosDateTime } from "@cabwright/cab";
import { NOT_APPLICABLE } from "../manifest/types.js";
import { DOS_MAGIC } from "../pe/constants.js";
import type { CabEntry, OpenedCabinet, PeFacts, Toolkit } from "../pipeline/toolkit.js";
import type { PackageEntry } from "./compare.js";

/**
 * The largest file read back in memory (64 MiB). verify holds one file at a time, so this
 * bounds what it holds; a larger file costs nothing (only hashed) or, a PE, a temporary
 * copy that the PE reader (inspectFile) and the signature check (signatures.ts) read where
 * it lies: the headers, the resource section, the certificate table, digests in chunks.
 */
export const IN_MEMORY_FILE_LIMIT = 64 * 1048576;

/** A large file's pieces are gathered to this size before each write of its copy. */
const COPY_WRITE_BYTES = 1 << 20;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Raw DOS fields as the manifest writes them: YYYY-MM-DD and HH:MM:SS. */
export function dosFields(date: number, time: number): { date: string; time: string } {
  const t = fromDosDateTime({ date, time });
  return {
    date: `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`,
    time: `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`,
  };
}

/**
 * A file's bytes as read back: in memory, or (a PE over IN_MEMORY_FILE_LIMIT) a temporary
 * copy; undefined for a large file that is not a PE (only hashed).
 */
export type ReadBack = { readonly bytes: Uint8Array } | { readonly path: string } | undefined;

export interface ReadPackageOptions {
  /** Called after each file is read back. */
  readonly onFile?: (name: string, bytes: number) => void;
  /** Where a large PE's temporary copy goes (default: the system's temporary folder). */
  readonly workDir?: string;
  /** Take every file's SHA-256 (verify compares them with what was built). */
  readonly digests?: boolean;
  /**
   * Called with each intact file's bytes while they are held (verify's signature check;
   * the bytes are valid during the call only: the next file is read into the same buffer);
   * `damaged` is called instead, once, when the cabinet turns out damaged.
   */
  readonly examine?: (index: number, entry: CabEntry, file: ReadBack) => Promise<void> | void;
  readonly damaged?: () => void;
  /** Default IN_MEMORY_FILE_LIMIT (tests lower it to take the streamed path). */
  readonly inMemoryLimit?: number;
}

interface FileRead {
  readonly pe: PeFacts;
  readonly size: number;
  readonly sha256?: string;
}

export async function readPackage(
  path: string,
  toolkit: Pick<Toolkit, "openPackage" | "inspect" | "inspectBytes">,
  opts: ReadPackageOptions = {},
): Promise<PackageEntry[]> {
  const cab = await toolkit.openPackage(path);
  let tmp: string | undefined;
  const workDir = async () => {
    tmp ??= await mkdtemp(join(opts.workDir ?? tmpdir(), "cabwright-verify-"));
    return tmp;
  };
  try {
    /** One buffer for the files read back in memory, grown to the largest (no garbage per file). */
    const buffer = { bytes: new Uint8Array(0) };
    const errors = new Map<number, string>();
    const read = new Map<number, FileRead>();
    const readOne = async (i: number) => {
      read.set(i, await readFile(cab, i, toolkit, opts, workDir, buffer));
    };
    try {
      // Every block checksum is checked as the folders decode: one pass when all is well.
      for (const i of cab.files.keys()) await readOne(i);
    } catch (err) {
      if (!isCabError(err)) throw err;
      opts.damaged?.();
      // Damaged: the reader's test pins the damage to files; read the intact ones.
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
      for (const i of cab.files.keys()) {
        if (read.has(i) || errors.has(i)) continue;
        try {
          await readOne(i);
        } catch (e) {
          if (!isCabError(e)) throw e;
          errors.set(i, firstLine((e as Error).message));
        }
      }
    }
    const out: PackageEntry[] = [];
    for (const [i, entry] of cab.files.entries()) {
      const got = read.get(i);
      if (got && got.size !== entry.size && !errors.has(i)) {
        errors.set(i, `${got.size} bytes read back`);
      }
      const err = errors.get(i);
      const r = err === undefined ? got : undefined;
      const pe = r?.pe;
      const strings = pe?.isPe ? pe.strings : undefined;
      out.push({
        path: entry.name.replace(/\\/g, "/"),
        size: entry.size,
        ...dosFields(entry.date, entry.time),
        version: pe?.isPe && pe.fileVersion ? pe.fileVersion : NOT_APPLICABLE,
        platform: pe?.isPe && pe.platform ? pe.platform : NOT_APPLICABLE,
        ...(err !== undefined ? { readError: err } : {}),
        ...(r?.sha256 !== undefined ? { sha256: r.sha256 } : {}),
        ...(strings?.FileVersion !== undefined ? { fileVersionString: strings.FileVersion } : {}),
        ...(strings?.ProductVersion !== undefined
          ? { productVersionString: strings.ProductVersion }
          : {}),
      });
    }
    return out;
  } finally {
    await cab.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

/** One file read back: its bytes decoded once, hashed, inspected and examined. */
async function readFile(
  cab: OpenedCabinet,
  i: number,
  toolkit: Pick<Toolkit, "inspect" | "inspectBytes">,
  opts: ReadPackageOptions,
  workDir: () => Promise<string>,
  buffer: { bytes: Uint8Array },
): Promise<FileRead> {
  const entry = cab.files[i]!;
  const hash = opts.digests ? createHash("sha256") : undefined;
  let r: FileRead;
  if (entry.size <= (opts.inMemoryLimit ?? IN_MEMORY_FILE_LIMIT)) {
    // Valid while this file is read: the digest, the PE reader and examine are done with it
    // before the next file is decoded into the same buffer.
    if (buffer.bytes.length < entry.size) buffer.bytes = new Uint8Array(entry.size);
    const bytes = buffer.bytes.subarray(0, entry.size);
    let size = 0;
    for await (const piece of cab.read(i)) {
      if (size + piece.length <= bytes.length) bytes.set(piece, size);
      size += piece.length;
    }
    const held = size === entry.size ? bytes : undefined;
    if (held) hash?.update(held);
    const pe = held ? toolkit.inspectBytes(held, entry.name) : { size, isPe: false, signed: false };
    r = { pe, size, ...digest(hash) };
    if (held) await opts.examine?.(i, entry, { bytes: held });
  } else r = await readLarge(cab, i, entry, toolkit, hash, opts, workDir);
  opts.onFile?.(entry.name, entry.size);
  return r;
}

/** A file over IN_MEMORY_FILE_LIMIT: streamed, hashed; a PE is copied to be inspected. */
async function readLarge(
  cab: OpenedCabinet,
  i: number,
  entry: CabEntry,
  toolkit: Pick<Toolkit, "inspect">,
  hash: Hash | undefined,
  opts: ReadPackageOptions,
  workDir: () => Promise<string>,
): Promise<FileRead> {
  let size = 0;
  let copy: { path: string; fh: FileHandle } | undefined;
  let isMz: boolean | undefined;
  // The copy's pieces gathered into one buffer, written when full (no garbage per piece).
  const pending = new Uint8Array(COPY_WRITE_BYTES);
  let pendingBytes = 0;
  const flush = async () => {
    if (copy && pendingBytes > 0) await copy.fh.write(pending, 0, pendingBytes);
    pendingBytes = 0;
  };
  try {
    for await (const piece of cab.read(i)) {
      if (isMz === undefined) {
        // The PE reader needs random access to the file; anything else is only hashed.
        isMz = piece.length >= 2 && (piece[0]! | (piece[1]! << 8)) === DOS_MAGIC;
        if (isMz) {
          const p = join(await workDir(), `large-${i}`);
          copy = { path: p, fh: await open(p, "wx") };
        }
      }
      hash?.update(piece);
      size += piece.length;
      if (!copy) continue;
      for (let at = 0; at < piece.length; ) {
        const n = Math.min(piece.length - at, COPY_WRITE_BYTES - pendingBytes);
        pending.set(piece.subarray(at, at + n), pendingBytes);
        pendingBytes += n;
        at += n;
        if (pendingBytes === COPY_WRITE_BYTES) await flush();
      }
    }
    await flush();
  } finally {
    await copy?.fh.close();
  }
  const pe: PeFacts = copy
    ? await toolkit.inspect(copy.path)
    : { size, isPe: false, signed: false };
  await opts.examine?.(i, entry, copy ? { path: copy.path } : undefined);
  if (copy) await rm(copy.path, { force: true });
  return { pe, size, ...digest(hash) };
}

function digest(hash: Hash | undefined): { sha256?: string } {
  return hash ? { sha256: hash.digest("hex") } : {};
}

/** The cab library's error (bad data), matched by name as main.ts does. */
function isCabError(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as Error).name === "CabError";
}

function firstLine(s: string): string {
  return s.split("\n")[0]!;
}
