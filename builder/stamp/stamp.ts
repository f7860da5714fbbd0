/**
 * stampPe: write a version resource into a PE image, pure bytes in, bytes out; stampToFile:
 * the same from a file to a file, streamed (a file of any size costs its headers and its
 * resource section in memory). Both plan the output first (planStamp), then write it.
 *
 *   check      section table, resource tree and version resources sound before any library
 *   split      headers + sections up to .rsrc/.reloc | detached sections after them (debug)
 *              | tail (COFF symbols, overlay) | certificate (refused or stripped)
 *   rebuild    resedit rewrites .rsrc (or adds it); the image is laid out around it as
 *              pe-library lays it out (rebuild.ts), its section data left in the input
 *   reattach   detached sections after the rebuilt ones, moved as one block
 *   fix up     directories and debug entries of moved sections; tail placed back; symbol
 *              pointer, TimeDateStamp
 *   read back  our own reader must see the new versions, or nothing is written
 *   write      in chunks from the input, the CheckSum (always recomputed, valid for any
 *              length) summed on the way and stored last
 */
import { type FileHandle, open } from "node:fs/promises";
import { writeChecksum } from "../pe/checksum.js";
import { COFF, DirectoryEntry, OPT, SECTION, SECTION_HEADER_SIZE } from "../pe/constants.js";
import { asSource, type PeInput, type PeSource, readPeHeaders, viewOf } from "../pe/headers.js";
import { readPeInfo } from "../pe/inspect.js";
import { checkResourceTree, findVersionResources } from "../pe/resources.js";
import { parseVersionInfo } from "../pe/version-info.js";
import { InputError } from "../util/errors.js";
import {
  checkNotStrongNamed,
  checkRoomForSection,
  checkSectionTable,
  checkSound,
  fixMovedSections,
  resourceSection,
} from "./layout.js";
import type { OutputImage } from "./output.js";
import { rebuildImage } from "./rebuild.js";
import { type Detached, splitPe } from "./split.js";
import { OverlayMode, type StampOptions } from "./types.js";
import { parseVersionParts } from "./version.js";

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Put the detached sections back after the rebuilt ones: their raw block right after the new
 * image (same offset when it still fits), their addresses moved up only if .rsrc grew into them.
 */
function reattach(image: OutputImage, detached: Detached | undefined): void {
  if (!detached) return;
  const h = readPeHeaders(image)!;
  const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;
  const rawAt = Math.max(alignUp(image.size, h.fileAlignment), detached.offset);
  const rawShift = rawAt - detached.offset;
  const vaEnd = Math.max(
    ...h.sections.map((s) =>
      alignUp(s.virtualAddress + Math.max(s.virtualSize, 1), h.sectionAlignment),
    ),
  );
  const vaShift = Math.max(0, vaEnd - detached.firstVirtualAddress);
  image.resize(rawAt);
  image.copy(rawAt, detached.offset, detached.length);
  image.resize(rawAt + detached.length);
  let sizeOfImage = vaEnd;
  detached.headers.forEach((header, j) => {
    const at = h.sectionTableEnd + j * SECTION_HEADER_SIZE;
    const copy = new Uint8Array(header);
    const hv = viewOf(copy);
    const va = hv.getUint32(SECTION.virtualAddress, true) + vaShift;
    hv.setUint32(SECTION.virtualAddress, va, true);
    const ptr = hv.getUint32(SECTION.pointerToRawData, true);
    if (ptr !== 0) hv.setUint32(SECTION.pointerToRawData, ptr + rawShift, true);
    image.set(at, copy);
    const vsize = Math.max(hv.getUint32(SECTION.virtualSize, true), 1);
    sizeOfImage = Math.max(sizeOfImage, alignUp(va + vsize, h.sectionAlignment));
  });
  image.setUint16(
    h.coffOffset + COFF.numberOfSections,
    h.sections.length + detached.headers.length,
  );
  image.setUint32(h.optionalOffset + OPT.sizeOfImage, sizeOfImage);
}

/** The stamped file, planned: its parts, and where its CheckSum goes (not yet summed). */
export interface StampPlan {
  readonly out: OutputImage;
  readonly checksumOffset: number;
}

/**
 * Plan the stamp of a PE (in memory or an open file; nothing is copied from it yet). `label`
 * names the file in errors. Throws InputError for a file that is not a PE, damaged, signed
 * (unless stripSignature), or laid out so that stamping would break it.
 */
export function planStamp(input: PeInput, opts: StampOptions, label = "input"): StampPlan {
  const src = asSource(input, label);
  const h = readPeHeaders(src);
  if (!h) {
    throw new InputError(
      `${label}: not a PE file (no "MZ" at offset 0x0 or no "PE\\0\\0" where e_lfanew at offset 0x3c points)`,
    );
  }
  // Validate versions before any work so the message is about the option, not the file.
  const file = parseVersionParts(opts.fileVersion, "file version");
  const product = parseVersionParts(opts.productVersion ?? opts.fileVersion, "product version");
  checkSectionTable(h, label);
  checkNotStrongNamed(src, h, label);
  if (h.dataDirectories.length <= DirectoryEntry.security) {
    // pe-library writes the resource and certificate entries whatever the count says.
    throw new InputError(
      `${label}: the optional header has ${h.dataDirectories.length} data directories (NumberOfRvaAndSizes), fewer than the 5 the resource and certificate entries need; cannot stamp it`,
    );
  }
  const rsrc = resourceSection(h, label);
  checkResourceTree(src, h, label);
  // resedit loops forever on a zero-length block: every version resource must parse first.
  for (const r of findVersionResources(src, h, label)) {
    parseVersionInfo(src, r.offset, r.size, label);
  }
  if (!rsrc) checkRoomForSection(src, h, label);
  const split = splitPe(src, h, rsrc, label, opts.stripSignature === true);

  const out = rebuildImage(
    src,
    h,
    split,
    rsrc?.index,
    {
      file,
      product,
      strings: { FileVersion: file.text, ProductVersion: product.text, ...(opts.strings ?? {}) },
      isDll: h.isDll,
    },
    label,
  );
  reattach(out, split.detached);
  const mode = opts.overlay ?? OverlayMode.keepOffset;
  let tailAt = out.size;
  if (split.hasOverlay && mode === OverlayMode.keepOffset) {
    if (out.size > split.tailOffset) {
      throw new InputError(
        `${label}: the stamped image (${hex(out.size)} bytes) would run into the ${split.tailLength}-byte overlay at offset ${hex(split.tailOffset)}; if the program finds its overlay from the end of the image or of the file, stamp with --overlay move`,
      );
    }
    tailAt = split.tailOffset;
  }
  out.resize(tailAt);
  out.copy(tailAt, split.tailOffset, split.tailLength);
  out.resize(tailAt + split.tailLength);

  // Section names as they were, byte for byte (pe-library re-encodes them as text).
  for (const s of h.sections) out.set(s.headerOffset, src.read(s.headerOffset, 8));
  const after = readPeHeaders(out);
  if (!after) throw new Error(`${label}: stamped file lost its PE signature: this is a bug`);
  fixMovedSections(
    h,
    after,
    out,
    rsrc?.index,
    { from: split.tailOffset, delta: tailAt - split.tailOffset },
    label,
  );
  if (split.symbols) {
    out.setUint32(
      after.coffOffset + COFF.pointerToSymbolTable,
      tailAt + split.symbols.offsetInTail,
    );
    out.setUint32(after.coffOffset + COFF.numberOfSymbols, split.symbols.count);
  }
  if (opts.timeDateStamp !== undefined) {
    out.setUint32(after.coffOffset + COFF.timeDateStamp, opts.timeDateStamp >>> 0);
  }
  checkSound(after, h, label);
  readBack(out, opts, label);
  return { out, checksumOffset: after.checksumOffset };
}

/**
 * Stamp a PE image. Pure: returns new bytes, the input is untouched. `label` names the file in
 * errors. Throws as planStamp does.
 */
export function stampPe(bytes: Uint8Array, opts: StampOptions, label = "input"): Uint8Array {
  const plan = planStamp(bytes, opts, label);
  const out = plan.out.toBytes();
  writeChecksum(out, plan.checksumOffset);
  return out;
}

/**
 * Write a planned stamp to `fh` (an empty file open for writing), streamed from the input,
 * the CheckSum summed on the way and stored last. Returns the file's size.
 */
export async function writeStamp(plan: StampPlan, fh: FileHandle): Promise<number> {
  const checksum = await plan.out.writeTo(fh, plan.checksumOffset);
  const field = new Uint8Array(4);
  viewOf(field).setUint32(0, checksum, true);
  await fh.write(field, 0, 4, plan.checksumOffset);
  plan.out.set(plan.checksumOffset, field);
  return plan.out.size;
}

/** Stamp the PE `src` (an open file) into the new file `path`; returns its size. */
export async function stampToFile(
  src: PeSource,
  opts: StampOptions,
  path: string,
  label = src.name,
): Promise<number> {
  const plan = planStamp(src, opts, label);
  const fh = await open(path, "w");
  try {
    return await writeStamp(plan, fh);
  } finally {
    await fh.close();
  }
}

/** Our own reader must find what is to be written, or the stamp does not happen. */
function readBack(out: PeSource, opts: StampOptions, label: string): void {
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
