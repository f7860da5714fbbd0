/**
 * A folder's uncompressed stream, block by block: read each CFDATA (checking its limits
 * and checksum), join a block split across two cabinets, and decode. One block in memory
 * at a time.
 */
import { cabChecksum } from "../format/checksum.js";
import { CFDATA_SIZE } from "../format/constants.js";
import { CabError } from "../format/errors.js";
import { hex, parseDataHeader } from "../format/layout-parse.js";
import { type BlockDecoder, createDecoder } from "./decoder.js";
import type { CabSource } from "./source.js";

/** A run of CFDATA blocks in one cabinet file. */
export interface FolderSegment {
  readonly source: CabSource;
  /** File offset of the first CFDATA. */
  readonly dataStart: number;
  readonly blockCount: number;
  readonly dataReserveSize: number;
}

/** A folder as the reader sees it: one or more segments (a folder may span cabinets). */
export interface FolderPlan {
  readonly index: number;
  readonly typeCompress: number;
  readonly segments: readonly FolderSegment[];
}

/** Why a file cannot be read whole: its folder's bytes end at `holds`, before the file does. */
export function missingBytesMessage(
  file: { readonly name: string; readonly offsetInFolder: number; readonly size: number },
  folderIndex: number,
  holds: number,
): string {
  return `"${file.name}" needs bytes ${file.offsetInFolder}..${file.offsetInFolder + file.size} of folder ${folderIndex}, which holds only ${holds}`;
}

/** The CFDATA blocks a folder declares, over all its segments. */
export function declaredBlocks(folder: FolderPlan): number {
  return folder.segments.reduce((n, s) => n + s.blockCount, 0);
}

/** Which checksum rule a block matched: [MS-CAB]'s (data reserve included) or libmspack's. */
export type ChecksumRule = "none" | "spec" | "no-reserve";

export interface BlockStats {
  blocks: number;
  compressedBytes: number;
  checksumsVerified: number;
  checksumsAbsent: number;
  /** Blocks whose checksum matched only without the data reserve (libmspack's reading). */
  checksumsWithoutReserve: number;
}

export function newBlockStats(): BlockStats {
  return {
    blocks: 0,
    compressedBytes: 0,
    checksumsVerified: 0,
    checksumsAbsent: 0,
    checksumsWithoutReserve: 0,
  };
}

/** The stored checksum against both readings of the rule: with and without the reserve. */
export function checkBlockSum(
  data: Uint8Array,
  header: Uint8Array,
  dataReserveSize: number,
  stored: number,
): ChecksumRule | undefined {
  if (stored === 0) return "none";
  const sum = cabChecksum(data, 0);
  // header holds csum(4) cbData(2) cbUncomp(2) reserve(n): the sum covers bytes 4.. of it.
  if (cabChecksum(header.subarray(4, CFDATA_SIZE + dataReserveSize), sum) === stored) return "spec";
  if (dataReserveSize > 0 && cabChecksum(header.subarray(4, CFDATA_SIZE), sum) === stored) {
    return "no-reserve";
  }
  return undefined;
}

/**
 * One CFDATA block read and checked (limits, checksum), not yet decoded; a block split
 * across two cabinets comes joined. `input` is valid only until the next block is read.
 */
export interface RawBlock {
  readonly input: Uint8Array;
  readonly uncompressedSize: number;
  /** "CFDATA 3 of folder 0", for messages. */
  readonly what: string;
  /** The cabinet file holding (the last piece of) the block, and its header's offset. */
  readonly file: string;
  readonly offset: number;
  /** The offset just past the block. */
  readonly end: number;
}

/**
 * The folder's blocks in order, read and checked but not decoded. Throws CabError on the
 * first block that is damaged (or cut short).
 */
export async function* rawBlocks(
  folder: FolderPlan,
  stats: BlockStats = newBlockStats(),
): AsyncGenerator<RawBlock> {
  let carry: Uint8Array | undefined; // first part of a block split across cabinets
  for (let s = 0; s < folder.segments.length; s++) {
    const seg = folder.segments[s]!;
    const file = seg.source.label;
    let pos = seg.dataStart;
    for (let b = 0; b < seg.blockCount; b++) {
      const what = `CFDATA ${b} of folder ${folder.index}`;
      const headLen = CFDATA_SIZE + seg.dataReserveSize;
      const head = (await seg.source.read(pos, headLen)).slice();
      const h = parseDataHeader(head, seg.dataReserveSize, what, {
        file,
        base: pos,
        atEof: true,
      });
      const dataAt = pos + headLen;
      const data = await seg.source.read(dataAt, h.compressedSize);
      if (data.length < h.compressedSize) {
        throw new CabError(
          "invalid-data",
          `${file}: ${what} at offset ${hex(pos)} needs ${h.compressedSize} data bytes; the file ends after ${data.length}`,
          { file, offset: pos },
        );
      }
      const rule = checkBlockSum(data, head, seg.dataReserveSize, h.checksum);
      if (rule === undefined) {
        throw new CabError(
          "invalid-data",
          `${file}: ${what} at offset ${hex(pos)} fails its checksum (stored ${hex(h.checksum)})`,
          { file, offset: pos },
        );
      }
      stats.blocks++;
      stats.compressedBytes += h.compressedSize;
      if (h.checksum === 0) stats.checksumsAbsent++;
      else stats.checksumsVerified++;
      if (rule === "no-reserve") stats.checksumsWithoutReserve++;
      const offset = pos;
      pos = dataAt + h.compressedSize;

      const splitHere =
        h.uncompressedSize === 0 && b === seg.blockCount - 1 && s < folder.segments.length - 1;
      if (splitHere) {
        carry = carry ? concat(carry, data) : data.slice();
        continue;
      }
      const input = carry ? concat(carry, data) : data;
      carry = undefined;
      yield { input, uncompressedSize: h.uncompressedSize, what, file, offset, end: pos };
    }
  }
  if (carry) {
    throw new CabError(
      "invalid-data",
      `folder ${folder.index}: its last block continues into a cabinet that is not there`,
    );
  }
}

/** The CabError for a block that does not decode (`reason`: the decoder's words). */
export function decodeError(block: RawBlock, reason: string): CabError {
  return new CabError(
    "invalid-data",
    `${block.file}: ${block.what} at offset ${hex(block.offset)}: ${reason}`,
    { file: block.file, offset: block.end },
  );
}

/**
 * The folder's uncompressed blocks in order. Throws CabError on the first damaged block
 * (or when the decoder is not available).
 */
export async function* folderBlocks(
  folder: FolderPlan,
  stats: BlockStats = newBlockStats(),
): AsyncGenerator<Uint8Array> {
  const decoder: BlockDecoder = createDecoder(folder.typeCompress);
  for await (const block of rawBlocks(folder, stats)) {
    let out: Uint8Array;
    try {
      out = decoder.decompress(block.input, block.uncompressedSize);
    } catch (err) {
      throw decodeError(block, err instanceof Error ? err.message : String(err));
    }
    if (out.length !== block.uncompressedSize) {
      throw new CabError(
        "invalid-data",
        `${block.file}: ${block.what} decodes to ${out.length} bytes but says ${block.uncompressedSize}`,
        { file: block.file, offset: block.end },
      );
    }
    yield out;
  }
}

/**
 * When a folder's CFDATA count claims more blocks than the file holds: a warning naming
 * the folder and both counts, else undefined. Walks the block headers only (one small
 * read each), for use after an extraction that stopped once its files were complete.
 */
export async function missingBlocksWarning(folder: FolderPlan): Promise<string | undefined> {
  for (const seg of folder.segments) {
    let pos = seg.dataStart;
    const headLen = CFDATA_SIZE + seg.dataReserveSize;
    for (let b = 0; b < seg.blockCount; b++) {
      const head = await seg.source.readCopy(pos, headLen);
      const cbData = head.length === headLen ? head[4]! | (head[5]! << 8) : -1;
      if (cbData < 0 || pos + headLen + cbData > seg.source.size) {
        return `${seg.source.label}: folder ${folder.index} says it has ${seg.blockCount} CFDATA blocks, but the file ends after ${b}; the files' bytes were all before it`;
      }
      pos += headLen + cbData;
    }
  }
  return undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
