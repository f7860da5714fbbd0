/**
 * The image rebuilt with new version resources, laid out exactly as pe-library's
 * NtExecutable would lay it out (outputResource, setSectionByEntry, generate), without
 * handing it the whole image: resedit and pe-library read and write the resource section
 * only (from a small PE holding the headers and that section), and the layout of the image
 * around it is worked out here on the headers, its section data left where it lies in the
 * input. The result is an OutputImage: bytes identical to pe-library's whole-image rebuild
 * (test/pe-stamp-stream.test.ts compares the two on real files).
 *
 * pe-library's rules, followed here step by step:
 *   read      a section with no raw pointer or no raw size has neither (both 0, no data);
 *   replace   the resource section keeps its address and raw pointer; its raw size is the new
 *             data rounded to FileAlignment, never less than before; sections after it move
 *             by the change of raw size and of aligned virtual size, each data directory
 *             starting in a moved section follows it (its size set to the section's virtual
 *             size), SizeOfImage is the end of the last section, the resource directory is
 *             {address, new virtual size};
 *   add       a new ".rsrc" after the last raw data and the highest address, the resource
 *             directory {address, raw size}, one more section, SizeOfImage to its end;
 *   generate  the headers up to the section table, the table, each section's data at its raw
 *             pointer, zeros elsewhere, the certificate directory entry zero.
 * Then (ours) the resource section's padding is zeros, not pe-library's "PADDINGX", and the
 * image ends where the section data does.
 */
import { NtExecutable, NtExecutableResource } from "resedit";
import {
  COFF,
  DATA_DIRECTORY_COUNT,
  DATA_DIRECTORY_SIZE,
  DirectoryEntry,
  OPT,
  SECTION,
  SECTION_HEADER_SIZE,
} from "../pe/constants.js";
import { hex, type PeHeaders, type PeSource, readPeHeaders, viewOf } from "../pe/headers.js";
import { InputError } from "../util/errors.js";
import { OutputImage } from "./output.js";
import type { SplitPe } from "./split.js";
import { editVersionResources, type VersionEdit } from "./version-resource.js";

/** What pe-library writes for a resource section it adds (IMAGE_SCN_MEM_READ | CNT_INITIALIZED_DATA). */
const NEW_RSRC_CHARACTERISTICS = 0x40000040;
const NEW_RSRC_NAME = ".rsrc";

const roundUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** A section as pe-library holds it: its 40-byte header and where its data comes from. */
interface Section {
  readonly header: Uint8Array;
  /** A range of the input, our own bytes, or none. */
  data: { readonly from: number; readonly length: number } | Uint8Array | undefined;
}

function field(s: Section, at: number): number {
  return viewOf(s.header).getUint32(at, true);
}
function setField(s: Section, at: number, value: number): void {
  viewOf(s.header).setUint32(at, value >>> 0, true);
}

/** The new resource section: its data (RVAs not yet set) and pe-library's section header. */
interface Resources {
  readonly bin: Uint8Array;
  readonly header: Uint8Array;
  /** Where the data entries start (16 bytes each) and the data itself, in `bin`. */
  readonly descEntryOffset: number;
  readonly descEntryCount: number;
  readonly dataOffset: number;
}

/**
 * The resources edited by resedit, from a PE made of the headers and the resource section
 * alone (pe-library reads nothing else of it), generated as outputResource generates them.
 */
function newResources(
  src: PeSource,
  h: PeHeaders,
  split: SplitPe,
  rsrcIndex: number | undefined,
  edit: VersionEdit,
  label: string,
): Resources {
  const secOff = h.sectionTableOffset;
  const rsrc = rsrcIndex === undefined ? undefined : split.kept[rsrcIndex];
  const dataAt = roundUp(secOff + SECTION_HEADER_SIZE, h.fileAlignment);
  const mini = new Uint8Array(rsrc ? dataAt + rsrc.sizeOfRawData : secOff);
  mini.set(split.head.subarray(0, secOff));
  const view = viewOf(mini);
  view.setUint16(h.coffOffset + COFF.numberOfSections, rsrc ? 1 : 0, true);
  if (rsrc) {
    mini.set(src.read(rsrc.headerOffset, SECTION_HEADER_SIZE), secOff);
    view.setUint32(secOff + SECTION.pointerToRawData, rsrc.sizeOfRawData > 0 ? dataAt : 0, true);
    mini.set(src.read(rsrc.pointerToRawData, rsrc.sizeOfRawData), dataAt);
  }
  let res: NtExecutableResource;
  try {
    res = NtExecutableResource.from(NtExecutable.from(mini, { ignoreCert: true }));
  } catch (err) {
    throw new InputError(`${label}: cannot read the PE resources: ${(err as Error).message}`);
  }
  try {
    editVersionResources(res, edit);
    const data = res.generateResourceData(0, h.fileAlignment, false, false);
    const bin = new Uint8Array(data.bin);
    const header = new Uint8Array(SECTION_HEADER_SIZE);
    const kept = res.sectionDataHeader;
    if (kept && rsrc) header.set(src.read(rsrc.headerOffset, SECTION_HEADER_SIZE));
    else {
      header.set(new TextEncoder().encode(NEW_RSRC_NAME));
      viewOf(header).setUint32(SECTION.characteristics, NEW_RSRC_CHARACTERISTICS, true);
    }
    viewOf(header).setUint32(SECTION.sizeOfRawData, bin.length, true);
    viewOf(header).setUint32(SECTION.virtualSize, data.rawSize, true);
    return {
      bin,
      header,
      descEntryOffset: data.descEntryOffset,
      descEntryCount: data.descEntryCount,
      dataOffset: data.dataOffset,
    };
  } catch (err) {
    throw new InputError(`${label}: cannot rewrite the PE resources: ${(err as Error).message}`);
  }
}

/**
 * Rebuild the image (headers and the kept sections, no tail) with new version resources.
 * Without a resource section (`rsrcIndex` undefined) one is added, after the last section's
 * raw size is rounded up to FileAlignment.
 */
export function rebuildImage(
  src: PeSource,
  h: PeHeaders,
  split: SplitPe,
  rsrcIndex: number | undefined,
  edit: VersionEdit,
  label: string,
): OutputImage {
  const secOff = h.sectionTableOffset;
  if (h.dataDirectoryOffset + DATA_DIRECTORY_COUNT * DATA_DIRECTORY_SIZE !== secOff) {
    // pe-library finds the section table after 16 data directories, whatever the header says.
    throw new InputError(
      `${label}: cannot read the PE resources: the section table at ${hex(secOff)} does not follow 16 data directories (SizeOfOptionalHeader ${h.sizeOfOptionalHeader})`,
    );
  }
  for (const s of split.kept) {
    if (s.sizeOfRawData > 0 && s.pointerToRawData > 0 && s.pointerToRawData < h.sectionTableEnd) {
      throw new InputError(
        `${label}: section ${s.name} raw data at ${hex(s.pointerToRawData)} lies inside the headers (the section table ends at ${hex(h.sectionTableEnd)}); cannot rewrite the resources safely`,
      );
    }
  }
  const fa = h.fileAlignment;
  const sa = h.sectionAlignment;
  // The headers as pe-library holds them: [0, section table), edited through this view.
  const headers = new Uint8Array(split.head.subarray(0, secOff));
  const hv = viewOf(headers);
  const dirAt = (i: number) => h.dataDirectoryOffset + i * DATA_DIRECTORY_SIZE;
  const getDir = (i: number) => ({
    rva: hv.getUint32(dirAt(i), true),
    size: hv.getUint32(dirAt(i) + 4, true),
  });
  const setDir = (i: number, rva: number, size: number) => {
    hv.setUint32(dirAt(i), rva >>> 0, true);
    hv.setUint32(dirAt(i) + 4, size >>> 0, true);
  };
  /** The first directory whose range holds `va` (pe-library looks at all 16). */
  const dirIndexOf = (va: number) => {
    for (let i = 0; i < DATA_DIRECTORY_COUNT; i++) {
      const d = getDir(i);
      if (va >= d.rva && va < d.rva + d.size) return i;
    }
    return undefined;
  };
  const sizeOfImageAt = h.optionalOffset + OPT.sizeOfImage;

  // Read: the kept sections, a section without raw pointer or size has neither.
  const sections: Section[] = split.kept.map((s) => {
    const header = new Uint8Array(src.read(s.headerOffset, SECTION_HEADER_SIZE));
    const sec: Section = { header, data: undefined };
    if (s.pointerToRawData === 0 || s.sizeOfRawData === 0) {
      setField(sec, SECTION.pointerToRawData, 0);
      setField(sec, SECTION.sizeOfRawData, 0);
    } else {
      sec.data = { from: s.pointerToRawData, length: s.sizeOfRawData };
    }
    return sec;
  });
  if (rsrcIndex === undefined) alignLastSection(sections, fa);

  const res = newResources(src, h, split, rsrcIndex, edit, label);
  const info = res.header;
  const rawSize = res.bin.length;
  const virtualSize = viewOf(info).getUint32(SECTION.virtualSize, true);
  const alignedSecSize = roundUp(virtualSize, sa);
  const rsrcDir = getDir(DirectoryEntry.resource);
  let rsrcSection: Section;
  if (rsrcDir.size > 0) {
    // Replace the section that starts at the resource directory.
    const s = sections.find((x) => field(x, SECTION.virtualAddress) === rsrcDir.rva);
    if (!s) {
      throw new InputError(
        `${label}: cannot rewrite the PE resources: no section starts at the resource directory (RVA ${hex(rsrcDir.rva)})`,
      );
    }
    const va = rsrcDir.rva;
    const fileAddr = field(s, SECTION.pointerToRawData);
    const oldFileEnd = fileAddr + field(s, SECTION.sizeOfRawData);
    const oldVaEnd = va + roundUp(field(s, SECTION.virtualSize), sa);
    s.header.set(info);
    setField(s, SECTION.virtualAddress, va);
    setField(s, SECTION.pointerToRawData, fileAddr);
    s.data = res.bin;
    const rawDiff = fileAddr + rawSize - oldFileEnd;
    const vaDiff = va + alignedSecSize - oldVaEnd;
    if (rawDiff !== 0 || vaDiff !== 0) {
      let lastEnd = 0;
      for (const x of sections) {
        let xva = field(x, SECTION.virtualAddress);
        if (vaDiff !== 0 && xva >= oldVaEnd) {
          const d = dirIndexOf(xva);
          xva += vaDiff;
          if (d !== undefined) setDir(d, xva, field(x, SECTION.virtualSize));
          setField(x, SECTION.virtualAddress, xva);
        }
        const ptr = field(x, SECTION.pointerToRawData);
        if (rawDiff !== 0 && ptr >= oldFileEnd)
          setField(x, SECTION.pointerToRawData, ptr + rawDiff);
        lastEnd = roundUp(xva + field(x, SECTION.virtualSize), sa);
      }
      hv.setUint32(sizeOfImageAt, lastEnd, true);
    }
    const d = dirIndexOf(va);
    if (d !== undefined) setDir(d, va, virtualSize);
    rsrcSection = s;
  } else {
    // Add one after the last raw data and the highest address.
    let rawAddr = roundUp(secOff, fa);
    let va = 0;
    for (const x of sections) {
      const ptr = field(x, SECTION.pointerToRawData);
      if (ptr && rawAddr <= ptr) rawAddr = ptr + field(x, SECTION.sizeOfRawData);
      const xva = field(x, SECTION.virtualAddress);
      if (va <= xva) va = xva + field(x, SECTION.virtualSize);
    }
    if (!va) va = hv.getUint32(h.optionalOffset + OPT.baseOfCode, true);
    va = roundUp(va, sa);
    const s: Section = { header: new Uint8Array(info), data: res.bin };
    setField(s, SECTION.pointerToRawData, rawAddr);
    setField(s, SECTION.virtualAddress, va);
    setDir(DirectoryEntry.resource, va, rawSize);
    sections.push(s);
    hv.setUint16(h.coffOffset + COFF.numberOfSections, sections.length, true);
    hv.setUint32(sizeOfImageAt, roundUp(va + alignedSecSize, sa), true);
    rsrcSection = s;
  }
  // outputResource: each data entry's RVA, in order, 8-byte aligned from the data's start.
  const bv = viewOf(res.bin);
  let rva = field(rsrcSection, SECTION.virtualAddress) + res.dataOffset;
  for (let i = 0, o = res.descEntryOffset; i < res.descEntryCount; i++, o += 16) {
    rva = roundUp(rva, 8);
    bv.setUint32(o, rva, true);
    rva += bv.getUint32(o + 4, true);
  }

  // generate: headers, table, each section's data at its raw pointer, zeros elsewhere.
  setDir(DirectoryEntry.security, 0, 0);
  const out = new OutputImage(src);
  const table = new Uint8Array(headers.length + sections.length * SECTION_HEADER_SIZE);
  table.set(headers);
  sections.forEach((s, i) => {
    if (!s.data) {
      setField(s, SECTION.pointerToRawData, 0);
      setField(s, SECTION.sizeOfRawData, 0);
    }
    table.set(s.header, secOff + i * SECTION_HEADER_SIZE);
  });
  out.adopt(0, table);
  for (const s of sections) {
    const ptr = field(s, SECTION.pointerToRawData);
    if (!s.data || !ptr) continue;
    const size = field(s, SECTION.sizeOfRawData);
    if (s.data instanceof Uint8Array) out.adopt(ptr, s.data);
    else {
      // The image handed to pe-library ended at imageLength: what lies past it is zeros
      // (alignLastSection's rounding).
      out.copy(ptr, s.data.from, Math.min(size, Math.max(0, split.imageLength - s.data.from)));
    }
    out.resize(Math.max(out.size, ptr + size));
  }
  const after = readPeHeaders(out);
  if (!after) throw new Error(`${label}: rebuilt image lost its PE signature: this is a bug`);
  // Zeros, as linkers write, after the resource data (pe-library pads with "PADDINGX").
  const vs = field(rsrcSection, SECTION.virtualSize);
  const raw = field(rsrcSection, SECTION.sizeOfRawData);
  const ptr = field(rsrcSection, SECTION.pointerToRawData);
  if (ptr && vs < raw) out.zero(ptr + vs, raw - vs);
  out.resize(after.imageEnd);
  return out;
}

/**
 * Before a .rsrc section is appended: pe-library places it right where the last section's
 * raw data ends, so that end must be FileAlignment-aligned. Round the last section's
 * SizeOfRawData up (zero bytes, which the loader would map as zeros anyway).
 */
function alignLastSection(sections: readonly Section[], fileAlignment: number): void {
  let last: Section | undefined;
  for (const s of sections) {
    if (!s.data) continue;
    if (!last || field(s, SECTION.pointerToRawData) > field(last, SECTION.pointerToRawData)) {
      last = s;
    }
  }
  if (!last) return;
  const ptr = field(last, SECTION.pointerToRawData);
  const end = ptr + field(last, SECTION.sizeOfRawData);
  const aligned = roundUp(end, fileAlignment);
  if (aligned !== end) setField(last, SECTION.sizeOfRawData, aligned - ptr);
}
