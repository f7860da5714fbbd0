/**
 * The writer's public types, and the plan that sits between planning and streaming.
 */

import type { LzxLevel } from "../codecs/lzx/encode-parse.js";
import type { CabReserve } from "../format/layout-encode.js";

export type { LzxLevel } from "../codecs/lzx/encode-parse.js";
export type { CabReserve } from "../format/layout-encode.js";

/** Where an input file's bytes come from: a path, or a function that opens a stream. */
export type CabSource = string | (() => NodeJS.ReadableStream | AsyncIterable<Uint8Array>);

export interface CabInputFile {
  /** Path inside the cabinet, "/" or "\\" separated; stored with "\\". */
  readonly name: string;
  readonly source: CabSource;
  /** Exact size in bytes; the source must deliver exactly this many. */
  readonly size: number;
  /** Its UTC fields are stored (as gcab does); see dostime.ts. */
  readonly date: Date;
  /**
   * FileAttribute bits (read-only, hidden, system, archive, exec). Default: archive.
   * The UTF-8 name flag is set automatically, and only, for non-ASCII names.
   */
  readonly attributes?: number;
}

/**
 * A file whose bytes, and so its size, are ready only later (a file still being made):
 * the writer calls `ready` when it reaches the file (files are read in order, one at a
 * time) and reads what it resolves with. Name, date and attributes are known up front, so
 * the tables' size is. A cabinet with such a file is one cabinet of one folder: no
 * maxCabinetSize, no maxFolderSize, and its files must fit one folder together (65,535
 * blocks of 32,768 bytes), or the write fails with a CabError once they do not. The bytes
 * written are those of the same files given with their sizes.
 */
export interface CabLateFile {
  readonly name: string;
  readonly date: Date;
  readonly attributes?: number;
  readonly ready: () => Promise<{ readonly source: CabSource; readonly size: number }>;
}

/** LZX with a window of 2^windowBits bytes (15..21). */
export interface LzxCompression {
  readonly type: "lzx";
  readonly windowBits: number;
  /** Default "fast". */
  readonly level?: LzxLevel;
  /** x86 CALL (E8) translation, which helps executables. Default true. */
  readonly e8?: boolean;
}

export type CabCompression = "none" | "mszip" | LzxCompression;

export interface CabProgress {
  readonly file: string;
  readonly bytesIn: number;
  readonly totalBytes: number;
}

export interface WriteCabinetOptions {
  /** Default mszip. */
  readonly compression?: CabCompression;
  /**
   * Start a new folder before a file that would take a folder past this many uncompressed
   * bytes (a larger file gets a folder of its own).
   */
  readonly maxFolderSize?: number;
  /**
   * Split into a cabinet set when a cabinet would exceed this many bytes:
   * OUT.cab, OUT2.cab, OUT3.cab... (the number goes before the extension).
   */
  readonly maxCabinetSize?: number;
  /** Reserve areas (zero-filled) in the header, each CFFOLDER and each CFDATA. */
  readonly reserve?: { readonly header?: number; readonly folder?: number; readonly data?: number };
  /** CFHEADER.setID, 0..65535. Default 0. */
  readonly setId?: number;
  /** Compression threads. Default: available cores (at most 8). 1: the calling thread. */
  readonly threads?: number;
  readonly onProgress?: (p: CabProgress) => void;
}

export interface WrittenCabinet {
  readonly path: string;
  readonly size: number;
}

export interface WriteCabinetResult {
  readonly cabinets: readonly WrittenCabinet[];
  readonly fileCount: number;
  readonly folderCount: number;
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
  /** The implementation whose output the compressed bytes depend on. */
  readonly compressor: { readonly name: string; readonly version: string };
}

/** One file as it will be stored. */
export interface PlannedFile {
  readonly index: number;
  /** The name with "\\" separators. */
  readonly name: string;
  readonly nameBytes: Uint8Array;
  /** CFFILE.attribs, UTF-8 flag included. */
  readonly attributes: number;
  readonly dosDate: number;
  readonly dosTime: number;
  readonly size: number;
  readonly folder: number;
  /** uoffFolderStart: where the file starts in its folder's uncompressed stream. */
  readonly offset: number;
  readonly source: CabSource;
}

export interface PlannedFolder {
  readonly index: number;
  /** Files [firstFile, endFile) of the plan. */
  readonly firstFile: number;
  readonly endFile: number;
  readonly uncompressedSize: number;
  /** ceil(uncompressedSize / 32768). */
  readonly blockCount: number;
}

/** Everything known before any data is read: small, so streaming stays bounded. */
export interface CabPlan {
  readonly files: readonly PlannedFile[];
  readonly folders: readonly PlannedFolder[];
  readonly compression: CabCompression;
  readonly reserve: CabReserve;
  readonly setId: number;
  /** Undefined: one cabinet (refused when a limit is exceeded). */
  readonly maxCabinetSize: number | undefined;
  readonly uncompressedBytes: number;
}
