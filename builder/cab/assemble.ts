/**
 * Phase two's bookkeeping: CFDATA records arrive in folder order; this decides which
 * cabinet of a set each block goes to, tracks which files each cabinet lists (a file
 * crossing a boundary is listed in both, as continued), and writes each cabinet's tables
 * when it is complete. Without maxCabinetSize there is one cabinet, and a limit that
 * would be exceeded is an error instead of a split.
 */
import {
  CompressionType,
  FolderIndex,
  MAX_BLOCK_UNCOMPRESSED,
  MAX_BLOCKS_PER_FOLDER,
  MAX_CABINET_SIZE,
  MAX_FILES_PER_CABINET,
  MAX_FOLDERS_PER_CABINET,
  MAX_NAME_BYTES,
} from "./constants.js";
import { invalidInput } from "./errors.js";
import {
  encodeTables,
  type FileFields,
  type FolderFields,
  fileEntrySize,
  folderEntrySize,
  headerSize,
  namePairSize,
} from "./layout-encode.js";
import { type CompressedRecords, compressRecords } from "./mszip-compress.js";
import type { CabinetSink } from "./sinks.js";
import type { CabPlan, PlannedFolder, WrittenCabinet } from "./writer-types.js";

/** The most cabinets a set can have: iCabinet is a u16. */
const MAX_CABINETS_IN_SET = 0x10000;
const NO_DISK_NAME = new Uint8Array(0);

/** A folder's piece in one cabinet. */
interface PartFolder {
  readonly folder: PlannedFolder;
  /** Subtracted from the plan's file offsets: non-zero when a set restarts a folder. */
  readonly base: number;
  /** Offset of its first CFDATA record in the cabinet's data area. */
  readonly dataStart: number;
  /** Folder-uncompressed range [uStart, uEnd) held by this cabinet's blocks. */
  readonly uStart: number;
  uEnd: number;
  blocks: number;
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
    this.typeCompress = plan.compression === "mszip" ? CompressionType.mszip : CompressionType.none;
    this.part = this.newPart(0, 0);
  }

  get compressedBytes(): number {
    return this.payloadBytes;
  }

  /** The records of blocks of `folder` starting at uncompressed offset `uStart`. */
  async addRecords(folder: PlannedFolder, uStart: number, chunk: CompressedRecords): Promise<void> {
    let runStart = 0;
    let at = 0;
    let bytes = chunk.bytes;
    let sizes = chunk.recordSizes;
    for (let b = 0; b < sizes.length; b++) {
      const u0 = uStart + b * MAX_BLOCK_UNCOMPRESSED;
      const u1 = Math.min(u0 + MAX_BLOCK_UNCOMPRESSED, folder.uncompressedSize);
      const size = sizes[b]!;
      if (!this.tryAddBlock(folder, u0, u1, size)) {
        await this.sink.writeData(bytes.subarray(runStart, at));
        await this.closePart(true);
        const restart = this.startNextPart(folder, u0);
        if (restart) {
          // No file crosses the boundary: the rest of the folder becomes a new folder
          // (readers only join folders across cabinets through a continued file), so this
          // block is compressed again without the previous block as history.
          const rest = chunk.data.subarray(b * MAX_BLOCK_UNCOMPRESSED);
          const redone = compressRecords({
            compression: this.plan.compression,
            data: rest,
            history: undefined,
            dataReserve: this.plan.reserve.data,
          });
          // Only the first block changes; later blocks keep their history.
          const first = redone.bytes.subarray(0, redone.recordSizes[0]!);
          const tail = bytes.subarray(at + size);
          const merged = new Uint8Array(first.length + tail.length);
          merged.set(first, 0);
          merged.set(tail, first.length);
          bytes = merged;
          sizes = [redone.recordSizes[0]!, ...sizes.slice(b + 1)];
          return this.addRecords(folder, u0, { bytes, recordSizes: sizes, data: rest });
        }
        runStart = at;
        if (!this.tryAddBlock(folder, u0, u1, size)) throw this.tooSmall(size);
      }
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

  /**
   * Add a block (u0 === u1: an empty folder) to the current cabinet if it fits, with the
   * files it touches; false if it does not fit and the set may split here.
   */
  private tryAddBlock(folder: PlannedFolder, u0: number, u1: number, recordSize: number): boolean {
    const part = this.part;
    const files = this.plan.files;
    const last = part.folders.at(-1);
    const piece = this.current?.folder === folder && last === this.current ? last : undefined;
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
    const blocks = (piece?.blocks ?? 0) + (u1 > u0 ? 1 : 0);
    const fits =
      size <= this.limit &&
      end - part.firstFile <= MAX_FILES_PER_CABINET &&
      folderCount <= MAX_FOLDERS_PER_CABINET &&
      blocks <= MAX_BLOCKS_PER_FOLDER;
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
        base: u0,
        dataStart: part.dataBytes,
        uStart: u0,
        uEnd: u0,
        blocks: 0,
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

  /**
   * Start the next cabinet at `folder`'s offset u0. Returns true when the folder must
   * restart as a new folder there (no file crosses the boundary).
   */
  private startNextPart(folder: PlannedFolder, u0: number): boolean {
    const prev = this.part;
    const lastFile = this.plan.files[prev.endFile - 1];
    const crossing =
      lastFile !== undefined &&
      lastFile.folder === folder.index &&
      lastFile.offset < u0 &&
      lastFile.offset + lastFile.size > u0;
    this.part = this.newPart(prev.index + 1, crossing ? prev.endFile - 1 : prev.endFile);
    const continues = this.current?.folder === folder && u0 > 0;
    if (continues && crossing) {
      // The same folder continues: its piece here keeps the folder's offsets.
      const base = this.current!.base;
      const piece: PartFolder = {
        folder,
        base,
        dataStart: 0,
        uStart: u0,
        uEnd: u0,
        blocks: 0,
      };
      this.part.folders.push(piece);
      this.current = piece;
      return false;
    }
    this.current = undefined;
    return continues;
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
    return index > 0 ? namePairSize(this.nameBytes(index - 1), NO_DISK_NAME) : undefined;
  }

  private nextNamesSize(index: number): number {
    return namePairSize(this.nameBytes(index + 1), NO_DISK_NAME);
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
    const files: FileFields[] = [];
    for (let i = part.firstFile; i < part.endFile; i++) {
      const f = this.plan.files[i]!;
      // Each planned folder has at most one piece in a cabinet.
      const local = part.folders.findIndex((pf) => pf.folder.index === f.folder);
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
        offset: f.offset - pf.base,
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
          ? { prev: { cabinet: this.nameBytes(part.index - 1), disk: NO_DISK_NAME } }
          : {}),
        ...(hasNext
          ? { next: { cabinet: this.nameBytes(part.index + 1), disk: NO_DISK_NAME } }
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
