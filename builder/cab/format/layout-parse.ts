/**
 * Pure parsers of the cabinet's binary structures ([MS-CAB] 2.2 - 2.5) from byte buffers.
 * No I/O: the caller reads the bytes (cabinet.ts) and passes them with the position they
 * came from, so every message can name the byte offset. Every count and offset is checked
 * against the bytes present; hostile input is normal input.
 */

import { compressionProblem } from "../read/decoder.js";
import {
  CAB_SIGNATURE,
  CFDATA_SIZE,
  CFFILE_SIZE,
  CFFOLDER_SIZE,
  CFHEADER_RESERVE_FIELDS_SIZE,
  CFHEADER_SIZE,
  FolderIndex,
  HeaderFlag,
  MAX_BLOCK_COMPRESSED,
  MAX_BLOCK_UNCOMPRESSED,
  MAX_HEADER_RESERVE,
  MAX_NAME_BYTES,
} from "./constants.js";
import { CabError } from "./errors.js";

/** Where bytes came from: the file's name for messages, and the file offset of buf[0]. */
export interface ParseContext {
  readonly file: string;
  /** File offset of the buffer's first byte. */
  readonly base: number;
  /** True when the buffer runs to the end of the file (running out means truncation). */
  readonly atEof: boolean;
}

export interface CabHeader {
  /** cbCabinet: the cabinet's size in bytes as stored. */
  readonly cabinetSize: number;
  /** coffFiles: offset of the first CFFILE from the cabinet's start. */
  readonly filesOffset: number;
  readonly versionMinor: number;
  readonly versionMajor: number;
  readonly folderCount: number;
  readonly fileCount: number;
  readonly flags: number;
  readonly setId: number;
  readonly cabinetIndex: number;
  readonly headerReserve: Uint8Array;
  readonly folderReserveSize: number;
  readonly dataReserveSize: number;
  readonly prevCabinet?: string;
  readonly prevDisk?: string;
  readonly nextCabinet?: string;
  readonly nextDisk?: string;
  /** Offset of the first CFFOLDER from the cabinet's start (the header's total size). */
  readonly foldersOffset: number;
}

export interface CabFolderRecord {
  /** coffCabStart: first CFDATA's offset from the cabinet's start. */
  readonly dataOffset: number;
  /** cCFData */
  readonly blockCount: number;
  readonly typeCompress: number;
  readonly reserve: Uint8Array;
}

export interface CabFileRecord {
  readonly size: number;
  readonly offsetInFolder: number;
  /** iFolder as stored, including the FolderIndex continuation values. */
  readonly folderIndex: number;
  readonly date: number;
  readonly time: number;
  readonly attributes: number;
  /** The name's bytes as stored, without the NUL. */
  readonly nameBytes: Uint8Array;
  /** Offset of this CFFILE from the cabinet's start. */
  readonly recordOffset: number;
}

export interface CabDataHeader {
  readonly checksum: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly reserve: Uint8Array;
}

export const hex = (n: number): string => `0x${n.toString(16)}`;

function u16(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}
function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

function need(buf: Uint8Array, pos: number, len: number, what: string, ctx: ParseContext): void {
  if (pos + len <= buf.length) return;
  const at = ctx.base + pos;
  throw new CabError(
    "invalid-data",
    ctx.atEof
      ? `${ctx.file}: ${what} at offset ${hex(at)} needs ${len} bytes; the file ends after ${Math.max(0, buf.length - pos)}`
      : `${ctx.file}: ${what} at offset ${hex(at)} runs past the ${buf.length}-byte region read for it`,
    { offset: at, file: ctx.file },
  );
}

/** A NUL-terminated string of at most 255 bytes (plus the NUL). */
export function readCString(
  buf: Uint8Array,
  pos: number,
  what: string,
  ctx: ParseContext,
): { bytes: Uint8Array; end: number } {
  const limit = Math.min(buf.length, pos + MAX_NAME_BYTES + 1);
  for (let i = pos; i < limit; i++) {
    if (buf[i] === 0) return { bytes: buf.subarray(pos, i), end: i + 1 };
  }
  const at = ctx.base + pos;
  if (limit === buf.length && limit < pos + MAX_NAME_BYTES + 1) {
    throw new CabError(
      "invalid-data",
      `${ctx.file}: ${what} at offset ${hex(at)} has no terminating NUL before the ${ctx.atEof ? "end of the file" : "end of the region read"}`,
      { offset: at, file: ctx.file },
    );
  }
  throw new CabError(
    "invalid-data",
    `${ctx.file}: ${what} at offset ${hex(at)} is longer than ${MAX_NAME_BYTES} bytes (no NUL)`,
    { offset: at, file: ctx.file },
  );
}

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

/** Bytes needed to be sure the whole CFHEADER (with its reserve and strings) is present. */
export const HEADER_READ_SIZE =
  CFHEADER_SIZE + CFHEADER_RESERVE_FIELDS_SIZE + 0xffff + 4 * (MAX_NAME_BYTES + 1);

/**
 * Bytes the whole CFHEADER can take, known from its fixed part (the first
 * CFHEADER_SIZE + CFHEADER_RESERVE_FIELDS_SIZE bytes): the reserve area it declares and
 * room for the set strings its flags announce. At most HEADER_READ_SIZE.
 */
export function headerReadSize(fixed: Uint8Array): number {
  if (fixed.length < CFHEADER_SIZE) return HEADER_READ_SIZE;
  const flags = u16(fixed, 30);
  let n = CFHEADER_SIZE;
  if (flags & HeaderFlag.reservePresent) {
    n += CFHEADER_RESERVE_FIELDS_SIZE;
    n += fixed.length >= n ? u16(fixed, CFHEADER_SIZE) : 0xffff;
  }
  if (flags & HeaderFlag.prevCabinet) n += 2 * (MAX_NAME_BYTES + 1);
  if (flags & HeaderFlag.nextCabinet) n += 2 * (MAX_NAME_BYTES + 1);
  return Math.min(n, HEADER_READ_SIZE);
}

/** CFHEADER ([MS-CAB] 2.2) from `buf`, which starts at the cabinet's first byte. */
export function parseHeader(buf: Uint8Array, ctx: ParseContext): CabHeader {
  need(buf, 0, CFHEADER_SIZE, "CFHEADER", ctx);
  if (u32(buf, 0) !== CAB_SIGNATURE) {
    throw new CabError(
      "invalid-data",
      `${ctx.file}: no cabinet signature "MSCF" at offset ${hex(ctx.base)}`,
      { offset: ctx.base, file: ctx.file },
    );
  }
  const cabinetSize = u32(buf, 8);
  const filesOffset = u32(buf, 16);
  const versionMinor = buf[24]!;
  const versionMajor = buf[25]!;
  const folderCount = u16(buf, 26);
  const fileCount = u16(buf, 28);
  const flags = u16(buf, 30);
  const setId = u16(buf, 32);
  const cabinetIndex = u16(buf, 34);
  const fail = (msg: string, at = 0): never => {
    throw new CabError("invalid-data", `${ctx.file}: ${msg}`, {
      offset: ctx.base + at,
      file: ctx.file,
    });
  };
  if (versionMajor !== 1)
    fail(`cabinet version ${versionMajor}.${versionMinor} (only 1.x exists)`, 24);
  if (folderCount === 0)
    fail(`CFHEADER at offset ${hex(ctx.base)} says the cabinet has no folders`, 26);
  if (fileCount === 0)
    fail(`CFHEADER at offset ${hex(ctx.base)} says the cabinet has no files`, 28);
  let pos = CFHEADER_SIZE;
  let headerReserveSize = 0;
  let folderReserveSize = 0;
  let dataReserveSize = 0;
  if (flags & HeaderFlag.reservePresent) {
    need(buf, pos, CFHEADER_RESERVE_FIELDS_SIZE, "CFHEADER reserve sizes", ctx);
    headerReserveSize = u16(buf, pos);
    folderReserveSize = buf[pos + 2]!;
    dataReserveSize = buf[pos + 3]!;
    if (headerReserveSize > MAX_HEADER_RESERVE) {
      fail(
        `cbCFHeader ${headerReserveSize} at offset ${hex(ctx.base + pos)} (at most ${MAX_HEADER_RESERVE})`,
        pos,
      );
    }
    pos += CFHEADER_RESERVE_FIELDS_SIZE;
  }
  need(buf, pos, headerReserveSize, "CFHEADER reserve area", ctx);
  const headerReserve = buf.slice(pos, pos + headerReserveSize);
  pos += headerReserveSize;
  const strings: {
    prevCabinet?: string;
    prevDisk?: string;
    nextCabinet?: string;
    nextDisk?: string;
  } = {};
  if (flags & HeaderFlag.prevCabinet) {
    let s = readCString(buf, pos, "previous cabinet name", ctx);
    strings.prevCabinet = latin1(s.bytes);
    s = readCString(buf, s.end, "previous disk name", ctx);
    strings.prevDisk = latin1(s.bytes);
    pos = s.end;
  }
  if (flags & HeaderFlag.nextCabinet) {
    let s = readCString(buf, pos, "next cabinet name", ctx);
    strings.nextCabinet = latin1(s.bytes);
    s = readCString(buf, s.end, "next disk name", ctx);
    strings.nextDisk = latin1(s.bytes);
    pos = s.end;
  }
  return {
    cabinetSize,
    filesOffset,
    versionMinor,
    versionMajor,
    folderCount,
    fileCount,
    flags,
    setId,
    cabinetIndex,
    headerReserve,
    folderReserveSize,
    dataReserveSize,
    ...strings,
    foldersOffset: pos,
  };
}

/** Bytes of the CFFOLDER table. */
export function folderTableSize(h: CabHeader): number {
  return h.folderCount * (CFFOLDER_SIZE + h.folderReserveSize);
}

/** The CFFOLDER table ([MS-CAB] 2.3); `buf` starts at the first CFFOLDER. */
export function parseFolders(buf: Uint8Array, h: CabHeader, ctx: ParseContext): CabFolderRecord[] {
  const folders: CabFolderRecord[] = [];
  let pos = 0;
  for (let i = 0; i < h.folderCount; i++) {
    need(buf, pos, CFFOLDER_SIZE + h.folderReserveSize, `CFFOLDER ${i}`, ctx);
    const typeCompress = u16(buf, pos + 6);
    const problem = compressionProblem(typeCompress);
    if (problem) {
      throw new CabError(
        "invalid-data",
        `${ctx.file}: CFFOLDER ${i} at offset ${hex(ctx.base + pos)} uses an unsupported ${problem}`,
        { offset: ctx.base + pos, file: ctx.file },
      );
    }
    folders.push({
      dataOffset: u32(buf, pos),
      blockCount: u16(buf, pos + 4),
      typeCompress,
      reserve: buf.slice(pos + CFFOLDER_SIZE, pos + CFFOLDER_SIZE + h.folderReserveSize),
    });
    pos += CFFOLDER_SIZE + h.folderReserveSize;
  }
  return folders;
}

/** Most bytes the CFFILE table can take. */
export function maxFileTableSize(h: CabHeader): number {
  return h.fileCount * (CFFILE_SIZE + MAX_NAME_BYTES + 1);
}

/**
 * The CFFILE table ([MS-CAB] 2.4); `buf` starts at coffFiles. Folder indexes are checked
 * against the folder count (continuation values aside).
 */
export function parseFiles(buf: Uint8Array, h: CabHeader, ctx: ParseContext): CabFileRecord[] {
  const files: CabFileRecord[] = [];
  let pos = 0;
  for (let i = 0; i < h.fileCount; i++) {
    need(buf, pos, CFFILE_SIZE, `CFFILE ${i}`, ctx);
    const folderIndex = u16(buf, pos + 8);
    const at = ctx.base + pos;
    if (folderIndex < FolderIndex.continuedFromPrev && folderIndex >= h.folderCount) {
      throw new CabError(
        "invalid-data",
        `${ctx.file}: CFFILE ${i} at offset ${hex(at)} names folder ${folderIndex}; the cabinet has ${h.folderCount}`,
        { offset: at, file: ctx.file },
      );
    }
    const name = readCString(buf, pos + CFFILE_SIZE, `name of CFFILE ${i}`, ctx);
    if (name.bytes.length === 0) {
      throw new CabError(
        "invalid-data",
        `${ctx.file}: CFFILE ${i} at offset ${hex(at)} has an empty name`,
        {
          offset: at,
          file: ctx.file,
        },
      );
    }
    files.push({
      size: u32(buf, pos),
      offsetInFolder: u32(buf, pos + 4),
      folderIndex,
      date: u16(buf, pos + 10),
      time: u16(buf, pos + 12),
      attributes: u16(buf, pos + 14),
      nameBytes: name.bytes.slice(),
      recordOffset: ctx.base + pos - 0,
    });
    pos = name.end;
  }
  return files;
}

/** Size of a CFDATA header with its reserve area. */
export function dataHeaderSize(h: Pick<CabHeader, "dataReserveSize">): number {
  return CFDATA_SIZE + h.dataReserveSize;
}

/** A CFDATA header ([MS-CAB] 2.5), with the block size limits checked. */
export function parseDataHeader(
  buf: Uint8Array,
  dataReserveSize: number,
  what: string,
  ctx: ParseContext,
): CabDataHeader {
  need(buf, 0, CFDATA_SIZE + dataReserveSize, what, ctx);
  const compressedSize = u16(buf, 4);
  const uncompressedSize = u16(buf, 6);
  if (compressedSize > MAX_BLOCK_COMPRESSED) {
    throw new CabError(
      "invalid-data",
      `${ctx.file}: ${what} at offset ${hex(ctx.base)} holds ${compressedSize} bytes (at most ${MAX_BLOCK_COMPRESSED})`,
      { offset: ctx.base, file: ctx.file },
    );
  }
  if (uncompressedSize > MAX_BLOCK_UNCOMPRESSED) {
    throw new CabError(
      "invalid-data",
      `${ctx.file}: ${what} at offset ${hex(ctx.base)} expands to ${uncompressedSize} bytes (at most ${MAX_BLOCK_UNCOMPRESSED})`,
      { offset: ctx.base, file: ctx.file },
    );
  }
  return {
    checksum: u32(buf, 0),
    compressedSize,
    uncompressedSize,
    reserve: buf.subarray(CFDATA_SIZE, CFDATA_SIZE + dataReserveSize),
  };
}

/**
 * Quick plausibility of a "MSCF" found while searching another file (as libmspack's search
 * does): the files table inside the cabinet, the cabinet not far past the file's end.
 */
export function plausibleHeader(buf: Uint8Array, pos: number, fileRemaining: number): boolean {
  if (pos + CFHEADER_SIZE > buf.length) return false;
  if (u32(buf, pos) !== CAB_SIGNATURE) return false;
  const cabinetSize = u32(buf, pos + 8);
  const filesOffset = u32(buf, pos + 16);
  if (buf[pos + 25] !== 1) return false;
  return (
    filesOffset < cabinetSize &&
    filesOffset >= CFHEADER_SIZE &&
    filesOffset < fileRemaining + 32 &&
    cabinetSize < fileRemaining + 32
  );
}
