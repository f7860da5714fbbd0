/**
 * PE headers read straight from the bytes (no library): the DOS stub pointer, the COFF header,
 * the optional header (PE32 or PE32+), the data directories and the section table. The one
 * header parser of the project: it reads from memory or, through a PeSource, from an open
 * file (a multi-gigabyte package costs a few kilobytes). A file that is not a PE gives
 * `undefined`; a PE that is damaged throws an InputError naming the file and the byte offset.
 */
import { InputError } from "../util/errors.js";
import {
  COFF,
  COFF_HEADER_SIZE,
  COFF_SYMBOL_SIZE,
  COR20_FLAGS_OFFSET,
  DATA_DIRECTORY_SIZE,
  DEBUG_ENTRY,
  DirectoryEntry,
  DOS_HEADER_SIZE,
  DOS_LFANEW_OFFSET,
  DOS_MAGIC,
  IMAGE_FILE_DLL,
  OPT,
  OPT_RVA_COUNT,
  OptionalMagic,
  PE_SIGNATURE,
  PE_SIGNATURE_SIZE,
  SECTION,
  SECTION_HEADER_SIZE,
} from "./constants.js";

/** Random access to a file's bytes: what the header parser reads from. */
export interface PeSource {
  /** For messages: a file path, or "(bytes)". */
  readonly name: string;
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Uint8Array;
  /**
   * Fill `into` from `offset` (fewer bytes at the end of the file), returning the count: a
   * file read in chunks then reuses one buffer instead of making garbage for each.
   */
  readInto?(into: Uint8Array, offset: number): number;
}

export interface DataDirectory {
  readonly rva: number;
  readonly size: number;
}

export interface SectionHeader {
  /** Index in the section table (COFF section numbers are this + 1). */
  readonly index: number;
  /** File offset of this section's 40-byte header. */
  readonly headerOffset: number;
  readonly name: string;
  readonly virtualSize: number;
  readonly virtualAddress: number;
  readonly sizeOfRawData: number;
  readonly pointerToRawData: number;
  readonly characteristics: number;
}

export interface PeHeaders {
  /** File offset of "PE\0\0". */
  readonly peOffset: number;
  readonly coffOffset: number;
  readonly machine: number;
  readonly timeDateStamp: number;
  readonly pointerToSymbolTable: number;
  readonly numberOfSymbols: number;
  readonly characteristics: number;
  readonly isDll: boolean;
  readonly optionalOffset: number;
  readonly sizeOfOptionalHeader: number;
  readonly magic: OptionalMagic;
  readonly fileAlignment: number;
  readonly sectionAlignment: number;
  readonly sizeOfHeaders: number;
  /** File offset of the optional header's CheckSum field. */
  readonly checksumOffset: number;
  readonly checksum: number;
  /** File offset of the first data directory. */
  readonly dataDirectoryOffset: number;
  /** NumberOfRvaAndSizes entries, as far as the optional header holds them (zeros kept). */
  readonly dataDirectories: readonly DataDirectory[];
  /** File offset of the section table, and of its end. */
  readonly sectionTableOffset: number;
  readonly sectionTableEnd: number;
  readonly sections: readonly SectionHeader[];
  /**
   * End of the last section's raw data (or of the section table): where the overlay starts,
   * and where a certificate table may begin.
   */
  readonly imageEnd: number;
}

export const hex = (n: number) => `0x${n.toString(16)}`;

/** An InputError for a damaged PE, naming the file and the offset: the one message shape. */
export function damaged(label: string, offset: number, what: string): InputError {
  return new InputError(`${label}: damaged PE file at offset ${hex(offset)}: ${what}`);
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A PeSource over bytes in memory (reads are views, not copies). */
export function sourceOf(bytes: Uint8Array, name = "(bytes)"): PeSource {
  return {
    name,
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

/**
 * What the readers take: a file's bytes in memory, or a PeSource over an open file (a
 * large file is then read in pieces: the headers, the resource section, streamed hashes).
 */
export type PeInput = Uint8Array | PeSource;

/** The input as a PeSource (bytes in memory: views, no copy). */
export function asSource(input: PeInput, name?: string): PeSource {
  return input instanceof Uint8Array ? sourceOf(input, name) : input;
}

/** Bytes read from a source in one pass: this many at a time. */
export const READ_CHUNK = 1 << 20;

/**
 * [from, to) of a source in pieces of at most READ_CHUNK bytes, each with its offset. From a
 * file, every piece is read into the same buffer: a piece is valid until the next one.
 */
export function* chunksOf(
  src: PeSource,
  from: number,
  to: number,
): Generator<[Uint8Array, number]> {
  const buffer = src.readInto
    ? new Uint8Array(Math.max(0, Math.min(READ_CHUNK, to - from)))
    : undefined;
  for (let at = from; at < to; ) {
    const want = Math.min(READ_CHUNK, to - at);
    const piece =
      buffer && src.readInto
        ? buffer.subarray(0, src.readInto(buffer.subarray(0, want), at))
        : src.read(at, want);
    if (piece.length === 0) return;
    yield [piece, at];
    at += piece.length;
  }
}

/** Why a file is not a PE at all: the byte offset and what is missing there. */
interface NotPe {
  readonly offset: number;
  readonly what: string;
}

/** The offset of "PE\0\0", or why there is none ("MZ" missing, e_lfanew pointing nowhere). */
function probe(src: PeSource): number | NotPe {
  const dos = src.read(0, DOS_HEADER_SIZE);
  if (dos.length < DOS_HEADER_SIZE || viewOf(dos).getUint16(0, true) !== DOS_MAGIC) {
    return { offset: 0, what: 'no "MZ" signature' };
  }
  const lfanew = viewOf(dos).getUint32(DOS_LFANEW_OFFSET, true);
  const sig = lfanew >= PE_SIGNATURE_SIZE ? src.read(lfanew, PE_SIGNATURE_SIZE) : new Uint8Array();
  if (sig.length < PE_SIGNATURE_SIZE || viewOf(sig).getUint32(0, true) !== PE_SIGNATURE) {
    return { offset: lfanew, what: 'no "PE" signature where e_lfanew points' };
  }
  return lfanew;
}

/** Whether the bytes start like a PE image ("MZ", then "PE\0\0" where e_lfanew points). */
export function peSignatureOffset(bytes: Uint8Array): number | undefined {
  const at = probe(sourceOf(bytes));
  return typeof at === "number" ? at : undefined;
}

/** Parse the headers from memory; `undefined` when the bytes are not a PE at all. */
export function parsePeHeaders(bytes: Uint8Array, label = "input"): PeHeaders | undefined {
  return readPeHeaders(sourceOf(bytes, label));
}

/**
 * The headers of a file that must be a PE: one that is not is an InputError naming the file
 * and the byte ('byte 0: no "MZ" signature (expected a Windows PE executable)').
 */
export function requirePeHeaders(src: PeSource): PeHeaders {
  const at = probe(src);
  if (typeof at !== "number") {
    throw new InputError(
      `${src.name}: byte ${at.offset}: ${at.what} (expected a Windows PE executable)`,
    );
  }
  return parseAt(src, at);
}

/** Parse the headers from a source (five small reads); `undefined` when it is not a PE at all. */
export function readPeHeaders(src: PeSource): PeHeaders | undefined {
  const peOffset = probe(src);
  return typeof peOffset === "number" ? parseAt(src, peOffset) : undefined;
}

/** The headers of a PE whose signature is at `peOffset`. */
function parseAt(src: PeSource, peOffset: number): PeHeaders {
  const label = src.name;
  const need = (offset: number, length: number, what: string) => {
    if (offset + length > src.size) {
      throw damaged(
        label,
        offset,
        `${what} needs ${length} bytes but the file ends at ${hex(src.size)}`,
      );
    }
  };
  const coffOffset = peOffset + PE_SIGNATURE_SIZE;
  need(coffOffset, COFF_HEADER_SIZE, "the COFF header");
  const coff = viewOf(src.read(coffOffset, COFF_HEADER_SIZE));
  const numberOfSections = coff.getUint16(COFF.numberOfSections, true);
  const sizeOfOptionalHeader = coff.getUint16(COFF.sizeOfOptionalHeader, true);
  const characteristics = coff.getUint16(COFF.characteristics, true);
  const optionalOffset = coffOffset + COFF_HEADER_SIZE;
  need(optionalOffset, sizeOfOptionalHeader, "the optional header");
  if (sizeOfOptionalHeader < 2) {
    throw damaged(label, coffOffset + COFF.sizeOfOptionalHeader, "no optional header");
  }
  const opt = viewOf(src.read(optionalOffset, sizeOfOptionalHeader));
  const u32 = (o: number) => opt.getUint32(o, true);
  const magic = opt.getUint16(OPT.magic, true);
  if (magic !== OptionalMagic.pe32 && magic !== OptionalMagic.pe32plus) {
    throw damaged(
      label,
      optionalOffset,
      `optional header magic ${hex(magic)}, expected 0x10b (PE32) or 0x20b (PE32+)`,
    );
  }
  const rvaCountAt = OPT_RVA_COUNT[magic];
  if (rvaCountAt + 4 > sizeOfOptionalHeader) {
    throw damaged(
      label,
      coffOffset + COFF.sizeOfOptionalHeader,
      `SizeOfOptionalHeader ${sizeOfOptionalHeader} is too small for a ${magic === OptionalMagic.pe32 ? "PE32" : "PE32+"} header`,
    );
  }
  const directoriesAt = rvaCountAt + 4;
  const dirCount = Math.min(
    u32(rvaCountAt),
    Math.floor((sizeOfOptionalHeader - directoriesAt) / DATA_DIRECTORY_SIZE),
  );
  const dataDirectories: DataDirectory[] = [];
  for (let i = 0; i < dirCount; i++) {
    const o = directoriesAt + i * DATA_DIRECTORY_SIZE;
    dataDirectories.push({ rva: u32(o), size: u32(o + 4) });
  }
  const fileAlignment = u32(OPT.fileAlignment);
  if (fileAlignment === 0 || (fileAlignment & (fileAlignment - 1)) !== 0) {
    throw damaged(
      label,
      optionalOffset + OPT.fileAlignment,
      `FileAlignment ${fileAlignment} is not a power of two`,
    );
  }
  const sectionTableOffset = optionalOffset + sizeOfOptionalHeader;
  const sectionTableEnd = sectionTableOffset + numberOfSections * SECTION_HEADER_SIZE;
  need(sectionTableOffset, numberOfSections * SECTION_HEADER_SIZE, "the section table");
  const table = src.read(sectionTableOffset, numberOfSections * SECTION_HEADER_SIZE);
  const sections: SectionHeader[] = [];
  let imageEnd = sectionTableEnd;
  for (let i = 0; i < numberOfSections; i++) {
    const section = sectionAt(table, i, sectionTableOffset);
    if (section.sizeOfRawData > 0 && section.pointerToRawData > 0) {
      const end = section.pointerToRawData + section.sizeOfRawData;
      if (end > src.size) {
        throw damaged(
          label,
          section.headerOffset + SECTION.sizeOfRawData,
          `section ${section.name} raw data ends at ${hex(end)}, past the end of the file (${hex(src.size)})`,
        );
      }
      imageEnd = Math.max(imageEnd, end);
    }
    sections.push(section);
  }
  return {
    peOffset,
    coffOffset,
    machine: coff.getUint16(COFF.machine, true),
    timeDateStamp: coff.getUint32(COFF.timeDateStamp, true),
    pointerToSymbolTable: coff.getUint32(COFF.pointerToSymbolTable, true),
    numberOfSymbols: coff.getUint32(COFF.numberOfSymbols, true),
    characteristics,
    isDll: (characteristics & IMAGE_FILE_DLL) !== 0,
    optionalOffset,
    sizeOfOptionalHeader,
    magic,
    fileAlignment,
    sectionAlignment: u32(OPT.sectionAlignment),
    sizeOfHeaders: u32(OPT.sizeOfHeaders),
    checksumOffset: optionalOffset + OPT.checkSum,
    checksum: u32(OPT.checkSum),
    dataDirectoryOffset: optionalOffset + directoriesAt,
    dataDirectories,
    sectionTableOffset,
    sectionTableEnd,
    sections,
    imageEnd,
  };
}

/** Section header `index` of the table bytes (the table starts at file offset `tableAt`). */
function sectionAt(table: Uint8Array, index: number, tableAt: number): SectionHeader {
  const o = index * SECTION_HEADER_SIZE;
  const view = viewOf(table);
  // The 8-byte name, NUL-padded ("/4" style long names stay as they are).
  let name = "";
  for (let i = 0; i < 8 && table[o + i] !== 0; i++) name += String.fromCharCode(table[o + i]!);
  return {
    index,
    headerOffset: tableAt + o,
    name,
    virtualSize: view.getUint32(o + SECTION.virtualSize, true),
    virtualAddress: view.getUint32(o + SECTION.virtualAddress, true),
    sizeOfRawData: view.getUint32(o + SECTION.sizeOfRawData, true),
    pointerToRawData: view.getUint32(o + SECTION.pointerToRawData, true),
    characteristics: view.getUint32(o + SECTION.characteristics, true),
  };
}

/** The section holding an RVA, if any. */
export function sectionForRva(h: PeHeaders, rva: number): SectionHeader | undefined {
  return h.sections.find(
    (s) =>
      rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.sizeOfRawData),
  );
}

/** File offset of an RVA, or undefined when no section's raw data holds it. */
export function rvaToOffset(h: PeHeaders, rva: number): number | undefined {
  const s = sectionForRva(h, rva);
  if (!s || s.pointerToRawData === 0) return undefined;
  const delta = rva - s.virtualAddress;
  if (delta >= s.sizeOfRawData) return undefined;
  return s.pointerToRawData + delta;
}

/**
 * File offset of `length` bytes at `rva`, which must lie in one section's raw data; else an
 * InputError naming `what` and the file offset of `field` (where the RVA was read).
 */
export function rvaSpan(
  h: PeHeaders,
  rva: number,
  length: number,
  what: string,
  field: number,
  label: string,
): number {
  const s = sectionForRva(h, rva);
  if (!s) throw damaged(label, field, `${what} at RVA ${hex(rva)} is in no section`);
  const delta = rva - s.virtualAddress;
  if (delta + length > s.sizeOfRawData) {
    throw damaged(
      label,
      field,
      `${what} at RVA ${hex(rva)} (+${length}) runs past section ${s.name}'s file data`,
    );
  }
  return s.pointerToRawData + delta;
}

/** A data directory, or an empty one when the table is shorter. */
export function directory(h: PeHeaders, index: number): DataDirectory {
  return h.dataDirectories[index] ?? { rva: 0, size: 0 };
}

/** File offset of data directory `index`'s 8-byte entry, undefined when the table is shorter. */
export function directoryEntryOffset(h: PeHeaders, index: number): number | undefined {
  return index < h.dataDirectories.length
    ? h.dataDirectoryOffset + index * DATA_DIRECTORY_SIZE
    : undefined;
}

/** A directory present and not empty (both its RVA and its size non-zero). */
export function presentDirectory(h: PeHeaders, index: number): DataDirectory | undefined {
  const d = h.dataDirectories[index];
  return d && d.rva !== 0 && d.size !== 0 ? d : undefined;
}

/**
 * The certificate table as the directory states it (its "VirtualAddress" is a file offset),
 * unchecked; authenticodeLayout checks it lies after the image.
 */
export function certificateTable(h: PeHeaders): DataDirectory | undefined {
  return presentDirectory(h, DirectoryEntry.security);
}

/** File offsets of the debug directory's 28-byte entries (empty when there is none). */
export function debugEntryOffsets(h: PeHeaders, label: string): number[] {
  const dir = presentDirectory(h, DirectoryEntry.debug);
  if (!dir) return [];
  const count = Math.floor(dir.size / DEBUG_ENTRY.size);
  if (count === 0) return [];
  const field = directoryEntryOffset(h, DirectoryEntry.debug)!;
  const at = rvaSpan(h, dir.rva, count * DEBUG_ENTRY.size, "debug directory", field, label);
  return Array.from({ length: count }, (_, i) => at + i * DEBUG_ENTRY.size);
}

/**
 * IMAGE_COR20_HEADER.Flags of a .NET assembly and its file offset; undefined when the file
 * has no CLR header or it is not in the file.
 */
export function clrFlags(
  input: PeInput,
  h: PeHeaders,
): { readonly flags: number; readonly offset: number } | undefined {
  const src = asSource(input);
  const clr = presentDirectory(h, DirectoryEntry.clr);
  const at = clr ? rvaToOffset(h, clr.rva) : undefined;
  if (at === undefined || at + COR20_FLAGS_OFFSET + 4 > src.size) return undefined;
  const offset = at + COR20_FLAGS_OFFSET;
  return { flags: viewOf(src.read(offset, 4)).getUint32(0, true), offset };
}

export interface CoffSymbols {
  /** File offset of the first 18-byte symbol record. */
  readonly offset: number;
  readonly count: number;
  /** Symbol records plus the string table (its 4-byte size first), in bytes. */
  readonly length: number;
}

/**
 * The COFF symbol table and its string table, which must end by `end` (the end of the file or
 * the start of the certificate table); undefined when the COFF header points to none.
 */
export function coffSymbols(
  input: PeInput,
  h: PeHeaders,
  end: number,
  label: string,
): CoffSymbols | undefined {
  const offset = h.pointerToSymbolTable;
  if (offset === 0) {
    if (h.numberOfSymbols === 0) return undefined;
    throw new InputError(
      `${label}: NumberOfSymbols is ${h.numberOfSymbols} but PointerToSymbolTable is 0 (COFF header at ${hex(h.coffOffset)})`,
    );
  }
  const stringsAt = offset + h.numberOfSymbols * COFF_SYMBOL_SIZE;
  if (stringsAt + 4 > end) {
    throw new InputError(
      `${label}: COFF symbol table at offset ${hex(offset)} with ${h.numberOfSymbols} symbols runs past the end of the data (${hex(end)})`,
    );
  }
  const stringsSize = Math.max(4, viewOf(asSource(input).read(stringsAt, 4)).getUint32(0, true));
  if (stringsAt + stringsSize > end) {
    throw new InputError(
      `${label}: COFF string table at offset ${hex(stringsAt)} (${stringsSize} bytes) runs past the end of the data (${hex(end)})`,
    );
  }
  return { offset, count: h.numberOfSymbols, length: stringsAt + stringsSize - offset };
}
