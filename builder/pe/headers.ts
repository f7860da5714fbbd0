/**
 * PE headers read straight from the bytes (no library): the DOS stub pointer, the COFF header,
 * the optional header (PE32 or PE32+), the data directories and the section table.
 * A file that is not a PE gives `undefined`; a PE that is damaged throws an InputError naming
 * the file and the byte offset.
 */
import { InputError } from "../util/errors.js";
import {
  COFF,
  COFF_HEADER_SIZE,
  DATA_DIRECTORY_SIZE,
  DOS_HEADER_SIZE,
  DOS_LFANEW_OFFSET,
  DOS_MAGIC,
  IMAGE_FILE_DLL,
  OPT,
  OPT_RVA_COUNT,
  OptionalMagic,
  PE_SIGNATURE,
  SECTION,
  SECTION_HEADER_SIZE,
} from "./constants.js";

export interface DataDirectory {
  readonly rva: number;
  readonly size: number;
}

export interface SectionHeader {
  /** Index in the section table (COFF section numbers are this + 1). */
  readonly index: number;
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
  readonly magic: OptionalMagic;
  readonly fileAlignment: number;
  readonly sectionAlignment: number;
  /** File offset of the optional header's CheckSum field. */
  readonly checksumOffset: number;
  readonly checksum: number;
  /** File offset of the first data directory. */
  readonly dataDirectoryOffset: number;
  readonly dataDirectories: readonly DataDirectory[];
  /** File offset of the section table. */
  readonly sectionTableOffset: number;
  readonly sections: readonly SectionHeader[];
  /** End of the last section's raw data (or of the headers): where an overlay would start. */
  readonly imageEnd: number;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** Short helper: an InputError for a damaged PE, naming the file and the offset. */
export function damaged(label: string, offset: number, what: string): InputError {
  return new InputError(`${label}: damaged PE file at offset ${hex(offset)}: ${what}`);
}

/** Whether the bytes start like a PE image ("MZ", then "PE\0\0" where e_lfanew points). */
export function peSignatureOffset(bytes: Uint8Array): number | undefined {
  if (bytes.length < DOS_HEADER_SIZE) return undefined;
  const view = viewOf(bytes);
  if (view.getUint16(0, true) !== DOS_MAGIC) return undefined;
  const lfanew = view.getUint32(DOS_LFANEW_OFFSET, true);
  if (lfanew < 4 || lfanew + 4 > bytes.length) return undefined;
  if (view.getUint32(lfanew, true) !== PE_SIGNATURE) return undefined;
  return lfanew;
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Parse the headers; `undefined` when the bytes are not a PE at all. */
export function parsePeHeaders(bytes: Uint8Array, label = "input"): PeHeaders | undefined {
  const peOffset = peSignatureOffset(bytes);
  if (peOffset === undefined) return undefined;
  const view = viewOf(bytes);
  const coffOffset = peOffset + 4;
  const need = (offset: number, length: number, what: string) => {
    if (offset + length > bytes.length) {
      throw damaged(
        label,
        offset,
        `${what} needs ${length} bytes but the file ends at ${hex(bytes.length)}`,
      );
    }
  };
  need(coffOffset, COFF_HEADER_SIZE, "the COFF header");
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const machine = u16(coffOffset + COFF.machine);
  const numberOfSections = u16(coffOffset + COFF.numberOfSections);
  const sizeOfOptionalHeader = u16(coffOffset + COFF.sizeOfOptionalHeader);
  const characteristics = u16(coffOffset + COFF.characteristics);
  const optionalOffset = coffOffset + COFF_HEADER_SIZE;
  need(optionalOffset, sizeOfOptionalHeader, "the optional header");
  if (sizeOfOptionalHeader < 2) {
    throw damaged(label, coffOffset + COFF.sizeOfOptionalHeader, "no optional header");
  }
  const magic = u16(optionalOffset + OPT.magic);
  if (magic !== OptionalMagic.pe32 && magic !== OptionalMagic.pe32plus) {
    throw damaged(
      label,
      optionalOffset,
      `optional header magic ${hex(magic)}, expected 0x10b (PE32) or 0x20b (PE32+)`,
    );
  }
  const rvaCountOffset = optionalOffset + OPT_RVA_COUNT[magic];
  if (OPT_RVA_COUNT[magic] + 4 > sizeOfOptionalHeader) {
    throw damaged(
      label,
      coffOffset + COFF.sizeOfOptionalHeader,
      `SizeOfOptionalHeader ${sizeOfOptionalHeader} is too small for a ${magic === OptionalMagic.pe32 ? "PE32" : "PE32+"} header`,
    );
  }
  const rvaCount = u32(rvaCountOffset);
  const dataDirectoryOffset = rvaCountOffset + 4;
  const dirCount = Math.min(
    rvaCount,
    Math.floor((optionalOffset + sizeOfOptionalHeader - dataDirectoryOffset) / DATA_DIRECTORY_SIZE),
  );
  const dataDirectories: DataDirectory[] = [];
  for (let i = 0; i < dirCount; i++) {
    const o = dataDirectoryOffset + i * DATA_DIRECTORY_SIZE;
    dataDirectories.push({ rva: u32(o), size: u32(o + 4) });
  }
  const fileAlignment = u32(optionalOffset + OPT.fileAlignment);
  const sectionAlignment = u32(optionalOffset + OPT.sectionAlignment);
  if (fileAlignment === 0 || (fileAlignment & (fileAlignment - 1)) !== 0) {
    throw damaged(
      label,
      optionalOffset + OPT.fileAlignment,
      `FileAlignment ${fileAlignment} is not a power of two`,
    );
  }
  const sectionTableOffset = optionalOffset + sizeOfOptionalHeader;
  need(sectionTableOffset, numberOfSections * SECTION_HEADER_SIZE, "the section table");
  const sections: SectionHeader[] = [];
  let imageEnd = sectionTableOffset + numberOfSections * SECTION_HEADER_SIZE;
  for (let i = 0; i < numberOfSections; i++) {
    const o = sectionTableOffset + i * SECTION_HEADER_SIZE;
    const section: SectionHeader = {
      index: i,
      name: sectionName(bytes, o),
      virtualSize: u32(o + SECTION.virtualSize),
      virtualAddress: u32(o + SECTION.virtualAddress),
      sizeOfRawData: u32(o + SECTION.sizeOfRawData),
      pointerToRawData: u32(o + SECTION.pointerToRawData),
      characteristics: u32(o + SECTION.characteristics),
    };
    if (section.sizeOfRawData > 0 && section.pointerToRawData > 0) {
      const end = section.pointerToRawData + section.sizeOfRawData;
      if (end > bytes.length) {
        throw damaged(
          label,
          o + SECTION.sizeOfRawData,
          `section ${section.name} raw data ends at ${hex(end)}, past the end of the file (${hex(bytes.length)})`,
        );
      }
      imageEnd = Math.max(imageEnd, end);
    }
    sections.push(section);
  }
  return {
    peOffset,
    coffOffset,
    machine,
    timeDateStamp: u32(coffOffset + COFF.timeDateStamp),
    pointerToSymbolTable: u32(coffOffset + COFF.pointerToSymbolTable),
    numberOfSymbols: u32(coffOffset + COFF.numberOfSymbols),
    characteristics,
    isDll: (characteristics & IMAGE_FILE_DLL) !== 0,
    optionalOffset,
    magic,
    fileAlignment,
    sectionAlignment,
    checksumOffset: optionalOffset + OPT.checkSum,
    checksum: u32(optionalOffset + OPT.checkSum),
    dataDirectoryOffset,
    dataDirectories,
    sectionTableOffset,
    sections,
    imageEnd,
  };
}

/** The 8-byte section name, NUL-padded ("/4" style long names stay as they are). */
function sectionName(bytes: Uint8Array, offset: number): string {
  let s = "";
  for (let i = 0; i < 8; i++) {
    const c = bytes[offset + i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
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

/** A data directory, or an empty one when the table is shorter. */
export function directory(h: PeHeaders, index: number): DataDirectory {
  return h.dataDirectories[index] ?? { rva: 0, size: 0 };
}
