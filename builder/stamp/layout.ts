/**
 * Layout rules around pe-library's rebuild: what must hold before it runs (room for a new
 * section header, resources in a section of their own) and what the rebuild moved, fixed up
 * or refused (data directories and debug entries in sections after .rsrc).
 */
import {
  DATA_DIRECTORY_SIZE,
  DirectoryEntry,
  IMAGE_SCN_MEM_DISCARDABLE,
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
/** IMAGE_DIRECTORY_ENTRY_BOUND_IMPORT: lives in the header area, right after the section table. */
const BOUND_IMPORT = 11;
/** IMAGE_DEBUG_DIRECTORY: 28 bytes; AddressOfRawData at 20, PointerToRawData at 24. */
const DEBUG_ENTRY_SIZE = 28;
const DIRECTORY_NAMES = [
  "export",
  "import",
  "resource",
  "exception",
  "certificate",
  "base relocation",
  "debug",
  "architecture",
  "global pointer",
  "TLS",
  "load config",
  "bound import",
  "IAT",
  "delay import",
  "CLR runtime",
  "reserved",
];

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
export function checkRoomForSection(bytes: Uint8Array, h: PeHeaders, label: string): void {
  const slot = h.sectionTableOffset + h.sections.length * SECTION_HEADER_SIZE;
  const slotEnd = slot + SECTION_HEADER_SIZE;
  const firstRaw = Math.min(
    ...h.sections
      .filter((s) => s.sizeOfRawData > 0 && s.pointerToRawData > 0)
      .map((s) => s.pointerToRawData),
  );
  const sizeOfHeaders = viewOf(bytes).getUint32(h.optionalOffset + 60, true);
  const bound = directory(h, BOUND_IMPORT);
  const free =
    slotEnd <= firstRaw &&
    slotEnd <= sizeOfHeaders &&
    bound.size === 0 &&
    bytes.subarray(slot, slotEnd).every((b) => b === 0);
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
 * relocations or discardable data. Debug entries follow their data. Edits `out` in place.
 */
export function fixMovedSections(
  before: PeHeaders,
  after: PeHeaders,
  out: Uint8Array,
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
  const view = viewOf(out);
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
    const at = after.dataDirectoryOffset + i * DATA_DIRECTORY_SIZE;
    const s = d.rva === 0 ? undefined : sectionForRva(before, d.rva);
    if (s && vaDelta(s) !== 0 && i !== DirectoryEntry.baseReloc) {
      throw new InputError(
        `${label}: the ${DIRECTORY_NAMES[i]} directory in section ${s.name} would move; cannot stamp safely`,
      );
    }
    view.setUint32(at, s ? d.rva + vaDelta(s) : d.rva, true);
    view.setUint32(at + 4, d.size, true);
  });
  const debug = directory(before, DirectoryEntry.debug);
  const debugSection = debug.rva ? sectionForRva(before, debug.rva) : undefined;
  if (debugSection?.pointerToRawData) {
    const base =
      after.sections[debugSection.index]!.pointerToRawData +
      (debug.rva - debugSection.virtualAddress);
    for (let o = 0; o + DEBUG_ENTRY_SIZE <= debug.size; o += DEBUG_ENTRY_SIZE) {
      const rva = view.getUint32(base + o + 20, true);
      const ptr = view.getUint32(base + o + 24, true);
      const byRva = rva ? sectionForRva(before, rva) : undefined;
      if (byRva) view.setUint32(base + o + 20, rva + vaDelta(byRva), true);
      const byPtr = before.sections.find(
        (s) =>
          s.sizeOfRawData > 0 &&
          ptr >= s.pointerToRawData &&
          ptr < s.pointerToRawData + s.sizeOfRawData,
      );
      if (byPtr) view.setUint32(base + o + 24, ptr + rawDelta(byPtr), true);
      else if (ptr >= tail.from) view.setUint32(base + o + 24, ptr + tail.delta, true);
    }
  }
}

/** The final file must be a sound PE: sections in order, aligned, inside the file. */
export function checkSound(h: PeHeaders, label: string): void {
  let prevEnd = 0;
  const align = (n: number) => Math.ceil(n / h.sectionAlignment) * h.sectionAlignment;
  for (const s of h.sections) {
    if (s.virtualAddress < prevEnd) {
      throw new Error(`${label}: stamped image has overlapping section ${s.name}: this is a bug`);
    }
    prevEnd = s.virtualAddress + align(Math.max(s.virtualSize, 1));
  }
}
