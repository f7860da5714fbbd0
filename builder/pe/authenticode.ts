/**
 * The Authenticode view of a PE: where its certificate table is, and the digest a
 * signature covers (Microsoft, "Windows Authenticode Portable Executable Signature
 * Format"): every byte of the file except the optional header's CheckSum, the
 * certificate-table data directory entry and the certificate table itself. An unsigned
 * file is hashed as a signer will hash it: padded with zeros to a multiple of 8 bytes,
 * the alignment the certificate table needs (osslsigncode and signtool both do this), so
 * the digest of a file before and after signing is the same value.
 */
import { createHash } from "node:crypto";
import { DATA_DIRECTORY_SIZE, DirectoryEntry } from "./constants.js";
import {
  asSource,
  certificateTable,
  chunksOf,
  damaged,
  directoryEntryOffset,
  type PeInput,
  readPeHeaders,
  viewOf,
} from "./headers.js";

/** WIN_CERTIFICATE: dwLength (4), wRevision (2), wCertificateType (2), then bCertificate. */
export const WIN_CERTIFICATE = {
  headerSize: 8,
  length: 0,
  revision: 4,
  certificateType: 6,
  /** WIN_CERT_REVISION_2_0. */
  revision2: 0x0200,
  /** WIN_CERT_TYPE_PKCS_SIGNED_DATA. */
  pkcsSignedData: 0x0002,
  /** Entries and the table are 8-byte aligned. */
  alignment: 8,
} as const;

export interface CertificateTable {
  /** File offset (the directory's "VirtualAddress" is one). */
  readonly offset: number;
  readonly size: number;
}

export interface AuthenticodeLayout {
  readonly checksumOffset: number;
  /** File offset of the certificate-table data directory entry; undefined when absent. */
  readonly directoryOffset: number | undefined;
  readonly table: CertificateTable | undefined;
  /** Bytes after the certificate table (a signed file must have none). */
  readonly trailing: number;
}

/** Where the signature lives; undefined for a file that is not a PE. */
export function authenticodeLayout(input: PeInput, label: string): AuthenticodeLayout | undefined {
  const src = asSource(input, label);
  const h = readPeHeaders(src);
  if (!h) return undefined;
  const directoryOffset = directoryEntryOffset(h, DirectoryEntry.security);
  const dir = certificateTable(h);
  if (!dir) {
    return { checksumOffset: h.checksumOffset, directoryOffset, table: undefined, trailing: 0 };
  }
  if (dir.rva + dir.size > src.size || dir.rva < h.imageEnd) {
    throw damaged(
      label,
      directoryOffset ?? h.dataDirectoryOffset,
      `the certificate table (offset 0x${dir.rva.toString(16)}, ${dir.size} bytes) lies outside the data after the image (0x${h.imageEnd.toString(16)}..0x${src.size.toString(16)})`,
    );
  }
  return {
    checksumOffset: h.checksumOffset,
    directoryOffset,
    table: { offset: dir.rva, size: dir.size },
    trailing: src.size - (dir.rva + dir.size),
  };
}

/** The file's byte ranges the Authenticode digest covers, in order. */
export function authenticodeRanges(input: PeInput, layout: AuthenticodeLayout): [number, number][] {
  const size = asSource(input).size;
  const end = layout.table ? layout.table.offset : size;
  const cuts: [number, number][] = [[layout.checksumOffset, layout.checksumOffset + 4]];
  if (layout.directoryOffset !== undefined) {
    cuts.push([layout.directoryOffset, layout.directoryOffset + DATA_DIRECTORY_SIZE]);
  }
  cuts.sort((a, b) => a[0] - b[0]);
  const ranges: [number, number][] = [];
  let at = 0;
  for (const [from, to] of cuts) {
    if (from > at) ranges.push([at, from]);
    at = to;
  }
  ranges.push([at, end]);
  // Bytes after the table are hashed too (Windows does; verify refuses them anyway).
  if (layout.table && layout.trailing > 0)
    ranges.push([layout.table.offset + layout.table.size, size]);
  return ranges;
}

/**
 * The Authenticode digest of a PE (hex), with `algorithm` a node:crypto name ("sha256",
 * "sha1"); undefined for a file that is not a PE. A file is hashed in chunks.
 */
export function authenticodeDigest(
  input: PeInput,
  label: string,
  algorithm = "sha256",
): string | undefined {
  const src = asSource(input, label);
  const layout = authenticodeLayout(src, label);
  if (!layout) return undefined;
  const hash = createHash(algorithm);
  for (const [from, to] of authenticodeRanges(src, layout)) {
    for (const [piece] of chunksOf(src, from, to)) hash.update(piece);
  }
  if (!layout.table) {
    const pad = (WIN_CERTIFICATE.alignment - (src.size % WIN_CERTIFICATE.alignment)) % 8;
    if (pad > 0) hash.update(new Uint8Array(pad));
  }
  return hash.digest("hex");
}

export interface CertificateEntry {
  /** File offset of the WIN_CERTIFICATE. */
  readonly offset: number;
  readonly revision: number;
  readonly type: number;
  /** bCertificate: for PKCS_SIGNED_DATA, a DER PKCS#7 ContentInfo. */
  readonly data: Uint8Array;
}

/**
 * The WIN_CERTIFICATE entries of the certificate table (read on its own from a file); throws
 * naming a damaged one.
 */
export function certificateEntries(
  input: PeInput,
  table: CertificateTable,
  label: string,
): CertificateEntry[] {
  const base = table.offset;
  const tableBytes = asSource(input, label).read(base, table.size);
  const tableView = viewOf(tableBytes);
  /** The table's fields at file offsets. */
  const view = {
    getUint16: (at: number, le: boolean) => tableView.getUint16(at - base, le),
    getUint32: (at: number, le: boolean) => tableView.getUint32(at - base, le),
  };
  const out: CertificateEntry[] = [];
  let at = table.offset;
  const end = table.offset + tableBytes.length;
  while (at + WIN_CERTIFICATE.headerSize <= end) {
    const length = view.getUint32(at + WIN_CERTIFICATE.length, true);
    if (length < WIN_CERTIFICATE.headerSize || at + length > end) {
      throw damaged(
        label,
        at,
        `WIN_CERTIFICATE length ${length} does not fit the certificate table (ends at 0x${end.toString(16)})`,
      );
    }
    out.push({
      offset: at,
      revision: view.getUint16(at + WIN_CERTIFICATE.revision, true),
      type: view.getUint16(at + WIN_CERTIFICATE.certificateType, true),
      data: tableBytes.subarray(at + WIN_CERTIFICATE.headerSize - base, at + length - base),
    });
    at += Math.ceil(length / WIN_CERTIFICATE.alignment) * WIN_CERTIFICATE.alignment;
  }
  return out;
}
