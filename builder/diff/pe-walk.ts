/**
 * A small, bounds-checked walk over a PE image's raw bytes: headers, sections, data
 * directories and the resource tree. Just enough for neutralDigest and the diff's file
 * facts; every read is checked, and anything out of bounds makes the walk fail with
 * PeDamaged (callers treat that as "not a usable PE").
 */
import {
  COFF,
  COFF_HEADER_SIZE,
  DATA_DIRECTORY_SIZE,
  DEBUG_ENTRY,
  DirectoryEntry,
  DOS_LFANEW_OFFSET,
  DOS_MAGIC,
  MAX_SECTIONS,
  OPT,
  OPT_RVA_COUNT,
  OptionalMagic,
  PE_SIGNATURE,
  RESOURCE_DATA_ENTRY_SIZE,
  RESOURCE_DIRECTORY,
  RESOURCE_DIRECTORY_SIZE,
  RESOURCE_ENTRY_SIZE,
  RESOURCE_HIGH_BIT,
  RESOURCE_TREE_DEPTH,
  SECTION,
  SECTION_HEADER_SIZE,
} from "../pe/constants.js";

/** Safety cap on resource entries walked, so a looping or huge hostile tree cannot hang the walk. */
const MAX_RESOURCE_ENTRIES = 65536;

/** The bytes claim to be a PE but a structure points outside them. */
export class PeDamaged extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PeDamaged";
  }
}

export interface PeSection {
  /** File offset of this section's 40-byte header. */
  readonly headerOffset: number;
  readonly name: string;
  readonly virtualAddress: number;
  readonly virtualSize: number;
  readonly rawOffset: number;
  readonly rawSize: number;
  readonly characteristics: number;
}

export interface DataDirectory {
  readonly rva: number;
  readonly size: number;
}

/** A resource type or name: a numeric id or a string. */
export type ResourceId = number | string;

export interface ResourceLeaf {
  readonly type: ResourceId;
  readonly name: ResourceId;
  readonly lang: ResourceId;
  /** File offset of the data, and its size. */
  readonly offset: number;
  readonly size: number;
}

export interface PeLayout {
  readonly coffOffset: number;
  readonly optOffset: number;
  readonly optSize: number;
  readonly plus: boolean;
  readonly machine: number;
  readonly sections: readonly PeSection[];
  /** Directories present (index -> entry); absent or empty ones are undefined. */
  readonly directories: readonly (DataDirectory | undefined)[];
  /** File offset of each directory's 8-byte entry in the optional header. */
  readonly directoryEntryOffset: (index: number) => number;
  /** File offset where the section table ends. */
  readonly sectionTableEnd: number;
}

class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  check(offset: number, length: number, what: string): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + length > this.bytes.length) {
      throw new PeDamaged(`${what} at byte ${offset} (+${length}) is outside the file`);
    }
  }
  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, true);
  }
  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, true);
  }
}

/** The layout of a PE, undefined when the bytes are not a PE, PeDamaged when inconsistent. */
export function readPeLayout(bytes: Uint8Array): PeLayout | undefined {
  const r = new Reader(bytes);
  if (bytes.length < DOS_LFANEW_OFFSET + 4 || r.u16(0, "DOS header") !== DOS_MAGIC) {
    return undefined;
  }
  const peOffset = r.u32(DOS_LFANEW_OFFSET, "e_lfanew");
  if (peOffset + 4 > bytes.length || r.u32(peOffset, "PE signature") !== PE_SIGNATURE) {
    return undefined; // an MZ program without a PE header (DOS), or not a program at all
  }
  const coffOffset = peOffset + 4;
  r.check(coffOffset, COFF_HEADER_SIZE, "COFF header");
  const machine = r.u16(coffOffset + COFF.machine, "Machine");
  const sectionCount = r.u16(coffOffset + COFF.numberOfSections, "NumberOfSections");
  if (sectionCount > MAX_SECTIONS) {
    throw new PeDamaged(`NumberOfSections ${sectionCount} is over ${MAX_SECTIONS}`);
  }
  const optSize = r.u16(coffOffset + COFF.sizeOfOptionalHeader, "SizeOfOptionalHeader");
  const optOffset = coffOffset + COFF_HEADER_SIZE;
  r.check(optOffset, optSize, "optional header");
  const magic = r.u16(optOffset + OPT.magic, "optional header magic");
  if (magic !== OptionalMagic.pe32 && magic !== OptionalMagic.pe32plus) {
    throw new PeDamaged(`optional header magic 0x${magic.toString(16)} is neither PE32 nor PE32+`);
  }
  const plus = magic === OptionalMagic.pe32plus;
  const kind = plus ? OptionalMagic.pe32plus : OptionalMagic.pe32;
  // NumberOfRvaAndSizes (u32), then the data directories.
  const dirsAt = optOffset + OPT_RVA_COUNT[kind] + 4;
  let dirCount = 0;
  if (optSize >= OPT_RVA_COUNT[kind] + 4) {
    dirCount = r.u32(optOffset + OPT_RVA_COUNT[kind], "NumberOfRvaAndSizes");
    // Only the entries the optional header really holds.
    dirCount = Math.min(dirCount, Math.max(0, Math.floor((optOffset + optSize - dirsAt) / 8)));
  }
  const directories: (DataDirectory | undefined)[] = [];
  for (let i = 0; i < dirCount; i++) {
    const rva = r.u32(dirsAt + i * DATA_DIRECTORY_SIZE, "data directory");
    const size = r.u32(dirsAt + i * DATA_DIRECTORY_SIZE + 4, "data directory");
    directories.push(rva === 0 || size === 0 ? undefined : { rva, size });
  }
  const tableAt = optOffset + optSize;
  r.check(tableAt, sectionCount * SECTION_HEADER_SIZE, "section table");
  const sections: PeSection[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const at = tableAt + i * SECTION_HEADER_SIZE;
    const nameBytes = bytes.subarray(at, at + 8);
    const end = nameBytes.indexOf(0);
    const s: PeSection = {
      headerOffset: at,
      name: String.fromCharCode(...nameBytes.subarray(0, end < 0 ? 8 : end)),
      virtualSize: r.u32(at + SECTION.virtualSize, "VirtualSize"),
      virtualAddress: r.u32(at + SECTION.virtualAddress, "VirtualAddress"),
      rawSize: r.u32(at + SECTION.sizeOfRawData, "SizeOfRawData"),
      rawOffset: r.u32(at + SECTION.pointerToRawData, "PointerToRawData"),
      characteristics: r.u32(at + SECTION.characteristics, "Characteristics"),
    };
    if (s.rawSize > 0) r.check(s.rawOffset, s.rawSize, `section ${s.name} raw data`);
    sections.push(s);
  }
  return {
    coffOffset,
    optOffset,
    optSize,
    plus,
    machine,
    sections,
    directories,
    directoryEntryOffset: (index) => dirsAt + index * DATA_DIRECTORY_SIZE,
    sectionTableEnd: tableAt + sectionCount * SECTION_HEADER_SIZE,
  };
}

/** The section whose virtual range holds `rva`, if any. */
export function sectionOf(layout: PeLayout, rva: number): PeSection | undefined {
  return layout.sections.find(
    (s) => rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.rawSize),
  );
}

/** File offset of `length` bytes at `rva`, which must lie in one section's raw data. */
export function rvaToOffset(layout: PeLayout, rva: number, length: number, what: string): number {
  const s = sectionOf(layout, rva);
  if (!s) throw new PeDamaged(`${what} at RVA 0x${rva.toString(16)} is in no section`);
  const delta = rva - s.virtualAddress;
  if (delta + length > s.rawSize) {
    throw new PeDamaged(
      `${what} at RVA 0x${rva.toString(16)} (+${length}) runs past section ${s.name}'s file data`,
    );
  }
  return s.rawOffset + delta;
}

/** Every leaf of the resource tree (type / name / language -> data), in directory order. */
export function readResources(bytes: Uint8Array, layout: PeLayout): ResourceLeaf[] {
  const dir = layout.directories[DirectoryEntry.resource];
  if (!dir) return [];
  const r = new Reader(bytes);
  const base = rvaToOffset(layout, dir.rva, RESOURCE_DIRECTORY_SIZE, "resource directory");
  const leaves: ResourceLeaf[] = [];
  const visited = new Set<number>();
  let walked = 0;
  const readName = (value: number): ResourceId => {
    if ((value & RESOURCE_HIGH_BIT) === 0) return value & 0xffff;
    const at = base + (value & ~RESOURCE_HIGH_BIT);
    const length = r.u16(at, "resource name");
    r.check(at + 2, length * 2, "resource name");
    let s = "";
    for (let i = 0; i < length; i++) s += String.fromCharCode(r.u16(at + 2 + i * 2, "name"));
    return s;
  };
  const walk = (at: number, path: ResourceId[]): void => {
    if (visited.has(at)) throw new PeDamaged(`resource directory at byte ${at} loops`);
    visited.add(at);
    r.check(at, RESOURCE_DIRECTORY_SIZE, "resource directory table");
    const count =
      r.u16(at + RESOURCE_DIRECTORY.numberOfNamedEntries, "resource directory") +
      r.u16(at + RESOURCE_DIRECTORY.numberOfIdEntries, "resource directory");
    for (let i = 0; i < count; i++) {
      if (++walked > MAX_RESOURCE_ENTRIES) {
        throw new PeDamaged(`resource tree has over ${MAX_RESOURCE_ENTRIES} entries`);
      }
      const e = at + RESOURCE_DIRECTORY_SIZE + i * RESOURCE_ENTRY_SIZE;
      const id = readName(r.u32(e, "resource entry"));
      const target = r.u32(e + 4, "resource entry");
      const here = [...path, id];
      if ((target & RESOURCE_HIGH_BIT) !== 0) {
        if (here.length >= RESOURCE_TREE_DEPTH) {
          throw new PeDamaged(`resource tree is deeper than ${RESOURCE_TREE_DEPTH} levels`);
        }
        walk(base + (target & ~RESOURCE_HIGH_BIT), here);
        continue;
      }
      const d = base + target;
      r.check(d, RESOURCE_DATA_ENTRY_SIZE, "resource data entry");
      const rva = r.u32(d, "resource data RVA");
      const size = r.u32(d + 4, "resource data size");
      const offset = rvaToOffset(layout, rva, size, "resource data");
      leaves.push({
        type: here[0] ?? 0,
        name: here[1] ?? 0,
        lang: here[2] ?? 0,
        offset,
        size,
      });
    }
  };
  walk(base, []);
  return leaves;
}

/** File offsets of the debug directory's 28-byte entries (empty when there is none). */
export function debugEntryOffsets(layout: PeLayout): number[] {
  const dir = layout.directories[DirectoryEntry.debug];
  if (!dir) return [];
  const count = Math.floor(dir.size / DEBUG_ENTRY.size);
  if (count === 0) return [];
  const at = rvaToOffset(layout, dir.rva, count * DEBUG_ENTRY.size, "debug directory");
  return Array.from({ length: count }, (_, i) => at + i * DEBUG_ENTRY.size);
}
