/**
 * The little of a PE file the package code needs: the machine, where the image ends (the
 * end of the last section's raw data) and the Authenticode certificate table.
 */
import {
  COFF,
  COFF_HEADER_SIZE,
  DATA_DIRECTORY_SIZE,
  DirectoryEntry,
  DOS_HEADER_SIZE,
  DOS_LFANEW_OFFSET,
  DOS_MAGIC,
  OPT,
  OPT_RVA_COUNT,
  OptionalMagic,
  PE_SIGNATURE,
  PE_SIGNATURE_SIZE,
  SECTION,
  SECTION_HEADER_SIZE,
} from "../pe/constants.js";
import { InputError } from "../util/errors.js";
import type { ByteSource } from "./bytes.js";

export interface PeImage {
  /** IMAGE_FILE_HEADER.Machine. */
  readonly machine: number;
  /** First byte after the image: the largest PointerToRawData + SizeOfRawData (or SizeOfHeaders). */
  readonly imageEnd: number;
  /** File offset of IMAGE_OPTIONAL_HEADER.CheckSum (u32). */
  readonly checksumOffset: number;
  /** The certificate table (file offset and size), when the file is signed. */
  readonly certificate?: { readonly offset: number; readonly size: number };
}

/** Parse the headers of `src`; throws InputError naming the file and offset when it is not a PE. */
export function readPeImage(src: ByteSource): PeImage {
  const bad = (offset: number, what: string): InputError =>
    new InputError(`${src.name}: byte ${offset}: ${what} (expected a Windows PE executable)`);
  const dos = src.read(0, DOS_HEADER_SIZE);
  if (dos.length < DOS_HEADER_SIZE || u16(dos, 0) !== DOS_MAGIC) throw bad(0, 'no "MZ" signature');
  const nt = u32(dos, DOS_LFANEW_OFFSET);
  // The signature and the COFF header read at once.
  const ntSize = PE_SIGNATURE_SIZE + COFF_HEADER_SIZE;
  const coff = src.read(nt, ntSize);
  if (coff.length < ntSize || u32(coff, 0) !== PE_SIGNATURE) {
    throw bad(nt, 'no "PE" signature where e_lfanew points');
  }
  const machine = u16(coff, PE_SIGNATURE_SIZE + COFF.machine);
  const sections = u16(coff, PE_SIGNATURE_SIZE + COFF.numberOfSections);
  const optSize = u16(coff, PE_SIGNATURE_SIZE + COFF.sizeOfOptionalHeader);
  const optAt = nt + ntSize;
  const opt = src.read(optAt, optSize);
  if (opt.length < optSize || optSize < 2) throw bad(optAt, "optional header cut short");
  const magic = u16(opt, OPT.magic);
  if (magic !== OptionalMagic.pe32 && magic !== OptionalMagic.pe32plus) {
    throw bad(optAt, `optional header magic 0x${magic.toString(16)}`);
  }
  // SizeOfHeaders and CheckSum are at the same offsets in both; NumberOfRvaAndSizes is not.
  let imageEnd = u32(opt, OPT.sizeOfHeaders);
  const dirCountAt = OPT_RVA_COUNT[magic];
  const dirCount = optSize >= dirCountAt + 4 ? u32(opt, dirCountAt) : 0;
  let certificate: PeImage["certificate"];
  const certAt = dirCountAt + 4 + DirectoryEntry.security * DATA_DIRECTORY_SIZE;
  if (dirCount > DirectoryEntry.security && optSize >= certAt + DATA_DIRECTORY_SIZE) {
    const offset = u32(opt, certAt);
    const size = u32(opt, certAt + 4);
    if (offset !== 0 && size !== 0) certificate = { offset, size };
  }
  const secAt = optAt + optSize;
  const table = src.read(secAt, sections * SECTION_HEADER_SIZE);
  if (table.length < sections * SECTION_HEADER_SIZE) throw bad(secAt, "section table cut short");
  for (let i = 0; i < sections; i++) {
    const s = i * SECTION_HEADER_SIZE;
    const rawSize = u32(table, s + SECTION.sizeOfRawData);
    const rawPtr = u32(table, s + SECTION.pointerToRawData);
    if (rawSize !== 0) imageEnd = Math.max(imageEnd, rawPtr + rawSize);
  }
  const checksumOffset = optAt + OPT.checkSum;
  return certificate
    ? { machine, imageEnd, checksumOffset, certificate }
    : { machine, imageEnd, checksumOffset };
}

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
