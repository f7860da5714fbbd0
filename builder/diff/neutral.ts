/**
 * neutralDigest: SHA-256 of a PE "apart from its version stamp", so that two builds that
 * differ only in their version resource (and in what a relink or restamp moves with it:
 * checksum, timestamps, layout offsets) get the same digest, and any change to code, data
 * or another resource gives a different one.
 *
 * Rather than zeroing the version bytes in place (which fails as soon as a longer version
 * string makes the resource section grow and shifts what follows), the digest is taken
 * over a canonical stream, each item length-prefixed:
 *   1. the headers up to the section table, with the COFF TimeDateStamp and
 *      PointerToSymbolTable, the optional header CheckSum, SizeOfImage and
 *      SizeOfInitializedData, and the resource and certificate directory entries zeroed;
 *   2. per section: its name and characteristics, its VirtualAddress and VirtualSize
 *      unless it holds the resource directory, and its raw bytes with the resource tree
 *      cut out, debug-directory TimeDateStamp/PointerToRawData zeroed, trailing zeros
 *      trimmed (file alignment padding);
 *   3. the resources other than RT_VERSION, by (type, name, language), ids and bytes;
 *   4. the overlay after the last section, without the Authenticode certificate table.
 * A signature is thus neutral too: signing a file does not change its neutral digest.
 */
import { createHash, type Hash } from "node:crypto";
import { COFF, DEBUG, DIR, OPT, RT_VERSION, SECTION_HEADER_SIZE } from "./pe-constants.js";
import {
  debugEntryOffsets,
  PeDamaged,
  type PeLayout,
  type ResourceId,
  type ResourceLeaf,
  readPeLayout,
  readResources,
  sectionOf,
} from "./pe-walk.js";

const DOMAIN = "cabwright-neutral/1";

/** A half-open byte range [start, end) of the file. */
interface Range {
  readonly start: number;
  readonly end: number;
}

/**
 * SHA-256 (hex) of a PE with its version resource, checksum and timestamps neutralised;
 * undefined when the bytes are not a PE or are a damaged one.
 */
export function neutralDigest(bytes: Uint8Array): string | undefined {
  try {
    const layout = readPeLayout(bytes);
    if (!layout) return undefined;
    return digestOf(bytes, layout);
  } catch (err) {
    if (err instanceof PeDamaged) return undefined;
    throw err;
  }
}

function digestOf(bytes: Uint8Array, layout: PeLayout): string {
  const hash = createHash("sha256");
  const item = (data: Uint8Array | string) => {
    const b = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    hash.update(len);
    hash.update(b);
  };
  item(DOMAIN);

  // 1. Headers before the section table, variable fields zeroed.
  const headerEnd = layout.sectionTableEnd - layout.sections.length * SECTION_HEADER_SIZE;
  const headers = Buffer.from(bytes.subarray(0, headerEnd));
  const zero = (at: number, length: number) => {
    if (at + length <= headers.length) headers.fill(0, at, at + length);
  };
  zero(layout.coffOffset + COFF.timeDateStamp, 4);
  zero(layout.coffOffset + COFF.pointerToSymbolTable, 4);
  zero(layout.optOffset + OPT.checkSum, 4);
  zero(layout.optOffset + OPT.sizeOfImage, 4);
  zero(layout.optOffset + OPT.sizeOfInitializedData, 4);
  if (layout.directories.length > DIR.resource) zero(layout.directoryEntryOffset(DIR.resource), 8);
  if (layout.directories.length > DIR.security) zero(layout.directoryEntryOffset(DIR.security), 8);
  item(headers);

  // 2. Sections.
  const resources = readResources(bytes, layout);
  const resDir = layout.directories[DIR.resource];
  const resSection = resDir ? sectionOf(layout, resDir.rva) : undefined;
  const cut: Range[] = resources.map((l) => ({ start: l.offset, end: l.offset + l.size }));
  if (resDir && resSection) {
    const start = resSection.rawOffset + (resDir.rva - resSection.virtualAddress);
    cut.push({ start, end: start + resDir.size });
  }
  const debugEntries = debugEntryOffsets(layout);
  for (const s of layout.sections) {
    const meta = Buffer.alloc(12);
    const isRes = s === resSection;
    if (!isRes) {
      meta.writeUInt32LE(s.virtualAddress, 0);
      meta.writeUInt32LE(s.virtualSize, 4);
    }
    meta.writeUInt32LE(s.characteristics, 8);
    item(s.name);
    item(meta);
    const raw = Buffer.from(bytes.subarray(s.rawOffset, s.rawOffset + s.rawSize));
    for (const e of debugEntries) {
      for (const field of [DEBUG.timeDateStamp, DEBUG.pointerToRawData]) {
        const at = e + field - s.rawOffset;
        if (at >= 0 && at + 4 <= raw.length) raw.fill(0, at, at + 4);
      }
    }
    item(trimZeros(without(raw, s.rawOffset, cut)));
  }

  // 3. Resources other than the version, in a canonical order.
  const kept = resources.filter((l) => l.type !== RT_VERSION).sort(compareLeaves);
  for (const l of kept) {
    item(`${idText(l.type)}/${idText(l.name)}/${idText(l.lang)}`);
    item(bytes.subarray(l.offset, l.offset + l.size));
  }

  // 4. Overlay, without the certificate table (its directory entry holds a file offset).
  const lastEnd = layout.sections.reduce(
    (m, s) => Math.max(m, s.rawSize > 0 ? s.rawOffset + s.rawSize : 0),
    layout.sectionTableEnd,
  );
  const security = layout.directories[DIR.security];
  const overlayCut: Range[] = security
    ? [{ start: security.rva, end: security.rva + security.size }]
    : [];
  const overlay = Buffer.from(bytes.subarray(Math.min(lastEnd, bytes.length)));
  item(trimZeros(without(overlay, lastEnd, overlayCut)));
  return hashHex(hash);
}

/** `data` (which starts at file offset `base`) with every range in `cut` removed. */
function without(data: Buffer, base: number, cut: readonly Range[]): Buffer {
  const local = cut
    .map((r) => ({ start: Math.max(0, r.start - base), end: Math.min(data.length, r.end - base) }))
    .filter((r) => r.end > r.start)
    .sort((x, y) => x.start - y.start);
  if (local.length === 0) return data;
  const parts: Buffer[] = [];
  let at = 0;
  for (const r of local) {
    if (r.start > at) parts.push(data.subarray(at, r.start));
    at = Math.max(at, r.end);
  }
  if (at < data.length) parts.push(data.subarray(at));
  return Buffer.concat(parts);
}

function trimZeros(data: Buffer): Buffer {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  return data.subarray(0, end);
}

function idText(id: ResourceId): string {
  return typeof id === "number" ? `#${id}` : JSON.stringify(id);
}

function compareId(a: ResourceId, b: ResourceId): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareLeaves(a: ResourceLeaf, b: ResourceLeaf): number {
  return compareId(a.type, b.type) || compareId(a.name, b.name) || compareId(a.lang, b.lang);
}

function hashHex(hash: Hash): string {
  return hash.digest("hex");
}
