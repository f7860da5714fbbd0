/**
 * Layout rules around pe-library's rebuild: what must hold before it runs (room for a new
 * section header, resources in a section of their own) and what the rebuild moved, fixed up
 * or refused (data directories and debug entries in sections after .rsrc).
 */
import {
  COMIMAGE_FLAGS_STRONGNAMESIGNED,
  DEBUG_ENTRY,
  DIRECTORY_NAMES,
  DirectoryEntry,
  IMAGE_SCN_MEM_DISCARDABLE,
  OPT,
  SECTION,
  SECTION_HEADER_SIZE,
} from "../pe/constants.js";
import {
  clrFlags,
  damaged,
  directory,
  directoryEntryOffset,
  hex,
  type PeHeaders,
  type PeSource,
  type SectionHeader,
  sectionForRva,
} from "../pe/headers.js";
import { InputError } from "../util/errors.js";
import type { OutputImage } from "./output.js";

/**
 * Sections must be in ascending address order without overlap, and their raw data too, as
 * the PE format requires; pe-library would silently reorder them otherwise.
 */
export function checkSectionTable(h: PeHeaders, label: string): void {
  const alignUp = (n: number) => Math.ceil(n / h.sectionAlignment) * h.sectionAlignment;
  if (h.sectionAlignment === 0 || (h.sectionAlignment & (h.sectionAlignment - 1)) !== 0) {
    throw damaged(
      label,
      h.optionalOffset + OPT.sectionAlignment,
      `SectionAlignment ${h.sectionAlignment} is not a power of two`,
    );
  }
  let vaEnd = 0;
  let rawEnd = 0;
  for (const s of h.sections) {
    const at = s.headerOffset;
    if (s.virtualAddress < vaEnd || s.virtualAddress % h.sectionAlignment !== 0) {
      throw damaged(
        label,
        at + SECTION.virtualAddress,
        `section ${s.name} at RVA ${hex(s.virtualAddress)} is out of order, overlaps the previous one or is not aligned to ${hex(h.sectionAlignment)}`,
      );
    }
    vaEnd = s.virtualAddress + alignUp(Math.max(s.virtualSize, 1));
    if (s.sizeOfRawData > 0 && s.pointerToRawData > 0) {
      if (s.pointerToRawData < rawEnd) {
        throw damaged(
          label,
          at + SECTION.pointerToRawData,
          `section ${s.name} raw data at ${hex(s.pointerToRawData)} overlaps the previous section's (ending at ${hex(rawEnd)})`,
        );
      }
      rawEnd = s.pointerToRawData + s.sizeOfRawData;
    }
  }
}

/** The section that holds the resources, or undefined when the file has none. */
export function resourceSection(h: PeHeaders, label: string): SectionHeader | undefined {
  const dir = directory(h, DirectoryEntry.resource);
  if (dir.rva === 0 || dir.size === 0) return undefined;
  const s = sectionForRva(h, dir.rva);
  if (!s || s.virtualAddress !== dir.rva) {
    throw new InputError(
      `${label}: the resources (RVA ${hex(dir.rva)}) do not start a section of their own${s ? ` (they are inside ${s.name})` : ""}; cannot rewrite them safely`,
    );
  }
  h.dataDirectories.forEach((d, i) => {
    if (i === DirectoryEntry.resource || i === DirectoryEntry.security || d.rva === 0) return;
    if (sectionForRva(h, d.rva) === s) {
      throw new InputError(
        `${label}: section ${s.name} holds the ${DIRECTORY_NAMES[i]} directory besides the resources; cannot rewrite it safely`,
      );
    }
  });
  return s;
}

/** Before adding a .rsrc section: the section table must have room for one more header. */
export function checkRoomForSection(src: PeSource, h: PeHeaders, label: string): void {
  const slot = h.sectionTableEnd;
  const slotEnd = slot + SECTION_HEADER_SIZE;
  const firstRaw = Math.min(
    ...h.sections
      .filter((s) => s.sizeOfRawData > 0 && s.pointerToRawData > 0)
      .map((s) => s.pointerToRawData),
  );
  const { sizeOfHeaders } = h;
  const bound = directory(h, DirectoryEntry.boundImport);
  const free =
    slotEnd <= firstRaw &&
    slotEnd <= sizeOfHeaders &&
    bound.size === 0 &&
    src.read(slot, SECTION_HEADER_SIZE).every((b) => b === 0);
  if (!free) {
    throw new InputError(
      `${label}: no room for a .rsrc section header at offset ${hex(slot)} (headers end at ${hex(Math.min(firstRaw, sizeOfHeaders))}); the file has no resources and cannot get a version resource`,
    );
  }
}

/**
 * After the rebuild: every section keeps its place in the table; sections after .rsrc may
 * have moved. Data directories keep their sizes (pe-library sets some to the section size),
 * follow their section's move, and a moved section must be one nothing addresses: the base
 * relocations or discardable data. Debug entries follow their data. Edits `out`.
 */
export function fixMovedSections(
  before: PeHeaders,
  after: PeHeaders,
  out: OutputImage,
  rsrcIndex: number | undefined,
  tail: { readonly from: number; readonly delta: number },
  label: string,
): void {
  for (const [i, s] of before.sections.entries()) {
    if (after.sections[i]?.name !== s.name) {
      throw new Error(
        `${label}: rebuild reordered the sections (${s.name} at ${i}): this is a bug`,
      );
    }
  }
  const vaDelta = (s: SectionHeader) => after.sections[s.index]!.virtualAddress - s.virtualAddress;
  const rawDelta = (s: SectionHeader) =>
    after.sections[s.index]!.pointerToRawData - s.pointerToRawData;
  for (const s of before.sections) {
    if (s.index === rsrcIndex || vaDelta(s) === 0) continue;
    const holdsRelocs =
      sectionForRva(before, directory(before, DirectoryEntry.baseReloc).rva) === s;
    if (!holdsRelocs && (s.characteristics & IMAGE_SCN_MEM_DISCARDABLE) === 0) {
      throw new InputError(
        `${label}: section ${s.name} follows the resources and would move from RVA ${hex(s.virtualAddress)} to ${hex(after.sections[s.index]!.virtualAddress)}; only .reloc and discardable sections may follow .rsrc`,
      );
    }
  }
  before.dataDirectories.forEach((d, i) => {
    if (i === DirectoryEntry.resource || i === DirectoryEntry.security) return;
    const at = directoryEntryOffset(after, i)!;
    const s = d.rva === 0 ? undefined : sectionForRva(before, d.rva);
    if (s && vaDelta(s) !== 0 && i !== DirectoryEntry.baseReloc) {
      throw new InputError(
        `${label}: the ${DIRECTORY_NAMES[i]} directory in section ${s.name} would move; cannot stamp safely`,
      );
    }
    out.setUint32(at, s ? d.rva + vaDelta(s) : d.rva);
    out.setUint32(at + 4, d.size);
  });
  const debug = directory(before, DirectoryEntry.debug);
  const debugSection = debug.rva ? sectionForRva(before, debug.rva) : undefined;
  if (debugSection?.pointerToRawData) {
    const base =
      after.sections[debugSection.index]!.pointerToRawData +
      (debug.rva - debugSection.virtualAddress);
    for (let o = 0; o + DEBUG_ENTRY.size <= debug.size; o += DEBUG_ENTRY.size) {
      const rva = out.getUint32(base + o + DEBUG_ENTRY.addressOfRawData);
      const ptr = out.getUint32(base + o + DEBUG_ENTRY.pointerToRawData);
      const byRva = rva ? sectionForRva(before, rva) : undefined;
      if (byRva) out.setUint32(base + o + DEBUG_ENTRY.addressOfRawData, rva + vaDelta(byRva));
      const byPtr = before.sections.find(
        (s) =>
          s.sizeOfRawData > 0 &&
          ptr >= s.pointerToRawData &&
          ptr < s.pointerToRawData + s.sizeOfRawData,
      );
      if (byPtr) out.setUint32(base + o + DEBUG_ENTRY.pointerToRawData, ptr + rawDelta(byPtr));
      else if (ptr >= tail.from)
        out.setUint32(base + o + DEBUG_ENTRY.pointerToRawData, ptr + tail.delta);
    }
  }
}

/** The final file must be a sound PE: sections in order, aligned, inside the file. */
export function checkSound(h: PeHeaders, before: PeHeaders, label: string): void {
  let prevEnd = 0;
  const align = (n: number) => Math.ceil(n / h.sectionAlignment) * h.sectionAlignment;
  for (const s of h.sections) {
    if (s.virtualAddress < prevEnd) {
      throw new Error(`${label}: stamped image has overlapping section ${s.name}: this is a bug`);
    }
    prevEnd = s.virtualAddress + align(Math.max(s.virtualSize, 1));
    const old = before.sections[s.index];
    const placedByUs = !old || old.pointerToRawData !== s.pointerToRawData;
    const wasAligned = !old || old.pointerToRawData % h.fileAlignment === 0;
    if (
      placedByUs &&
      wasAligned &&
      s.sizeOfRawData > 0 &&
      s.pointerToRawData % h.fileAlignment !== 0
    ) {
      throw new Error(
        `${label}: stamped section ${s.name} starts at unaligned offset ${hex(s.pointerToRawData)}: this is a bug`,
      );
    }
  }
}

/**
 * A strong-named .NET assembly: its strong-name signature hashes the whole image, resources
 * included, so any stamp breaks it and the runtime refuses to load the assembly.
 */
export function checkNotStrongNamed(src: PeSource, h: PeHeaders, label: string): void {
  const clr = clrFlags(src, h);
  if (clr && clr.flags & COMIMAGE_FLAGS_STRONGNAMESIGNED) {
    throw new InputError(
      `${label}: strong-name signed .NET assembly (COR20 flags 0x${clr.flags.toString(16)} at offset ${hex(clr.offset)}); stamping would invalidate the strong name: set the version when building the assembly instead`,
    );
  }
}
