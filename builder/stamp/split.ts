/**
 * Take a PE apart into what is rebuilt as pe-library would rebuild it (the image: headers and
 * section data) and what it cannot, kept aside byte for byte: the tail after the image, which
 * holds the COFF symbol table with its string table and any overlay, and the Authenticode
 * certificate table. pe-library refuses files with symbols, so the image's headers say it has
 * none; the stamp stage puts the tail back and points PointerToSymbolTable at its new place.
 * Nothing here copies section data: each part is a range of the input.
 */
import {
  CERTIFICATE_ALIGNMENT,
  COFF,
  DirectoryEntry,
  SECTION_HEADER_SIZE,
} from "../pe/constants.js";
import {
  certificateTable,
  coffSymbols,
  directory,
  directoryEntryOffset,
  hex,
  type PeHeaders,
  type PeSource,
  type SectionHeader,
  sectionForRva,
  viewOf,
} from "../pe/headers.js";
import { InputError } from "../util/errors.js";

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
  /** Raw data block [offset, offset + length) of the input, gaps included. */
  readonly offset: number;
  readonly length: number;
  readonly firstVirtualAddress: number;
}

export interface SplitPe {
  /**
   * The image's headers and section table, [0, sectionTableEnd) of the input, a copy with no
   * symbols, no checksum, no certificate entry and the detached sections out of the count.
   */
  readonly head: Uint8Array;
  /** The sections rebuilt: all up to the detached ones. */
  readonly kept: readonly SectionHeader[];
  /** The image's section data lies in [0, imageLength) of the input. */
  readonly imageLength: number;
  readonly detached: Detached | undefined;
  /** The tail: bytes [tailOffset, tailOffset + tailLength) of the input, from imageEnd to
   * the end of the file or the start of the certificate table. */
  readonly tailOffset: number;
  readonly tailLength: number;
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
  src: PeSource,
  h: PeHeaders,
  rsrc: SectionHeader | undefined,
  label: string,
  stripSignature: boolean,
): SplitPe {
  let end = src.size;
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
      certEnd > src.size ||
      src.size - certEnd >= CERTIFICATE_ALIGNMENT
    ) {
      throw new InputError(
        `${label}: certificate table at offset ${hex(cert.rva)} (${cert.size} bytes) is not at the end of the file (${hex(src.size)}); cannot strip it safely`,
      );
    }
    end = cert.rva;
    strippedSignature = src.size - cert.rva;
  }
  const tailOffset = Math.min(h.imageEnd, end);
  if (h.pointerToSymbolTable !== 0 && h.pointerToSymbolTable < h.imageEnd) {
    throw new InputError(
      `${label}: COFF symbol table at offset ${hex(h.pointerToSymbolTable)} (field at ${hex(h.coffOffset + COFF.pointerToSymbolTable)}) lies inside the image (section data ends at ${hex(h.imageEnd)}); cannot move it`,
    );
  }
  const coff = coffSymbols(src, h, end, label);
  const symbols: SymbolTable | undefined = coff && {
    offsetInTail: coff.offset - tailOffset,
    length: coff.length,
    count: coff.count,
  };
  const tailLength = end - tailOffset;
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
      headers: after.map((s) => new Uint8Array(src.read(s.headerOffset, SECTION_HEADER_SIZE))),
      indexes: after.map((s) => s.index),
      offset,
      length: tailOffset - offset,
      firstVirtualAddress: after[0]!.virtualAddress,
    };
    imageLength = offset;
  }
  // A real copy: on a Node Buffer, a read is a view, and the edits below would reach the input.
  const head = new Uint8Array(src.read(0, h.sectionTableEnd));
  const headView = viewOf(head);
  if (after.length > 0) {
    headView.setUint16(h.coffOffset + COFF.numberOfSections, after[0]!.index, true);
  }
  headView.setUint32(h.coffOffset + COFF.pointerToSymbolTable, 0, true);
  headView.setUint32(h.coffOffset + COFF.numberOfSymbols, 0, true);
  // A zero CheckSum stops pe-library computing its own (wrong for odd lengths); ours follows.
  headView.setUint32(h.checksumOffset, 0, true);
  const certField = directoryEntryOffset(h, DirectoryEntry.security);
  if (certField !== undefined) {
    headView.setUint32(certField, 0, true);
    headView.setUint32(certField + 4, 0, true);
  }
  return {
    head,
    kept: after.length > 0 ? h.sections.slice(0, after[0]!.index) : h.sections,
    imageLength,
    detached,
    tailOffset,
    tailLength,
    symbols,
    hasOverlay: tailLength > symbolBytes,
    strippedSignature,
  };
}
