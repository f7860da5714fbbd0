/**
 * The binary layout of a cabinet's tables ([MS-CAB] 2.2 - 2.5), apart from any I/O:
 * sizes, and encoders that fill a buffer field by field, each next to its line of the spec.
 */

import type { CabReserve } from "../write/writer-types.js";
import {
  CAB_SIGNATURE,
  CAB_VERSION_MAJOR,
  CAB_VERSION_MINOR,
  CFDATA_SIZE,
  CFFILE_SIZE,
  CFFOLDER_SIZE,
  CFHEADER_RESERVE_FIELDS_SIZE,
  CFHEADER_SIZE,
  HeaderFlag,
} from "./constants.js";

/** A cabinet's header as written: the values of CFHEADER. */
export interface HeaderFields {
  readonly cabinetSize: number;
  readonly filesOffset: number;
  readonly folderCount: number;
  readonly fileCount: number;
  readonly setId: number;
  readonly cabinetIndex: number;
  readonly reserve: CabReserve;
  /** Names of the previous / next cabinet in a set (plain file names, ASCII). */
  readonly prev?: { readonly cabinet: Uint8Array; readonly disk: Uint8Array };
  readonly next?: { readonly cabinet: Uint8Array; readonly disk: Uint8Array };
}

export interface FolderFields {
  readonly dataOffset: number;
  readonly blockCount: number;
  readonly typeCompress: number;
}

export interface FileFields {
  readonly size: number;
  readonly offset: number;
  readonly folder: number;
  readonly dosDate: number;
  readonly dosTime: number;
  readonly attributes: number;
  readonly nameBytes: Uint8Array;
}

export function hasReserve(r: CabReserve): boolean {
  return r.header > 0 || r.folder > 0 || r.data > 0;
}

/** Bytes of CFHEADER with its optional fields, reserve and set names. */
export function headerSize(
  reserve: CabReserve,
  prevNames: number | undefined,
  nextNames: number | undefined,
): number {
  return (
    CFHEADER_SIZE +
    (hasReserve(reserve) ? CFHEADER_RESERVE_FIELDS_SIZE + reserve.header : 0) +
    (prevNames ?? 0) +
    (nextNames ?? 0)
  );
}

/** Bytes that a pair of NUL-terminated names (cabinet, disk) take. */
export function namePairSize(cabinet: Uint8Array, disk: Uint8Array): number {
  return cabinet.length + 1 + disk.length + 1;
}

export function folderEntrySize(reserve: CabReserve): number {
  return CFFOLDER_SIZE + reserve.folder;
}

export function fileEntrySize(nameBytes: Uint8Array): number {
  return CFFILE_SIZE + nameBytes.length + 1;
}

export function dataHeaderSize(reserve: CabReserve): number {
  return CFDATA_SIZE + reserve.data;
}

/** Encode CFHEADER followed by the CFFOLDER entries and then the CFFILE entries. */
export function encodeTables(
  h: HeaderFields,
  folders: readonly FolderFields[],
  files: readonly FileFields[],
): Uint8Array {
  const r = h.reserve;
  const size =
    headerSize(
      r,
      h.prev && namePairSize(h.prev.cabinet, h.prev.disk),
      h.next && namePairSize(h.next.cabinet, h.next.disk),
    ) +
    folders.length * folderEntrySize(r) +
    files.reduce((n, f) => n + fileEntrySize(f.nameBytes), 0);
  const out = new Uint8Array(size);
  const w = new FieldWriter(out);
  const flags =
    (h.prev ? HeaderFlag.prevCabinet : 0) |
    (h.next ? HeaderFlag.nextCabinet : 0) |
    (hasReserve(r) ? HeaderFlag.reservePresent : 0);
  // CFHEADER (2.2)
  w.u32(CAB_SIGNATURE); //        signature     4  "MSCF"
  w.u32(0); //                    reserved1     4
  w.u32(h.cabinetSize); //        cbCabinet     4  size of this cabinet file in bytes
  w.u32(0); //                    reserved2     4
  w.u32(h.filesOffset); //        coffFiles     4  offset of the first CFFILE entry
  w.u32(0); //                    reserved3     4
  w.u8(CAB_VERSION_MINOR); //     versionMinor  1
  w.u8(CAB_VERSION_MAJOR); //     versionMajor  1
  w.u16(h.folderCount); //        cFolders      2
  w.u16(h.fileCount); //          cFiles        2
  w.u16(flags); //                flags         2
  w.u16(h.setId); //              setID         2
  w.u16(h.cabinetIndex); //       iCabinet      2  0-based number of this cabinet in its set
  if (hasReserve(r)) {
    w.u16(r.header); //           cbCFHeader    2  (optional)
    w.u8(r.folder); //            cbCFFolder    1  (optional)
    w.u8(r.data); //              cbCFData      1  (optional)
    w.zeros(r.header); //         abReserve        (optional)
  }
  if (h.prev) {
    w.sz(h.prev.cabinet); //      szCabinetPrev    (optional)
    w.sz(h.prev.disk); //         szDiskPrev       (optional)
  }
  if (h.next) {
    w.sz(h.next.cabinet); //      szCabinetNext    (optional)
    w.sz(h.next.disk); //         szDiskNext       (optional)
  }
  // CFFOLDER (2.3), one per folder
  for (const f of folders) {
    w.u32(f.dataOffset); //       coffCabStart  4  offset of the first CFDATA block
    w.u16(f.blockCount); //       cCFData       2
    w.u16(f.typeCompress); //     typeCompress  2
    w.zeros(r.folder); //         abReserve        (optional)
  }
  if (w.pos !== size - files.reduce((n, f) => n + fileEntrySize(f.nameBytes), 0)) {
    throw new Error("cab layout: CFFILE table does not follow the CFFOLDER entries");
  }
  if (files.length > 0 && w.pos !== h.filesOffset) {
    throw new Error(`cab layout: coffFiles ${h.filesOffset} but CFFILE starts at ${w.pos}`);
  }
  // CFFILE (2.4), one per file
  for (const f of files) {
    w.u32(f.size); //             cbFile           4  uncompressed size
    w.u32(f.offset); //           uoffFolderStart  4  offset in the folder's uncompressed data
    w.u16(f.folder); //           iFolder          2  or a CONTINUED value
    w.u16(f.dosDate); //          date             2
    w.u16(f.dosTime); //          time             2
    w.u16(f.attributes); //       attribs          2
    w.sz(f.nameBytes); //         szName           NUL-terminated
  }
  return out;
}

/** CFDATA's fixed part (2.5): the block header that precedes each block's data. */
export function encodeDataHeader(
  out: Uint8Array,
  at: number,
  checksum: number,
  compressedSize: number,
  uncompressedSize: number,
  reserveBytes: number,
): void {
  const w = new FieldWriter(out, at);
  w.u32(checksum); //             csum      4  checksum of the fields below and the data
  w.u16(compressedSize); //       cbData    2
  w.u16(uncompressedSize); //     cbUncomp  2
  w.zeros(reserveBytes); //       abReserve    (optional)
}

class FieldWriter {
  private readonly view: DataView;
  constructor(
    private readonly out: Uint8Array,
    public pos = 0,
  ) {
    this.view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  }
  u8(v: number) {
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  u16(v: number) {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  u32(v: number) {
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  zeros(n: number) {
    this.out.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }
  sz(bytes: Uint8Array) {
    this.out.set(bytes, this.pos);
    this.out[this.pos + bytes.length] = 0;
    this.pos += bytes.length + 1;
  }
}
