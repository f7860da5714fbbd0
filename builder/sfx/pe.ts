/**
 * The little of a PE file the package code needs: the machine, where the image ends (the
 * end of the last section's raw data) and the Authenticode certificate table.
 */
import { InputError } from "../util/errors.js";
import type { ByteSource } from "./bytes.js";
import { Pe } from "./constants.js";

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
  const dos = src.read(0, 64);
  if (dos.length < 64 || u16(dos, 0) !== Pe.dosSignature) throw bad(0, 'no "MZ" signature');
  const nt = u32(dos, Pe.lfanewOffset);
  const coff = src.read(nt, Pe.coffHeaderSize);
  if (coff.length < Pe.coffHeaderSize || u32(coff, 0) !== Pe.ntSignature) {
    throw bad(nt, 'no "PE" signature where e_lfanew points');
  }
  const machine = u16(coff, 4);
  const sections = u16(coff, 6);
  const optSize = u16(coff, 20);
  const optAt = nt + Pe.coffHeaderSize;
  const opt = src.read(optAt, optSize);
  if (opt.length < optSize || optSize < 2) throw bad(optAt, "optional header cut short");
  const magic = u16(opt, 0);
  if (magic !== Pe.magicPe32 && magic !== Pe.magicPe32Plus) {
    throw bad(optAt, `optional header magic 0x${magic.toString(16)}`);
  }
  const plus = magic === Pe.magicPe32Plus;
  // SizeOfHeaders @60 in both; NumberOfRvaAndSizes @92 (PE32) / @108 (PE32+), then the directories.
  let imageEnd = u32(opt, 60);
  const dirCountAt = plus ? 108 : 92;
  const dirCount = optSize >= dirCountAt + 4 ? u32(opt, dirCountAt) : 0;
  let certificate: PeImage["certificate"];
  const certAt = dirCountAt + 4 + Pe.certificateDirectory * 8;
  if (dirCount > Pe.certificateDirectory && optSize >= certAt + 8) {
    const offset = u32(opt, certAt);
    const size = u32(opt, certAt + 4);
    if (offset !== 0 && size !== 0) certificate = { offset, size };
  }
  const secAt = optAt + optSize;
  const table = src.read(secAt, sections * Pe.sectionHeaderSize);
  if (table.length < sections * Pe.sectionHeaderSize) throw bad(secAt, "section table cut short");
  for (let i = 0; i < sections; i++) {
    const s = i * Pe.sectionHeaderSize;
    const rawSize = u32(table, s + 16);
    const rawPtr = u32(table, s + 20);
    if (rawSize !== 0) imageEnd = Math.max(imageEnd, rawPtr + rawSize);
  }
  const checksumOffset = optAt + 64; // CheckSum: at 64 in both PE32 and PE32+
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
