/**
 * Take a PE apart into what pe-library can rebuild (the image: headers and section data) and
 * what it cannot, kept aside byte for byte: the tail after the image, which holds the COFF
 * symbol table with its string table and any overlay, and the Authenticode certificate table.
 * pe-library refuses files with symbols, so the image handed to it says it has none; the
 * stamp stage puts the tail back and points PointerToSymbolTable at its new place.
 */
import {
  CERTIFICATE_ALIGNMENT,
  COFF,
  COFF_SYMBOL_SIZE,
  DATA_DIRECTORY_SIZE,
  DirectoryEntry,
  SECTION_HEADER_SIZE,
} from "../pe/constants.js";
import {
  directory,
  type PeHeaders,
  type SectionHeader,
  sectionForRva,
  viewOf,
} from "../pe/headers.js";
import { InputError } from "../util/errors.js";

const hex = (n: number) => `0x${n.toString(16)}`;

export interface SymbolTable {
  /** Offset of the first symbol record inside the tail. */
  readonly offsetInTail: number;
  /** Symbol records plus the string table, in bytes. */
  readonly length: number;
  readonly count: number;
}

/**
 * Sections after .rsrc other than .reloc (debug sections of mingw and Wine builds), taken out
 * of the table before pe-library sees it (it refuses them) and put back after the rebuild,
 * their raw data moved as one block.
 */
export interface Detached {
  /** The original 40-byte section headers. */
  readonly headers: readonly Uint8Array[];
  /** Their section indexes in the input. */
  readonly indexes: readonly number[];
  /** Raw data block [offset, offset + data.length) of the input, gaps included. */
  readonly offset: number;
  readonly data: Uint8Array;
  readonly firstVirtualAddress: number;
}

export interface SplitPe {
  /** Headers and section data of the kept sections, with no symbols and no certificate. */
  readonly image: Uint8Array;
  readonly detached: Detached | undefined;
  /** Bytes [imageEnd, end of file or start of the certificate table). */
  readonly tail: Uint8Array;
  /** Where the tail started in the input. */
  readonly tailOffset: number;
  readonly symbols: SymbolTable | undefined;
  /** Whether the tail holds anything besides the symbol table: a real overlay. */
  readonly hasOverlay: boolean;
  /** Bytes of certificate table dropped (0 when unsigned). */
  readonly strippedSignature: number;
}

/** The sections to detach: every section after the resource section except .reloc. */
function detachable(h: PeHeaders, rsrc: SectionHeader | undefined, label: string): SectionHeader[] {
  if (!rsrc) return [];
  const reloc = sectionForRva(h, directory(h, DirectoryEntry.baseReloc).rva);
  let after = h.sections.slice(rsrc.index + 1);
  if (after[0] && after[0] === reloc) after = after.slice(1);
  if (after.length === 0) return [];
  const rawEnd = Math.max(
    ...h.sections
      .slice(0, after[0]!.index)
      .filter((s) => s.sizeOfRawData > 0)
      .map((s) => s.pointerToRawData + s.sizeOfRawData),
  );
  for (const s of after) {
    if (s === reloc || (s.sizeOfRawData > 0 && s.pointerToRawData < rawEnd)) {
      throw new InputError(
        `${label}: section ${s.name} (index ${s.index}) follows the resources but its data lies before theirs (offset 0x${s.pointerToRawData.toString(16)}); cannot rewrite the resources safely`,
      );
    }
  }
  return after;
}

export function splitPe(
  bytes: Uint8Array,
  h: PeHeaders,
  rsrc: SectionHeader | undefined,
  label: string,
  stripSignature: boolean,
): SplitPe {
  const view = viewOf(bytes);
  let end = bytes.length;
  let strippedSignature = 0;
  const cert = directory(h, DirectoryEntry.security);
  if (cert.rva !== 0 && cert.size !== 0) {
    if (!stripSignature) {
      throw new InputError(
        `${label}: the file is signed (Authenticode certificate table at offset ${hex(cert.rva)}); stamping would break the signature: strip it (--strip-signature) and re-sign afterwards`,
      );
    }
    const certEnd = cert.rva + cert.size;
    // The table is 8-byte aligned at the end of the file; allow its alignment padding.
    if (
      cert.rva < h.imageEnd ||
      certEnd > bytes.length ||
      bytes.length - certEnd >= CERTIFICATE_ALIGNMENT
    ) {
      throw new InputError(
        `${label}: certificate table at offset ${hex(cert.rva)} (${cert.size} bytes) is not at the end of the file (${hex(bytes.length)}); cannot strip it safely`,
      );
    }
    end = cert.rva;
    strippedSignature = bytes.length - cert.rva;
  }
  const tailOffset = Math.min(h.imageEnd, end);
  let symbols: SymbolTable | undefined;
  if (h.pointerToSymbolTable !== 0) {
    const p = h.pointerToSymbolTable;
    const where = h.coffOffset + COFF.pointerToSymbolTable;
    if (p < h.imageEnd) {
      throw new InputError(
        `${label}: COFF symbol table at offset ${hex(p)} (field at ${hex(where)}) lies inside the image (section data ends at ${hex(h.imageEnd)}); cannot move it`,
      );
    }
    const stringsAt = p + h.numberOfSymbols * COFF_SYMBOL_SIZE;
    if (stringsAt + 4 > end) {
      throw new InputError(
        `${label}: COFF symbol table at offset ${hex(p)} with ${h.numberOfSymbols} symbols runs past the end of the data (${hex(end)})`,
      );
    }
    const stringsSize = Math.max(4, view.getUint32(stringsAt, true));
    if (stringsAt + stringsSize > end) {
      throw new InputError(
        `${label}: COFF string table at offset ${hex(stringsAt)} (${stringsSize} bytes) runs past the end of the data (${hex(end)})`,
      );
    }
    symbols = {
      offsetInTail: p - tailOffset,
      length: stringsAt + stringsSize - p,
      count: h.numberOfSymbols,
    };
  } else if (h.numberOfSymbols !== 0) {
    throw new InputError(
      `${label}: NumberOfSymbols is ${h.numberOfSymbols} but PointerToSymbolTable is 0 (COFF header at ${hex(h.coffOffset)})`,
    );
  }
  const tail = bytes.subarray(tailOffset, end);
  const symbolBytes = symbols?.length ?? 0;
  const after = detachable(h, rsrc, label);
  let detached: Detached | undefined;
  let imageLength = tailOffset;
  if (after.length > 0) {
    const withData = after.filter((s) => s.sizeOfRawData > 0 && s.pointerToRawData > 0);
    const offset = withData.length
      ? Math.min(...withData.map((s) => s.pointerToRawData))
      : tailOffset;
    detached = {
      headers: after.map((s) => {
        const at = h.sectionTableOffset + s.index * SECTION_HEADER_SIZE;
        return bytes.slice(at, at + SECTION_HEADER_SIZE);
      }),
      indexes: after.map((s) => s.index),
      offset,
      data: bytes.subarray(offset, tailOffset),
      firstVirtualAddress: after[0]!.virtualAddress,
    };
    imageLength = offset;
  }
  const image = bytes.slice(0, imageLength);
  const imageView = viewOf(image);
  if (after.length > 0) {
    imageView.setUint16(h.coffOffset + COFF.numberOfSections, after[0]!.index, true);
  }
  imageView.setUint32(h.coffOffset + COFF.pointerToSymbolTable, 0, true);
  imageView.setUint32(h.coffOffset + COFF.numberOfSymbols, 0, true);
  // A zero CheckSum stops pe-library computing its own (wrong for odd lengths); ours follows.
  imageView.setUint32(h.checksumOffset, 0, true);
  const certField = h.dataDirectoryOffset + DirectoryEntry.security * DATA_DIRECTORY_SIZE;
  if (h.dataDirectories.length > DirectoryEntry.security) {
    imageView.setUint32(certField, 0, true);
    imageView.setUint32(certField + 4, 0, true);
  }
  return {
    image,
    detached,
    tail,
    tailOffset,
    symbols,
    hasOverlay: tail.length > symbolBytes,
    strippedSignature,
  };
}
