/**
 * openCabinet: a cabinet (and the rest of its set) opened for listing, testing and
 * streaming files out. The set is followed forward through the next-cabinet names, found in
 * the same folder case-insensitively; a folder continued into the next cabinet becomes one
 * folder with several segments.
 */
import { readdir, realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { compressionName } from "../format/compression.js";
import { FolderIndex, HeaderFlag } from "../format/constants.js";
import { type CalendarTime, fromDosDateTime } from "../format/dostime.js";
import { CabError } from "../format/errors.js";
import { type CabHeader, hex } from "../format/layout-parse.js";
import { checkEncoding, DEFAULT_NAME_ENCODING, decodeName, displayName } from "../format/names.js";
import {
  declaredBlocks,
  type FolderPlan,
  type FolderSegment,
  folderBlocks,
  missingBytesMessage,
} from "./folder-stream.js";
import { findCabinets } from "./search.js";
import { CabSource } from "./source.js";
import { type CabinetStructure, readStructure } from "./structure.js";
import { type CabTestReport, type TestOptions, testCabinet } from "./verify.js";

export interface OpenOptions {
  /** Where the cabinet starts in the file (default 0). */
  offset?: number;
  /** Find the cabinet inside another file (e.g. appended to an .exe): the first one found. */
  search?: boolean;
  /** Code page of names without the UTF-8 flag (a WHATWG label; default windows-1252). */
  encoding?: string;
  /** Follow the next-cabinet names of a set (default true). */
  followSet?: boolean;
}

export interface CabFolderInfo {
  readonly index: number;
  readonly typeCompress: number;
  /** "none", "mszip", "lzx:21", "quantum:20"... */
  readonly compression: string;
  readonly blockCount: number;
  /** How many cabinets of the set hold this folder's blocks. */
  readonly cabinetCount: number;
}

export interface CabFileEntry {
  /** Safe relative path, "/"-separated: what extraction creates under the target. */
  readonly name: string;
  /** The name as stored (decoded), backslashes kept. */
  readonly storedName: string;
  readonly size: number;
  /** Raw DOS date and time fields. */
  readonly date: number;
  readonly time: number;
  readonly datetime: CalendarTime;
  readonly attributes: number;
  /** Index into Cabinet.folders (continuation values resolved). */
  readonly folderIndex: number;
  readonly offsetInFolder: number;
  /** The cabinet file whose CFFILE table lists it. */
  readonly cabinetPath: string;
}

export interface CabinetInfo {
  readonly path: string;
  readonly offset: number;
  readonly header: CabHeader;
}

export interface Cabinet {
  readonly path: string;
  /** Where the cabinet starts in its file. */
  readonly offset: number;
  readonly header: CabHeader;
  /** Every cabinet of the set that was found, in set order (previous ones too). */
  readonly cabinets: readonly CabinetInfo[];
  readonly folders: readonly CabFolderInfo[];
  readonly files: readonly CabFileEntry[];
  /** Things skipped or missing that do not stop reading (e.g. a next cabinet not found). */
  readonly warnings: readonly string[];
  /** The file's bytes, decompressed, streamed. */
  openFile(entry: CabFileEntry): Readable;
  /** Decode everything: every checksum, every file's size. */
  test(opts?: TestOptions): Promise<CabTestReport>;
  close(): Promise<void>;
}

/** Internal view used by verify.ts and extract.ts. */
export interface CabinetInternals {
  readonly folderPlans: readonly FolderPlan[];
  /** Files listed but not readable here (their start is in a cabinet that is not here). */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/** Longest cabinet set followed, as a guard against hostile chains. */
const MAX_SET_LENGTH = 1024;

export async function openCabinet(
  path: string,
  opts: OpenOptions = {},
): Promise<Cabinet & CabinetInternals> {
  const encoding = opts.encoding ?? DEFAULT_NAME_ENCODING;
  checkEncoding(encoding);
  let offset = opts.offset ?? 0;
  if (opts.search) {
    const found = await findCabinets(path, { first: true });
    if (found.length === 0) {
      throw new CabError(
        "invalid-data",
        `${path}: no cabinet found (searched for "MSCF" with a plausible header)`,
        {
          file: path,
        },
      );
    }
    offset = found[0]!;
  }
  const sources: CabSource[] = [];
  try {
    const first = await CabSource.open(path);
    sources.push(first);
    const structures: CabinetStructure[] = [await readStructure(first, offset)];
    const warnings: string[] = [];
    if (opts.followSet !== false) await followSet(path, structures, sources, warnings);
    return assemble(path, structures, sources, warnings, encoding);
  } catch (err) {
    await Promise.all(sources.map((s) => s.close().catch(() => undefined)));
    throw err;
  }
}

/**
 * Complete the set around the opened cabinet: follow the previous-cabinet names to the
 * set's first cabinet, then walk forward through the next-cabinet names. The walk forward
 * is what orders the set: FCI writers (Wine's cabarc, makecab) may name as "previous" the
 * cabinet where a spanning folder began rather than the one just before. A set opened in
 * the middle thus reads whole, as cabextract does.
 */
async function followSet(
  path: string,
  structures: CabinetStructure[],
  sources: CabSource[],
  warnings: string[],
): Promise<void> {
  const opened = structures[0]!;
  const byPath = new Map<string, CabinetStructure>([[await realpath(path), opened]]);
  const read = async (found: string): Promise<CabinetStructure> => {
    const real = await realpath(found);
    const known = byPath.get(real);
    if (known) return known;
    if (byPath.size >= MAX_SET_LENGTH) {
      throw new CabError(
        "invalid-data",
        `${path}: cabinet set longer than ${MAX_SET_LENGTH} cabinets`,
        {
          file: path,
        },
      );
    }
    const src = await CabSource.open(found);
    sources.push(src);
    const structure = await readStructure(src, 0);
    byPath.set(real, structure);
    return structure;
  };
  const step = async (from: CabinetStructure, which: "previous" | "next") => {
    const name = which === "previous" ? from.header.prevCabinet : from.header.nextCabinet;
    if (name === undefined) return undefined;
    const found = await findSibling(from.source.path, name);
    if (!found) {
      warnings.push(
        `${from.source.label}: ${which} cabinet "${name}" not found; files continued ${which === "previous" ? "from" : "into"} it are incomplete`,
      );
      return undefined;
    }
    return read(found);
  };
  const loop = (from: CabinetStructure, name: string | undefined) =>
    new CabError("invalid-data", `${from.source.label}: the cabinet set loops back to "${name}"`, {
      file: from.source.path,
    });

  // Backwards to the first cabinet.
  let head = opened;
  const back = new Set<CabinetStructure>([opened]);
  for (let prev = await step(head, "previous"); prev; prev = await step(head, "previous")) {
    if (back.has(prev)) throw loop(head, head.header.prevCabinet);
    back.add(prev);
    head = prev;
  }
  // Forward from there.
  const chain = [head];
  for (
    let next = await step(head, "next");
    next;
    next = await step(chain[chain.length - 1]!, "next")
  ) {
    if (chain.includes(next))
      throw loop(chain[chain.length - 1]!, chain[chain.length - 1]!.header.nextCabinet);
    chain.push(next);
  }
  if (!chain.includes(opened)) {
    warnings.push(
      `${opened.source.label}: not reached from the set's first cabinet "${head.source.label}"; read from here on`,
    );
    chain.length = 0;
    chain.push(opened);
    for (
      let next = await step(opened, "next");
      next;
      next = await step(chain[chain.length - 1]!, "next")
    ) {
      if (chain.includes(next))
        throw loop(chain[chain.length - 1]!, chain[chain.length - 1]!.header.nextCabinet);
      chain.push(next);
    }
  }
  structures.length = 0;
  structures.push(...chain);
}

/** A cabinet named by a CFHEADER, in the same folder; exact name first, then any case. */
async function findSibling(from: string, name: string): Promise<string | undefined> {
  const base = name.split(/[\\/]/).pop() ?? "";
  if (base === "" || base === "." || base === "..") return undefined;
  const dir = dirname(from);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return undefined;
  }
  if (entries.includes(base)) return join(dir, base);
  const lower = base.toLowerCase();
  const hit = entries.find((e) => e.toLowerCase() === lower);
  return hit === undefined ? undefined : join(dir, hit);
}

function assemble(
  path: string,
  structures: readonly CabinetStructure[],
  sources: CabSource[],
  warnings: string[],
  encoding: string,
): Cabinet & CabinetInternals {
  const plans: { index: number; typeCompress: number; segments: FolderSegment[] }[] = [];
  const files: CabFileEntry[] = [];
  const skipped: { name: string; reason: string }[] = [];
  structures.forEach((cab, k) => {
    const { header } = cab;
    warnings.push(...cab.warnings);
    const continued = cab.files.some(
      (f) =>
        f.folderIndex === FolderIndex.continuedFromPrev ||
        f.folderIndex === FolderIndex.continuedPrevAndNext,
    );
    const mergeFirst = k > 0 && continued;
    // Global folder index of each of this cabinet's folders.
    const map: number[] = [];
    cab.folders.forEach((f, i) => {
      const segment: FolderSegment = {
        source: cab.source,
        dataStart: cab.offset + f.dataOffset,
        blockCount: f.blockCount,
        dataReserveSize: header.dataReserveSize,
      };
      if (i === 0 && mergeFirst) {
        const prev = plans[plans.length - 1]!;
        if (prev.typeCompress !== f.typeCompress) {
          throw new CabError(
            "invalid-data",
            `${cab.source.label}: folder 0 continues a ${compressionName(prev.typeCompress)} folder but is ${compressionName(f.typeCompress)}`,
            { file: cab.source.path },
          );
        }
        prev.segments.push(segment);
        map.push(prev.index);
      } else {
        plans.push({ index: plans.length, typeCompress: f.typeCompress, segments: [segment] });
        map.push(plans.length - 1);
      }
    });
    for (const rec of cab.files) {
      let folder: number;
      if (rec.folderIndex === FolderIndex.continuedToNext) folder = map[map.length - 1]!;
      else if (
        rec.folderIndex === FolderIndex.continuedFromPrev ||
        rec.folderIndex === FolderIndex.continuedPrevAndNext
      ) {
        // Listed already by the cabinet before, which holds its start.
        if (k > 0) continue;
        const storedName = decodeName(rec.nameBytes, rec.attributes, encoding);
        const reason =
          header.flags & HeaderFlag.prevCabinet
            ? `starts in the previous cabinet (${header.prevCabinet}), which was not read`
            : "is marked as starting in a previous cabinet, but this cabinet names none (no previous-cabinet flag)";
        skipped.push({ name: displayName(storedName), reason });
        warnings.push(`${cab.source.label}: "${storedName}" ${reason}; skipped`);
        continue;
      } else folder = map[rec.folderIndex]!;
      const storedName = decodeName(rec.nameBytes, rec.attributes, encoding);
      if (rec.offsetInFolder + rec.size > 0xffffffff) {
        throw new CabError(
          "invalid-data",
          `${cab.source.label}: CFFILE at offset ${hex(rec.recordOffset)} ("${storedName}") ends past 4 GiB in its folder`,
          { file: cab.source.path, offset: rec.recordOffset },
        );
      }
      files.push({
        name: displayName(storedName),
        storedName,
        size: rec.size,
        date: rec.date,
        time: rec.time,
        datetime: fromDosDateTime({ date: rec.date, time: rec.time }),
        attributes: rec.attributes,
        folderIndex: folder,
        offsetInFolder: rec.offsetInFolder,
        cabinetPath: cab.source.path,
      });
    }
  });
  const first = structures.find((s) => s.source.path === path) ?? structures[0]!;
  const folderPlans: FolderPlan[] = plans;
  const cursors = new Map<number, FolderCursor>();
  const cabinet: Cabinet & CabinetInternals = {
    path,
    offset: first.offset,
    header: first.header,
    cabinets: structures.map((s) => ({ path: s.source.path, offset: s.offset, header: s.header })),
    folders: plans.map((p) => ({
      index: p.index,
      typeCompress: p.typeCompress,
      compression: compressionName(p.typeCompress),
      blockCount: declaredBlocks(p),
      cabinetCount: p.segments.length,
    })),
    files,
    warnings,
    folderPlans,
    skipped,
    openFile(entry) {
      return Readable.from(fileBytes(folderPlans, cursors, entry), { objectMode: false });
    },
    test(opts) {
      return testCabinet(cabinet, opts);
    },
    async close() {
      await Promise.all(sources.map((s) => s.close().catch(() => undefined)));
    },
  };
  return cabinet;
}

/**
 * A folder's decoder left where the last file ended, so that reading a folder's files in
 * order decodes it once (not once per file). The block the cursor stands in is kept: the
 * next file often starts inside it.
 */
interface FolderCursor {
  readonly blocks: AsyncGenerator<Uint8Array>;
  /** The current block and where it starts in the folder's stream. */
  block: Uint8Array;
  blockStart: number;
  busy: boolean;
  done: boolean;
}

/** One file's bytes out of its folder's stream (copies: consumers may buffer them). */
async function* fileBytes(
  plans: readonly FolderPlan[],
  cursors: Map<number, FolderCursor>,
  entry: CabFileEntry,
): AsyncGenerator<Buffer> {
  if (entry.size === 0) return;
  const plan = plans[entry.folderIndex];
  if (!plan) {
    throw new CabError(
      "invalid-input",
      `"${entry.name}" names folder ${entry.folderIndex}, which this cabinet does not have`,
    );
  }
  const start = entry.offsetInFolder;
  const end = start + entry.size;
  let cursor = cursors.get(plan.index);
  if (!cursor || cursor.busy || cursor.done || start < cursor.blockStart) {
    cursor = {
      blocks: folderBlocks(plan),
      block: new Uint8Array(0),
      blockStart: 0,
      busy: false,
      done: false,
    };
    if (!cursors.get(plan.index)?.busy) cursors.set(plan.index, cursor);
  }
  cursor.busy = true;
  try {
    for (;;) {
      const bEnd = cursor.blockStart + cursor.block.length;
      if (bEnd > start && cursor.block.length > 0) {
        const from = Math.max(start, cursor.blockStart) - cursor.blockStart;
        const to = Math.min(end, bEnd) - cursor.blockStart;
        yield Buffer.from(cursor.block.subarray(from, to));
      }
      if (bEnd >= end) return;
      let next: IteratorResult<Uint8Array>;
      try {
        next = await cursor.blocks.next();
      } catch (err) {
        cursor.done = true;
        throw err;
      }
      if (next.done) {
        cursor.done = true;
        throw new CabError("invalid-data", missingBytesMessage(entry, entry.folderIndex, bEnd));
      }
      cursor.blockStart = bEnd;
      cursor.block = next.value;
    }
  } finally {
    cursor.busy = false;
  }
}
