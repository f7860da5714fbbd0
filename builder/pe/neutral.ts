/**
 * neutralDigest: SHA-256 of a PE "apart from its version stamp", so that two builds that
 * differ only in their version resource (and in what a relink or restamp moves with it:
 * checksum, timestamps, layout offsets) get the same digest, and any change to code, data
 * or another resource gives a different one.
 *
 * Rather than zeroing the version bytes in place (which fails as soon as a longer version
 * string makes the resource section grow and shifts what follows), the digest is taken
 * over a canonical stream, each item length-prefixed:
 *   1. the headers up to the section table, with the COFF NumberOfSections,
 *      TimeDateStamp and PointerToSymbolTable, the optional header CheckSum, SizeOfImage and
 *      SizeOfInitializedData, and the resource and certificate directory entries zeroed;
 *   2. per section: its name and characteristics, its VirtualAddress and VirtualSize
 *      unless it holds the resource directory, and its raw bytes with the resource tree
 *      cut out, debug-directory TimeDateStamp/PointerToRawData zeroed, trailing zeros
 *      trimmed (file alignment padding); a section that is the resource tree's own
 *      (.rsrc) is left out, with NumberOfSections: the tree is hashed by item 3, its
 *      padding is whatever the stamper wrote, and stamping a file that had no
 *      resources adds one; sections after it (.reloc) are hashed without their address,
 *      and data directories pointing into them without their RVA, as a grown .rsrc
 *      moves them;
 *   3. the resources other than RT_VERSION, by (type, name, language), ids and bytes;
 *   4. the overlay after the last section, without the Authenticode certificate table.
 * A signature is thus neutral too: signing a file does not change its neutral digest.
 */
import { createHash, type Hash } from "node:crypto";
import { InputError } from "../util/errors.js";
import { COFF, DEBUG_ENTRY, DirectoryEntry, OPT, RT_VERSION } from "./constants.js";
import {
  asSource,
  chunksOf,
  debugEntryOffsets,
  directoryEntryOffset,
  type PeHeaders,
  type PeInput,
  type PeSource,
  presentDirectory,
  READ_CHUNK,
  readPeHeaders,
  type SectionHeader,
  sectionForRva,
} from "./headers.js";
import { type ResourceId, type ResourceLeaf, resourceLeaves } from "./resources.js";

const DOMAIN = "cabwright-neutral/1";

/** A half-open byte range [start, end) of the file. */
interface Range {
  readonly start: number;
  readonly end: number;
}

/** A piece of the canonical stream: bytes of the file, or zeros in place of some. */
type Piece = { readonly start: number; readonly end: number } | { readonly zeros: number };

const pieceLength = (p: Piece) => ("zeros" in p ? p.zeros : p.end - p.start);

/**
 * SHA-256 (hex) of a PE with its version resource, checksum and timestamps neutralised;
 * undefined when the bytes are not a PE or are a damaged one. A file is read in chunks.
 */
export function neutralDigest(input: PeInput, label = "input"): string | undefined {
  try {
    const src = asSource(input, label);
    const h = readPeHeaders(src);
    if (!h) return undefined;
    return digestOf(src, h, label);
  } catch (err) {
    if (err instanceof InputError) return undefined;
    throw err;
  }
}

function digestOf(src: PeSource, h: PeHeaders, label: string): string {
  const hash = createHash("sha256");
  const item = (data: Uint8Array | string) => {
    const b = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    hash.update(len);
    hash.update(b);
  };
  /** One item made of several pieces: their total length, then each piece. */
  const items = (parts: readonly Piece[]) => {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(parts.reduce((n, p) => n + pieceLength(p), 0));
    hash.update(len);
    for (const p of parts) {
      if ("zeros" in p) hash.update(new Uint8Array(p.zeros));
      else for (const [piece] of chunksOf(src, p.start, p.end)) hash.update(piece);
    }
  };
  item(DOMAIN);

  const resDir = presentDirectory(h, DirectoryEntry.resource);
  const resSection = resDir ? sectionForRva(h, resDir.rva) : undefined;
  /** The resources have a section of their own (.rsrc), as linkers and stampers make it. */
  const dedicated = resDir !== undefined && resSection?.virtualAddress === resDir.rva;
  /**
   * Sections placed after a dedicated resource section move when a longer version makes it
   * grow (typically .reloc): their addresses are layout, not content.
   */
  const moves = (s: SectionHeader | undefined) =>
    dedicated && s !== undefined && s.virtualAddress > resSection!.virtualAddress;

  // 1. Headers before the section table, variable fields zeroed.
  const headers = Buffer.from(src.read(0, h.sectionTableOffset));
  const zero = (at: number | undefined, length: number) => {
    if (at !== undefined && at + length <= headers.length) headers.fill(0, at, at + length);
  };
  zero(h.coffOffset + COFF.numberOfSections, 2);
  zero(h.coffOffset + COFF.timeDateStamp, 4);
  zero(h.coffOffset + COFF.pointerToSymbolTable, 4);
  zero(h.optionalOffset + OPT.checkSum, 4);
  zero(h.optionalOffset + OPT.sizeOfImage, 4);
  zero(h.optionalOffset + OPT.sizeOfInitializedData, 4);
  zero(directoryEntryOffset(h, DirectoryEntry.resource), 8);
  zero(directoryEntryOffset(h, DirectoryEntry.security), 8);
  h.dataDirectories.forEach((_, i) => {
    const d = presentDirectory(h, i);
    if (d && i !== DirectoryEntry.security && moves(sectionForRva(h, d.rva))) {
      zero(directoryEntryOffset(h, i), 4); // its RVA; the size stays
    }
  });
  item(headers);

  // 2. Sections.
  const resources = resourceLeaves(src, h, label);
  const cut: Range[] = resources.map((l) => ({ start: l.offset, end: l.offset + l.size }));
  if (resDir && resSection) {
    const start = resSection.pointerToRawData + (resDir.rva - resSection.virtualAddress);
    cut.push({ start, end: start + resDir.size });
  }
  const zeroed: Range[] = debugEntryOffsets(h, label).flatMap((e) =>
    [DEBUG_ENTRY.timeDateStamp, DEBUG_ENTRY.pointerToRawData].map((f) => ({
      start: e + f,
      end: e + f + 4,
    })),
  );
  for (const s of h.sections) {
    // A section of its own for the resources holds nothing but the tree (hashed below)
    // and padding, which stampers fill as they like (resedit writes "PADDINGX"); a
    // stamper may also add one to a file that had none. So it is left out entirely.
    if (s === resSection && dedicated) continue;
    const meta = Buffer.alloc(12);
    if (s !== resSection) {
      if (!moves(s)) meta.writeUInt32LE(s.virtualAddress, 0);
      meta.writeUInt32LE(s.virtualSize, 4);
    }
    meta.writeUInt32LE(s.characteristics, 8);
    item(s.name);
    item(meta);
    items(pieces(src, s.pointerToRawData, s.pointerToRawData + s.sizeOfRawData, cut, zeroed));
  }

  // 3. Resources other than the version, in a canonical order.
  const kept = resources.filter((l) => l.type !== RT_VERSION).sort(compareLeaves);
  for (const l of kept) {
    item(`${idText(l.type)}/${idText(l.name)}/${idText(l.lang)}`);
    items([{ start: l.offset, end: Math.min(l.offset + l.size, src.size) }]);
  }

  // 4. Overlay, without the certificate table (its directory entry holds a file offset).
  const security = presentDirectory(h, DirectoryEntry.security);
  const overlayCut: Range[] = security
    ? [{ start: security.rva, end: security.rva + security.size }]
    : [];
  items(pieces(src, Math.min(h.imageEnd, src.size), src.size, overlayCut, []));
  return hashHex(hash);
}

/**
 * The bytes [start, end) of the file as pieces (ranges, read when hashed): the `cut` ranges
 * left out, the `zero` ranges replaced by zeros, trailing zeros (alignment padding) trimmed.
 */
function pieces(
  src: PeSource,
  start: number,
  end: number,
  cut: readonly Range[],
  zero: readonly Range[],
): Piece[] {
  const clip = (r: Range) => ({ start: Math.max(start, r.start), end: Math.min(end, r.end) });
  const cuts = cut
    .map(clip)
    .filter((r) => r.end > r.start)
    .sort((x, y) => x.start - y.start);
  const spans: Range[] = [];
  let at = start;
  for (const r of cuts) {
    if (r.start > at) spans.push({ start: at, end: r.start });
    at = Math.max(at, r.end);
  }
  if (at < end) spans.push({ start: at, end });
  const zeros = zero
    .map(clip)
    .filter((r) => r.end > r.start)
    .sort((x, y) => x.start - y.start);
  const out: Piece[] = [];
  for (const span of spans) {
    let pos = span.start;
    for (const z of zeros) {
      const zs = Math.max(z.start, pos);
      const ze = Math.min(z.end, span.end);
      if (ze <= zs) continue;
      if (zs > pos) out.push({ start: pos, end: zs });
      out.push({ zeros: ze - zs });
      pos = ze;
    }
    if (pos < span.end) out.push({ start: pos, end: span.end });
  }
  // Trim trailing zeros across pieces.
  while (out.length > 0) {
    const last = out[out.length - 1]!;
    const n = "zeros" in last ? 0 : lastNonZero(src, last.start, last.end);
    if (n > 0) {
      out[out.length - 1] = { start: (last as Range).start, end: (last as Range).start + n };
      break;
    }
    out.pop();
  }
  return out;
}

/** How many bytes of [start, end) remain once its trailing zeros are cut (read from the end). */
function lastNonZero(src: PeSource, start: number, end: number): number {
  const buffer = src.readInto ? new Uint8Array(Math.min(READ_CHUNK, end - start)) : undefined;
  for (let to = end; to > start; ) {
    const from = Math.max(start, to - READ_CHUNK);
    const piece =
      buffer && src.readInto
        ? buffer.subarray(0, src.readInto(buffer.subarray(0, to - from), from))
        : src.read(from, to - from);
    let n = piece.length;
    while (n > 0 && piece[n - 1] === 0) n--;
    if (n > 0) return from + n - start;
    to = from;
  }
  return 0;
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
