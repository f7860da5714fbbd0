/**
 * stampPe: write a version resource into a PE image, pure bytes in, bytes out.
 *
 *   check      section table, resource tree and version resources sound before any library
 *   split      headers + sections up to .rsrc/.reloc | detached sections after them (debug)
 *              | tail (COFF symbols, overlay) | certificate (refused or stripped)
 *   rebuild    pe-library + resedit rewrite .rsrc (or add it) in the image only
 *   reattach   detached sections after the rebuilt ones, moved as one block
 *   fix up     directories and debug entries of moved sections; tail placed back; symbol
 *              pointer, TimeDateStamp, CheckSum (always recomputed, valid for any length)
 *   read back  our own reader must see the new versions, or nothing is returned
 */
import { NtExecutable, NtExecutableResource } from "resedit";
import { writeChecksum } from "../../../builder/pe/checksum.js";
import {
  COFF,
  DirectoryEntry,
  OPT,
  SECTION,
  SECTION_HEADER_SIZE,
} from "../../../builder/pe/constants.js";
import { type PeHeaders, parsePeHeaders, viewOf } from "../../../builder/pe/headers.js";
import { readPeInfo } from "../../../builder/pe/inspect.js";
import { checkResourceTree, findVersionResources } from "../../../builder/pe/resources.js";
import { parseVersionInfo } from "../../../builder/pe/version-info.js";
import { OverlayMode, type StampOptions } from "../../../builder/stamp/types.js";
import { parseVersionParts } from "../../../builder/stamp/version.js";
import { editVersionResources } from "../../../builder/stamp/version-resource.js";
import { InputError } from "../../../builder/util/errors.js";
import {
  alignLastSection,
  checkNotStrongNamed,
  checkRoomForSection,
  checkSectionTable,
  checkSound,
  fixMovedSections,
  resourceSection,
} from "./layout.js";
import { type Detached, splitPe } from "./split.js";

const hex = (n: number) => `0x${n.toString(16)}`;

/** Rebuild the image (no tail) with the new version resources through pe-library. */
function rebuildImage(
  image: Uint8Array,
  h: PeHeaders,
  opts: StampOptions,
  label: string,
): Uint8Array {
  const file = parseVersionParts(opts.fileVersion, "file version");
  const product = parseVersionParts(opts.productVersion ?? opts.fileVersion, "product version");
  let exe: NtExecutable;
  let res: NtExecutableResource;
  try {
    exe = NtExecutable.from(image, { ignoreCert: true });
    res = NtExecutableResource.from(exe);
  } catch (err) {
    throw new InputError(`${label}: cannot read the PE resources: ${(err as Error).message}`);
  }
  let out: Uint8Array;
  try {
    editVersionResources(res, {
      file,
      product,
      strings: { FileVersion: file.text, ProductVersion: product.text, ...(opts.strings ?? {}) },
      isDll: h.isDll,
    });
    res.outputResource(exe);
    out = new Uint8Array(exe.generate());
  } catch (err) {
    throw new InputError(`${label}: cannot rewrite the PE resources: ${(err as Error).message}`);
  }
  const after = parsePeHeaders(out, label);
  if (!after) throw new Error(`${label}: rebuilt image lost its PE signature: this is a bug`);
  // pe-library pads .rsrc with "PADDINGX"; zeros, as linkers write, compress better in a cab.
  const rsrcDir = after.dataDirectories[DirectoryEntry.resource];
  const rsrc = after.sections.find((s) => s.virtualAddress === rsrcDir?.rva);
  if (rsrc && rsrc.virtualSize < rsrc.sizeOfRawData) {
    out.fill(
      0,
      rsrc.pointerToRawData + rsrc.virtualSize,
      rsrc.pointerToRawData + rsrc.sizeOfRawData,
    );
  }
  // pe-library rounds the file up to FileAlignment; the image ends where the sections do.
  return out.subarray(0, after.imageEnd);
}

/**
 * Put the detached sections back after the rebuilt ones: their raw block right after the new
 * image (same offset when it still fits), their addresses moved up only if .rsrc grew into them.
 */
function reattach(image: Uint8Array, detached: Detached | undefined, label: string): Uint8Array {
  if (!detached) return image;
  const h = parsePeHeaders(image, label)!;
  const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;
  const rawAt = Math.max(alignUp(image.length, h.fileAlignment), detached.offset);
  const rawShift = rawAt - detached.offset;
  const vaEnd = Math.max(
    ...h.sections.map((s) =>
      alignUp(s.virtualAddress + Math.max(s.virtualSize, 1), h.sectionAlignment),
    ),
  );
  const vaShift = Math.max(0, vaEnd - detached.firstVirtualAddress);
  const out = new Uint8Array(rawAt + detached.data.length);
  out.set(image);
  out.set(detached.data, rawAt);
  const view = viewOf(out);
  let sizeOfImage = vaEnd;
  detached.headers.forEach((header, j) => {
    const at = h.sectionTableEnd + j * SECTION_HEADER_SIZE;
    out.set(header, at);
    const hv = viewOf(header);
    const va = hv.getUint32(SECTION.virtualAddress, true) + vaShift;
    view.setUint32(at + SECTION.virtualAddress, va, true);
    const ptr = hv.getUint32(SECTION.pointerToRawData, true);
    if (ptr !== 0) view.setUint32(at + SECTION.pointerToRawData, ptr + rawShift, true);
    const vsize = Math.max(hv.getUint32(SECTION.virtualSize, true), 1);
    sizeOfImage = Math.max(sizeOfImage, alignUp(va + vsize, h.sectionAlignment));
  });
  view.setUint16(
    h.coffOffset + COFF.numberOfSections,
    h.sections.length + detached.headers.length,
    true,
  );
  view.setUint32(h.optionalOffset + OPT.sizeOfImage, sizeOfImage, true);
  return out;
}

/**
 * Stamp a PE image. Pure: returns new bytes, the input is untouched. `label` names the file in
 * errors. Throws InputError for a file that is not a PE, damaged, signed (unless
 * stripSignature), or laid out so that stamping would break it.
 */
export function stampPeLegacy(bytes: Uint8Array, opts: StampOptions, label = "input"): Uint8Array {
  const h = parsePeHeaders(bytes, label);
  if (!h) {
    throw new InputError(
      `${label}: not a PE file (no "MZ" at offset 0x0 or no "PE\\0\\0" where e_lfanew at offset 0x3c points)`,
    );
  }
  // Validate versions before any work so the message is about the option, not the file.
  parseVersionParts(opts.fileVersion, "file version");
  if (opts.productVersion !== undefined) parseVersionParts(opts.productVersion, "product version");
  checkSectionTable(h, label);
  checkNotStrongNamed(bytes, h, label);
  if (h.dataDirectories.length <= DirectoryEntry.security) {
    // pe-library writes the resource and certificate entries whatever the count says.
    throw new InputError(
      `${label}: the optional header has ${h.dataDirectories.length} data directories (NumberOfRvaAndSizes), fewer than the 5 the resource and certificate entries need; cannot stamp it`,
    );
  }
  const rsrc = resourceSection(h, label);
  checkResourceTree(bytes, h, label);
  // resedit loops forever on a zero-length block: every version resource must parse first.
  for (const r of findVersionResources(bytes, h, label)) {
    parseVersionInfo(bytes, r.offset, r.size, label);
  }
  if (!rsrc) checkRoomForSection(bytes, h, label);
  const split = splitPe(bytes, h, rsrc, label, opts.stripSignature === true);

  const toRebuild = rsrc ? split.image : alignLastSection(split.image, h);
  const image = reattach(rebuildImage(toRebuild, h, opts, label), split.detached, label);
  const mode = opts.overlay ?? OverlayMode.keepOffset;
  let tailAt = image.length;
  if (split.hasOverlay && mode === OverlayMode.keepOffset) {
    if (image.length > split.tailOffset) {
      throw new InputError(
        `${label}: the stamped image (${hex(image.length)} bytes) would run into the ${split.tail.length}-byte overlay at offset ${hex(split.tailOffset)}; if the program finds its overlay from the end of the image or of the file, stamp with --overlay move`,
      );
    }
    tailAt = split.tailOffset;
  }
  const out = new Uint8Array(tailAt + split.tail.length);
  out.set(image);
  out.set(split.tail, tailAt);

  // Section names as they were, byte for byte (pe-library re-encodes them as text).
  for (const s of h.sections)
    out.set(bytes.subarray(s.headerOffset, s.headerOffset + 8), s.headerOffset);
  const after = parsePeHeaders(out, label);
  if (!after) throw new Error(`${label}: stamped file lost its PE signature: this is a bug`);
  fixMovedSections(
    h,
    after,
    out,
    rsrc?.index,
    { from: split.tailOffset, delta: tailAt - split.tailOffset },
    label,
  );
  const view = viewOf(out);
  if (split.symbols) {
    view.setUint32(
      after.coffOffset + COFF.pointerToSymbolTable,
      tailAt + split.symbols.offsetInTail,
      true,
    );
    view.setUint32(after.coffOffset + COFF.numberOfSymbols, split.symbols.count, true);
  }
  if (opts.timeDateStamp !== undefined) {
    view.setUint32(after.coffOffset + COFF.timeDateStamp, opts.timeDateStamp >>> 0, true);
  }
  checkSound(after, h, label);
  writeChecksum(out, after.checksumOffset);
  readBack(out, opts, label);
  return out;
}

/** Our own reader must find what was written, or the stamp did not happen. */
function readBack(out: Uint8Array, opts: StampOptions, label: string): void {
  let info: ReturnType<typeof readPeInfo>;
  try {
    info = readPeInfo(out, label, false);
  } catch (err) {
    if (err instanceof InputError) throw new Error(`stamped ${err.message}: this is a bug`);
    throw err;
  }
  const want = parseVersionParts(opts.fileVersion, "file version").text;
  if (
    info.fileVersion !== want ||
    info.stringTables?.some((t) => t.strings.FileVersion !== (opts.strings?.FileVersion ?? want))
  ) {
    throw new Error(
      `${label}: stamped file reads back version ${info.fileVersion}, not ${want}: this is a bug`,
    );
  }
}
