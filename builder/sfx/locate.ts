/**
 * Find the cabinet inside a package: by the package header at the end of the stub's image
 * (cabwright's own packages), else by searching for a plausible MS-CAB header (packages
 * made by other tools, such as the seed's Sfxcab), else the file is a cabinet itself.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { crc32 } from "node:zlib";
import { CAB_SIGNATURE, CFHEADER_SIZE } from "../cab/format/constants.js";
import { certificateTable, requirePeHeaders } from "../pe/headers.js";
import { InputError } from "../util/errors.js";
import { type ByteSource, bytesSource, withFileSource } from "./bytes.js";
import { SFX_HEADER_SIZE, SFX_HEADER_SIZE_V2 } from "./constants.js";
import { decodeSfxHeader, hasSfxMagic, type SfxHeader, sfxStringsLength } from "./header.js";

export const CabinetFoundBy = {
  /** The package header after the image (a cabwright package). */
  header: "header",
  /** A search for an MS-CAB header after the image, then anywhere. */
  search: "search",
  /** The file is a cabinet. */
  cabinet: "cabinet",
} as const;
export type CabinetFoundBy = (typeof CabinetFoundBy)[keyof typeof CabinetFoundBy];

export interface LocatedCabinet {
  /** Absolute offset of the cabinet's first byte in the file. */
  readonly offset: number;
  /** Its size (its own CFHEADER.cbCabinet). */
  readonly size: number;
  readonly foundBy: CabinetFoundBy;
  /** The package header and its offset, when found by it. */
  readonly header?: SfxHeader & { readonly offset: number };
}

/** Locate the cabinet in a package given as bytes or as a file path. Throws InputError. */
export function locateCabinet(exe: Uint8Array | string): LocatedCabinet {
  return typeof exe === "string" ? withFileSource(exe, locateIn) : locateIn(bytesSource(exe));
}

/**
 * A package the stub would refuse before extracting anything (exit 13): its package header
 * is cut short, fails its CRC or holds inconsistent sizes, the package is truncated, or no
 * cabinet header sits where the package header puts it. Still an InputError for callers
 * that only want to read a package; `verify` reports it as a failed check.
 */
export class PackageDamaged extends InputError {
  constructor(message: string) {
    super(message);
    this.name = "PackageDamaged";
  }
}

/** locateCabinet, plus whether the file carries an Authenticode certificate table. */
function locateWithSignature(exe: string): LocatedCabinet & { readonly signed: boolean } {
  return withFileSource(exe, (src) => {
    const located = locateIn(src);
    const signed =
      located.foundBy !== CabinetFoundBy.cabinet && !!certificateTable(requirePeHeaders(src));
    return { ...located, signed };
  });
}

function locateIn(src: ByteSource): LocatedCabinet {
  if (cabinetSizeAt(src, 0, src.size) !== undefined) {
    return { offset: 0, size: cabinetSizeAt(src, 0, src.size)!, foundBy: CabinetFoundBy.cabinet };
  }
  const pe = requirePeHeaders(src);
  const certificate = certificateTable(pe);
  const limit = certificate && certificate.rva <= src.size ? certificate.rva : src.size;
  const fixed = src.read(pe.imageEnd, SFX_HEADER_SIZE_V2);
  if (hasSfxMagic(fixed)) return fromHeader(src, pe.imageEnd, fixed, limit);
  // After the image first; then inside it (a cabinet kept in a resource), never past `limit`.
  const found =
    searchCabinet(src, pe.imageEnd, limit, limit) ??
    searchCabinet(src, 0, Math.min(pe.imageEnd, limit), limit);
  if (!found) {
    throw new InputError(
      `${src.name}: no cabinet: no package header at byte ${pe.imageEnd} (the end of the image) and no MS-CAB header anywhere in the file`,
    );
  }
  return { ...found, foundBy: CabinetFoundBy.search };
}

function fromHeader(src: ByteSource, at: number, fixed: Uint8Array, limit: number): LocatedCabinet {
  const where = `${src.name}: package header at byte ${at}`;
  if (fixed.length < SFX_HEADER_SIZE) throw new PackageDamaged(`${where}: cut short`);
  const bare = decodeSfxHeader(fixed);
  if (typeof bare === "string") throw new PackageDamaged(`${where}: ${bare}`);
  const strings = src.read(at + bare.headerSize, Math.min(sfxStringsLength(fixed), 1 << 16));
  const header = decodeSfxHeader(fixed, strings);
  if (typeof header === "string") throw new PackageDamaged(`${where}: ${header}`);
  const offset = at + header.cabinetOffset;
  const end = offset + header.cabinetSize;
  if (end > limit) {
    throw new PackageDamaged(
      `${where}: the package is truncated: its cabinet ends at byte ${end} but the ${limit === src.size ? "file" : "data before the signature"} ends at byte ${limit}`,
    );
  }
  if (cabinetSizeAt(src, offset, end) !== header.cabinetSize) {
    throw new PackageDamaged(
      `${src.name}: byte ${offset}: no MS-CAB header of ${header.cabinetSize} bytes where the package header puts the cabinet`,
    );
  }
  return {
    offset,
    size: header.cabinetSize,
    foundBy: CabinetFoundBy.header,
    header: { ...header, offset: at },
  };
}

/** cbCabinet when a plausible CFHEADER starts at `offset` and fits before `limit`. */
function cabinetSizeAt(src: ByteSource, offset: number, limit: number): number | undefined {
  const h = src.read(offset, CFHEADER_SIZE);
  if (h.length < CFHEADER_SIZE) return undefined;
  const v = new DataView(h.buffer, h.byteOffset, h.length);
  const size = v.getUint32(8, true);
  const plausible =
    v.getUint32(0, true) === CAB_SIGNATURE &&
    v.getUint32(4, true) === 0 && // reserved1
    v.getUint32(12, true) === 0 && // reserved2
    v.getUint32(20, true) === 0 && // reserved3
    h[24] === 3 && // versionMinor
    h[25] === 1 && // versionMajor
    v.getUint32(16, true) < size && // coffFiles
    size >= CFHEADER_SIZE &&
    offset + size <= limit;
  return plausible ? size : undefined;
}

const SEARCH_CHUNK = 1 << 20;

/** The first plausible cabinet starting in [from, to) and ending by `limit`. */
function searchCabinet(
  src: ByteSource,
  from: number,
  to: number,
  limit: number,
): { offset: number; size: number } | undefined {
  const sig = [0x4d, 0x53, 0x43, 0x46]; // "MSCF"
  for (let base = from; base < to; base += SEARCH_CHUNK) {
    const chunk = src.read(base, Math.min(SEARCH_CHUNK, to - base) + 3);
    for (let i = chunk.indexOf(sig[0]!); i >= 0 && i + 3 < chunk.length; ) {
      if (chunk[i + 1] === sig[1] && chunk[i + 2] === sig[2] && chunk[i + 3] === sig[3]) {
        const size = cabinetSizeAt(src, base + i, limit);
        if (size !== undefined) return { offset: base + i, size };
      }
      i = chunk.indexOf(sig[0]!, i + 1);
    }
  }
  return undefined;
}

export interface SfxChecksum {
  readonly ok: boolean;
  readonly expected: number;
  readonly actual: number;
}

/** What the stub checks before it extracts, read in one pass over the package. */
export interface PackagePayload {
  readonly located: LocatedCabinet;
  /**
   * The payload CRC-32 (entry strings, padding and cabinet) as stored and as computed, as
   * the stub compares them; absent for a bare cabinet or a package without a cabwright
   * package header.
   */
  readonly payloadCrc?: SfxChecksum;
  /** SHA-256 of the cabinet's bytes (cbCabinet of them, where the package holds it). */
  readonly cabinetSha256: string;
  /** SHA-256 of the whole file. */
  readonly fileSha256: string;
  /** Whether an Authenticode certificate table follows the cabinet. */
  readonly signed: boolean;
}

/**
 * Locate the cabinet and read the whole file once: the payload CRC-32, the cabinet's and
 * the file's SHA-256. Throws PackageDamaged where the stub would refuse the header.
 */
export async function readPackagePayload(path: string): Promise<PackagePayload> {
  const { signed, ...located } = locateWithSignature(path);
  const crcFrom = located.header ? located.header.offset + located.header.headerSize : undefined;
  const cabEnd = located.offset + located.size;
  const file = createHash("sha256");
  const cabinet = createHash("sha256");
  let crc = 0;
  let pos = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    const slice = (from: number, to: number) =>
      buf.subarray(Math.max(0, from - pos), Math.max(0, Math.min(buf.length, to - pos)));
    file.update(buf);
    cabinet.update(slice(located.offset, cabEnd));
    if (crcFrom !== undefined) crc = crc32(slice(crcFrom, cabEnd), crc);
    pos += buf.length;
  }
  const expected = located.header?.payloadCrc;
  return {
    located,
    ...(expected !== undefined
      ? { payloadCrc: { ok: crc === expected, expected, actual: crc } }
      : {}),
    cabinetSha256: cabinet.digest("hex"),
    fileSha256: file.digest("hex"),
    signed,
  };
}

/**
 * Recompute the package's payload CRC-32 (entry strings, padding and cabinet) as the stub
 * does before it extracts. Throws InputError when the file has no package header.
 */
export async function checkSfxChecksum(exePath: string): Promise<SfxChecksum> {
  const payload = await readPackagePayload(exePath);
  if (!payload.payloadCrc) {
    throw new InputError(`${exePath}: not a cabwright package (no package header after the image)`);
  }
  return payload.payloadCrc;
}
