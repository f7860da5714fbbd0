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
  DirectoryEntry,
  SECTION_HEADER_SIZE,
} from "../../../builder/pe/constants.js";
import {
  certificateTable,
  coffSymbols,
  directory,
  directoryEntryOffset,
  hex,
  type PeHeaders,
  type SectionHeader,
  sectionForRva,
  viewOf,
} from "../../../builder/pe/headers.js";
import { InputError } from "../../../builder/util/errors.js";

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
  let end = bytes.length;
  let strippedSignature = 0;
  const cert = certificateTable(h);
  if (cert) {
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
  if (h.pointerToSymbolTable !== 0 && h.pointerToSymbolTable < h.imageEnd) {
    throw new InputError(
      `${label}: COFF symbol table at offset ${hex(h.pointerToSymbolTable)} (field at ${hex(h.coffOffset + COFF.pointerToSymbolTable)}) lies inside the image (section data ends at ${hex(h.imageEnd)}); cannot move it`,
    );
  }
  const coff = coffSymbols(bytes, h, end, label);
  const symbols: SymbolTable | undefined = coff && {
    offsetInTail: coff.offset - tailOffset,
    length: coff.length,
    count: coff.count,
  };
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
      headers: after.map(
        (s) => new Uint8Array(bytes.subarray(s.headerOffset, s.headerOffset + SECTION_HEADER_SIZE)),
      ),
      indexes: after.map((s) => s.index),
      offset,
      data: bytes.subarray(offset, tailOffset),
      firstVirtualAddress: after[0]!.virtualAddress,
    };
    imageLength = offset;
  }
  // A real copy: on a Node Buffer, slice() is a view, and the edits below would reach the input.
  const image = new Uint8Array(bytes.subarray(0, imageLength));
  const imageView = viewOf(image);
  if (after.length > 0) {
    imageView.setUint16(h.coffOffset + COFF.numberOfSections, after[0]!.index, true);
  }
  imageView.setUint32(h.coffOffset + COFF.pointerToSymbolTable, 0, true);
  imageView.setUint32(h.coffOffset + COFF.numberOfSymbols, 0, true);
  // A zero CheckSum stops pe-library computing its own (wrong for odd lengths); ours follows.
  imageView.setUint32(h.checksumOffset, 0, true);
  const certField = directoryEntryOffset(h, DirectoryEntry.security);
  if (certField !== undefined) {
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
