/**
 * Phase two's bookkeeping: CFDATA records arrive in folder order; this decides which
 * cabinet of a set each block goes to, tracks which files each cabinet lists (a file
 * crossing a boundary is listed in both, as continued), and writes each cabinet's tables
 * when it is complete. Without maxCabinetSize there is one cabinet, and a limit that
 * would be exceeded is an error instead of a split.
 */

import type { CompressedRecords } from "../codecs/mszip/compress.js";
import { blockChecksum } from "../format/checksum.js";
import {
  CFDATA_SIZE,
  FolderIndex,
  MAX_BLOCK_UNCOMPRESSED,
  MAX_BLOCKS_PER_FOLDER,
  MAX_CABINET_SIZE,
  MAX_FILES_PER_CABINET,
  MAX_FOLDERS_WITH_FILES,
  MAX_NAME_BYTES,
} from "../format/constants.js";
import { invalidInput } from "../format/errors.js";
import {
  dataHeaderSize,
  encodeDataHeader,
  encodeTables,
  type FileFields,
  type FolderFields,
  fileEntrySize,
  folderEntrySize,
  headerSize,
  namePairSize,
} from "../format/layout-encode.js";
import { typeCompressOf } from "./compression-spec.js";
import type { CabinetSink } from "./sinks.js";
import type { CabPlan, PlannedFolder, WrittenCabinet } from "./writer-types.js";

/** The most cabinets a set can have: iCabinet is a u16. */
const MAX_CABINETS_IN_SET = 0x10000;
/** szDiskPrev / szDiskNext: readers (libmspack) refuse empty names; "Disk1", "Disk2"... */
function diskName(index: number): Uint8Array {
  return new TextEncoder().encode(`Disk${index + 1}`);
}

/** A CFDATA record for a fragment of a split block (cbUncomp 0 for all but the last). */
function fragment(payload: Uint8Array, uncompressedSize: number, reserve: number): Uint8Array {
  const out = new Uint8Array(CFDATA_SIZE + reserve + payload.length);
  encodeDataHeader(
    out,
    0,
    blockChecksum(payload, uncompressedSize),
    payload.length,
    uncompressedSize,
    reserve,
  );
  out.set(payload, CFDATA_SIZE + reserve);
  return out;
}

/** A folder's piece in one cabinet. */
interface PartFolder {
  readonly folder: PlannedFolder;
  /** Offset of its first CFDATA record in the cabinet's data area. */
  readonly dataStart: number;
  /** Folder-uncompressed range [uStart, uEnd) held by this cabinet's blocks. */
  readonly uStart: number;
  uEnd: number;
  blocks: number;
  /** Blocks of the same folder in earlier cabinets (fragments of split blocks included). */
  readonly priorBlocks: number;
}

interface Part {
  readonly index: number;
  readonly folders: PartFolder[];
  /** Files [firstFile, endFile) of the plan are listed in this cabinet. */
  readonly firstFile: number;
  endFile: number;
  fileTableBytes: number;
  dataBytes: number;
}

export class CabinetAssembler {
  private readonly written: WrittenCabinet[] = [];
  private part: Part;
  private readonly limit: number;
  private readonly split: boolean;
  private readonly typeCompress: number;
  /** The folder piece that the next block of the current folder extends. */
  private current: PartFolder | undefined;
  private payloadBytes = 0;

  constructor(
    private readonly plan: CabPlan,
    private readonly sink: CabinetSink,
    private readonly cabinetPath: (index: number) => string,
  ) {
    this.split = plan.maxCabinetSize !== undefined;
    this.limit = plan.maxCabinetSize ?? MAX_CABINET_SIZE;
    this.typeCompress = typeCompressOf(plan.compression);
    this.part = this.newPart(0, 0);
  }

  get compressedBytes(): number {
    return this.payloadBytes;
  }

  /** The records of blocks of `folder` starting at uncompressed offset `uStart`. */
  async addRecords(folder: PlannedFolder, uStart: number, chunk: CompressedRecords): Promise<void> {
    const { bytes, recordSizes: sizes } = chunk;
    let runStart = 0;
    let at = 0;
    for (let b = 0; b < sizes.length; b++) {
      const u0 = uStart + b * MAX_BLOCK_UNCOMPRESSED;
      const u1 = Math.min(u0 + MAX_BLOCK_UNCOMPRESSED, folder.uncompressedSize);
      const size = sizes[b]!;
      if (this.tryAddBlock(folder, u0, u1, size)) {
        at += size;
        continue;
      }
      // The block does not fit: this cabinet is full.
      await this.sink.writeData(bytes.subarray(runStart, at));
      const piece = this.pieceOf(folder);
      if (piece && this.crossingFile(folder, u0)) {
        // A file crosses the boundary: the folder continues in the next cabinet. As FCI
        // does (and libmspack requires), the block is split: its first bytes end this
        // cabinet in a fragment with cbUncomp 0, the rest opens the next one.
        await this.splitBlock(folder, piece, u0, u1, bytes.subarray(at, at + size));
        at += size;
        runStart = at;
        continue;
      }
      if (u0 > 0) {
        // Cannot happen: in a set each file has its own folder, so a boundary inside a
        // folder is always crossed by its file.
        throw new Error("cab writer: a folder boundary inside a folder without a file across it");
      }
      await this.closePart(true);
      this.startNextPart(folder, u0);
      if (!this.tryAddBlock(folder, u0, u1, size)) throw this.tooSmall(size);
      runStart = at;
      at += size;
    }
    await this.sink.writeData(bytes.subarray(runStart, at));
  }

  /** A folder whose files are all empty: no CFDATA blocks. */
  async addEmptyFolder(folder: PlannedFolder): Promise<void> {
    if (!this.tryAddBlock(folder, 0, 0, 0)) {
      await this.closePart(true);
      this.startNextPart(folder, 0);
      if (!this.tryAddBlock(folder, 0, 0, 0)) throw this.tooSmall(0);
    }
  }

  async finish(): Promise<readonly WrittenCabinet[]> {
    await this.closePart(false);
    return this.written;
  }

  private newPart(index: number, firstFile: number): Part {
    if (index >= MAX_CABINETS_IN_SET) {
      throw invalidInput(
        `the set would need more than ${MAX_CABINETS_IN_SET} cabinets; raise maxCabinetSize (--max-size)`,
      );
    }
    return { index, folders: [], firstFile, endFile: firstFile, fileTableBytes: 0, dataBytes: 0 };
  }

  /** The current cabinet's piece of `folder`, if it has one. */
  private pieceOf(folder: PlannedFolder): PartFolder | undefined {
    const last = this.part.folders.at(-1);
    return last && last === this.current && last.folder === folder ? last : undefined;
  }

  /** The file listed last in the current cabinet, if it crosses folder offset u0. */
  private crossingFile(folder: PlannedFolder, u0: number): boolean {
    const f = this.plan.files[this.part.endFile - 1];
    return f !== undefined && f.folder === folder.index && f.offset < u0 && f.offset + f.size > u0;
  }

  /**
   * Add a block (u0 === u1: an empty folder) to the current cabinet if it fits, with the
   * files it touches; false if it does not fit and the set may split here.
   */
  private tryAddBlock(folder: PlannedFolder, u0: number, u1: number, recordSize: number): boolean {
    const part = this.part;
    const files = this.plan.files;
    const piece = this.pieceOf(folder);
    let end = Math.max(part.endFile, folder.firstFile);
    let fileBytes = 0;
    while (end < folder.endFile) {
      const f = files[end]!;
      const touches = f.offset < u1 || (f.offset === u1 && u1 === folder.uncompressedSize);
      if (!touches) break;
      fileBytes += fileEntrySize(f.nameBytes);
      end++;
    }
    const folderCount = part.folders.length + (piece ? 0 : 1);
    const size =
      this.tablesSize(part, this.split) +
      (piece ? 0 : folderEntrySize(this.plan.reserve)) +
      fileBytes +
      part.dataBytes +
      recordSize;
    // In a set, a block that the folder's next block follows leaves room for a fragment
    // of that block (a header and one byte), in case the next block must be split.
    const room =
      this.split && u1 < folder.uncompressedSize ? dataHeaderSize(this.plan.reserve) + 1 : 0;
    const blocks = (piece?.blocks ?? 0) + (u1 > u0 ? 1 : 0);
    const fits =
      size + room <= this.limit &&
      end - part.firstFile <= MAX_FILES_PER_CABINET &&
      folderCount <= MAX_FOLDERS_WITH_FILES &&
      blocks + (room > 0 ? 1 : 0) <= MAX_BLOCKS_PER_FOLDER;
    // libmspack joins a folder's pieces only while their blocks total at most 65,535.
    if ((piece?.priorBlocks ?? 0) + blocks + (room > 0 ? 1 : 0) > MAX_BLOCKS_PER_FOLDER) {
      throw invalidInput(
        `folder ${folder.index} would have more than ${MAX_BLOCKS_PER_FOLDER} data blocks across the set; raise maxCabinetSize (--max-size) or set a smaller maxFolderSize`,
      );
    }
    if (!fits) {
      if (this.split && (part.dataBytes > 0 || part.folders.length > 0)) return false;
      if (this.split) throw this.tooSmall(recordSize);
      throw invalidInput(
        `the cabinet would exceed ${size > this.limit ? `${this.limit} bytes` : "a 16-bit count"}` +
          ` (the most readers accept); set maxCabinetSize (--max-size) to split it into a set`,
      );
    }
    let target = piece;
    if (!target) {
      target = {
        folder,
        dataStart: part.dataBytes,
        uStart: u0,
        uEnd: u0,
        blocks: 0,
        priorBlocks: 0,
      };
      part.folders.push(target);
      this.current = target;
    }
    target.blocks = blocks;
    target.uEnd = u1;
    part.endFile = end;
    part.fileTableBytes += fileBytes;
    part.dataBytes += recordSize;
    this.payloadBytes += recordSize;
    return true;
  }

  /** End this cabinet with the block's first bytes; open the next with the rest. */
  private async splitBlock(
    folder: PlannedFolder,
    piece: PartFolder,
    u0: number,
    u1: number,
    record: Uint8Array,
  ): Promise<void> {
    const r = this.plan.reserve;
    const headerBytes = dataHeaderSize(r);
    const payload = record.subarray(headerBytes);
    const used = this.tablesSize(this.part, true) + this.part.dataBytes;
    const firstLength = Math.min(this.limit - used - headerBytes, payload.length - 1);
    if (firstLength < 1 || piece.blocks + 1 > MAX_BLOCKS_PER_FOLDER) {
      throw new Error("cab writer: no room left to split a block (a bug in the set layout)");
    }
    const first = fragment(payload.subarray(0, firstLength), 0, r.data);
    await this.sink.writeData(first);
    piece.blocks++;
    this.part.dataBytes += first.length;
    this.payloadBytes += first.length;
    await this.closePart(true);
    this.startNextPart(folder, u0);
    const rest = fragment(payload.subarray(firstLength), u1 - u0, r.data);
    if (!this.tryAddBlock(folder, u0, u1, rest.length)) throw this.tooSmall(rest.length);
    await this.sink.writeData(rest);
  }

  /**
   * Start the next cabinet at `folder`'s offset u0: with the folder's continuation when a
   * file crosses u0, else with nothing (a new folder starts with the next block).
   */
  private startNextPart(folder: PlannedFolder, u0: number): void {
    const prev = this.part;
    const crossing = this.crossingFile(folder, u0);
    this.part = this.newPart(prev.index + 1, crossing ? prev.endFile - 1 : prev.endFile);
    if (crossing) {
      // The same folder continues; file offsets stay relative to the folder's start.
      const piece: PartFolder = {
        folder,
        dataStart: 0,
        uStart: u0,
        uEnd: u0,
        blocks: 0,
        priorBlocks: this.current!.priorBlocks + this.current!.blocks,
      };
      this.part.folders.push(piece);
      this.current = piece;
      return;
    }
    this.current = undefined;
  }

  private tablesSize(part: Part, assumeNext: boolean): number {
    const r = this.plan.reserve;
    return (
      headerSize(
        r,
        this.prevNamesSize(part.index),
        assumeNext ? this.nextNamesSize(part.index) : undefined,
      ) +
      part.folders.length * folderEntrySize(r) +
      part.fileTableBytes
    );
  }

  private nameBytes(index: number): Uint8Array {
    const path = this.cabinetPath(index);
    const name = new TextEncoder().encode(
      path.slice(path.replace(/\\/g, "/").lastIndexOf("/") + 1),
    );
    if (name.length > MAX_NAME_BYTES) {
      throw invalidInput(`cabinet name "${path}" is over ${MAX_NAME_BYTES} bytes`, { file: path });
    }
    return name;
  }

  private prevNamesSize(index: number): number | undefined {
    return index > 0 ? namePairSize(this.nameBytes(index - 1), diskName(index - 1)) : undefined;
  }

  private nextNamesSize(index: number): number {
    return namePairSize(this.nameBytes(index + 1), diskName(index + 1));
  }

  private async closePart(hasNext: boolean): Promise<void> {
    const part = this.part;
    const r = this.plan.reserve;
    const hs = headerSize(
      r,
      this.prevNamesSize(part.index),
      hasNext ? this.nextNamesSize(part.index) : undefined,
    );
    const filesOffset = hs + part.folders.length * folderEntrySize(r);
    const tablesSize = filesOffset + part.fileTableBytes;
    const folders: FolderFields[] = part.folders.map((pf) => ({
      dataOffset: tablesSize + pf.dataStart,
      blockCount: pf.blocks,
      typeCompress: this.typeCompress,
    }));
    const localIndex = new Map(part.folders.map((pf, i) => [pf.folder.index, i]));
    const files: FileFields[] = [];
    for (let i = part.firstFile; i < part.endFile; i++) {
      const f = this.plan.files[i]!;
      // Each planned folder has at most one piece in a cabinet.
      const local = localIndex.get(f.folder)!;
      const pf = part.folders[local]!;
      const fromPrev = f.offset < pf.uStart;
      const toNext = hasNext && local === part.folders.length - 1 && f.offset + f.size > pf.uEnd;
      const iFolder =
        fromPrev && toNext
          ? FolderIndex.continuedPrevAndNext
          : fromPrev
            ? FolderIndex.continuedFromPrev
            : toNext
              ? FolderIndex.continuedToNext
              : local;
      files.push({
        size: f.size,
        offset: f.offset,
        folder: iFolder,
        dosDate: f.dosDate,
        dosTime: f.dosTime,
        attributes: f.attributes,
        nameBytes: f.nameBytes,
      });
    }
    const tables = encodeTables(
      {
        cabinetSize: tablesSize + part.dataBytes,
        filesOffset,
        folderCount: part.folders.length,
        fileCount: files.length,
        setId: this.plan.setId,
        cabinetIndex: part.index,
        reserve: r,
        ...(part.index > 0
          ? { prev: { cabinet: this.nameBytes(part.index - 1), disk: diskName(part.index - 1) } }
          : {}),
        ...(hasNext
          ? { next: { cabinet: this.nameBytes(part.index + 1), disk: diskName(part.index + 1) } }
          : {}),
      },
      folders,
      files,
    );
    const path = this.cabinetPath(part.index);
    const size = await this.sink.finishCabinet(path, tables);
    this.written.push({ path, size });
  }

  private tooSmall(recordSize: number) {
    return invalidInput(
      `maxCabinetSize ${this.limit} is too small: a cabinet's tables and one ${recordSize}-byte data block do not fit`,
    );
  }
}
