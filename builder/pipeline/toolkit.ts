/**
 * The stages build and verify call from the other libraries (pe, cab, sfx, diff, report),
 * as one interface: the pipeline is written against it, and toolkit-default.ts binds it to
 * the real implementations. Tests may wrap the real one (e.g. to make a stage fail).
 */
import type { InstallPlan } from "../install/plan.js";
import type { Manifest } from "../manifest/types.js";
import type { BuildRecord } from "./record.js";
import type { Stager } from "./stage-pool.js";

/** What the pe library reads from a file (the subset build and verify use). */
export interface PeFacts {
  readonly size: number;
  readonly isPe: boolean;
  /** "x86", "x64", "arm64", ... from the COFF machine field. */
  readonly platform?: string;
  /** 4-part file version from the version resource; absent when there is none. */
  readonly fileVersion?: string;
  /** The first StringFileInfo table's strings (FileVersion, ProductVersion...). */
  readonly strings?: Readonly<Record<string, string>>;
  readonly signed: boolean;
}

/** Values written into a PE's version resource. */
export interface StampRequest {
  readonly fileVersion: string;
  readonly productVersion?: string;
  readonly strings?: Readonly<Record<string, string>>;
}

export interface CabInput {
  /** Path inside the cabinet ("\\" separated). */
  readonly name: string;
  /** A file on disk. */
  readonly source: string;
  readonly size: number;
  /** UTC fields are stored. */
  readonly date: Date;
}

/**
 * A file still being staged when the cabinet starts: the writer calls `ready` when it
 * reaches it (in cabinet order) and reads the staged file it resolves with. A cabinet with
 * such files is one folder (the cab library's CabLateFile).
 */
export interface CabLateInput {
  readonly name: string;
  readonly date: Date;
  readonly ready: () => Promise<{ readonly source: string; readonly size: number }>;
}

export interface CabWriteProgress {
  readonly file: string;
  readonly bytesIn: number;
  readonly totalBytes: number;
}

export interface CabWritten {
  readonly compressor: { readonly name: string; readonly version: string };
  /** What the folders are: "none", "mszip", or "lzx:N fast|best" (recorded). */
  readonly compression: string;
}

/** A file as the cabinet stores it. */
export interface CabEntry {
  /** As stored, "\\" separated. */
  readonly name: string;
  readonly size: number;
  /** Raw DOS date and time fields. */
  readonly date: number;
  readonly time: number;
}

/** The cabinet's own check of every block checksum and file size. */
export interface CabinetTest {
  readonly ok: boolean;
  readonly files: readonly {
    readonly name: string;
    readonly ok: boolean;
    readonly error?: string;
  }[];
  readonly errors: readonly string[];
}

export interface OpenedCabinet {
  readonly files: readonly CabEntry[];
  /**
   * Files into `dir` (all, or those `only` selects by index), each folder decoded once;
   * the paths written, in `files` order (undefined for a file not selected).
   */
  extractAll(
    dir: string,
    only?: (index: number) => boolean,
  ): Promise<readonly (string | undefined)[]>;
  /**
   * One file's bytes, decoded as they are read (every block checksum checked), in pieces of
   * at most a block; reading the files in order decodes each folder once. Throws the cab
   * library's CabError on damage.
   */
  read(index: number): AsyncIterable<Uint8Array>;
  test(): Promise<CabinetTest>;
  close(): Promise<void>;
}

/**
 * What the stub checks before it extracts, and the digests verify compares with a build
 * record; or why the stub would refuse the package header (it exits 13).
 */
export type PackageFacts =
  | { readonly damaged: string }
  | {
      readonly damaged?: undefined;
      /** "header": a cabwright package; "search": an .exe without one; "cabinet": a .cab. */
      readonly foundBy: "header" | "search" | "cabinet";
      readonly cabinetOffset: number;
      /** Absent without a cabwright package header. */
      readonly payloadCrc?: { readonly expected: number; readonly actual: number };
      readonly cabinetSha256: string;
      readonly fileSha256: string;
      readonly signed: boolean;
    };

/** The package's cabinet compression, as the manifest spells it. */
export interface CabinetCompression {
  /** none, mszip, lzx or lzx:15..21. */
  readonly compression: string;
  /** LZX effort: fast or best. */
  readonly level: string;
}

export interface Toolkit {
  inspect(path: string): Promise<PeFacts>;
  /**
   * The facts a PE's headers give (kind, platform, certificate table; no version
   * resource), read with a few small reads: collect's check of each drop file.
   */
  inspectHeaders(path: string): Promise<PeFacts>;
  /** Stages files (stage-one.ts): the default runs them on worker threads (stage-pool.ts). */
  stager(): Stager;
  /** inspect, of bytes in memory (`label` names them in errors). */
  inspectBytes(bytes: Uint8Array, label: string): PeFacts;
  /** Stamp `path` into `outPath` (a new file). */
  stamp(path: string, request: StampRequest, outPath: string): Promise<void>;
  /** Stamp bytes in memory (the demo's trial stamps). */
  stampBytes(bytes: Uint8Array, request: StampRequest, label: string): Promise<Uint8Array>;
  writeCabinet(
    outPath: string,
    files: readonly (CabInput | CabLateInput)[],
    compression: CabinetCompression,
    onProgress?: (p: CabWriteProgress) => void,
  ): Promise<CabWritten>;
  /** A stored (uncompressed) cabinet: the demo's data cabinet, whose size it must hit. */
  writeStoredCabinet(outPath: string, files: readonly CabInput[]): Promise<void>;
  /** A cabinet on its own (.cab), or inside a package executable (.exe). */
  openPackage(path: string): Promise<OpenedCabinet>;
  /** The package header, payload CRC-32 and digests, read in one pass (sfx library). */
  packageFacts(path: string): Promise<PackageFacts>;
  /** The SFX stub for a platform (a file shipped with cabwright). */
  stubPath(platform: string): string;
  assembleSfx(opts: {
    platform: string;
    cabinetPath: string;
    outPath: string;
    stubPath: string;
    entry?: { command: string; args: readonly string[] };
    /** The install plan the engine inside the package carries out (docs/install.md). */
    plan?: InstallPlan;
  }): Promise<void>;
  /** The install plan a package carries, or undefined when it has none (an .exe only). */
  readPlan(path: string): Promise<InstallPlan | undefined>;
  /** SHA-256 of a PE with its version stamp neutralised; undefined when not available. */
  neutralDigest?(bytes: Uint8Array): string | undefined;
  /** The KB article; undefined when the report library is not available. */
  renderArticle?(record: BuildRecord, manifest: Manifest): Promise<string> | string;
}
