/**
 * The build record (out/NAME/NAME.build.json): what was built, from what, with which
 * tool, so that a package can be reproduced, verified, reported on and diffed later.
 * Its shape is stable: add optional fields, never change or remove one.
 */
import type { InstallPlan } from "../install/plan.js";
import type { PackageInfo, Platform } from "../manifest/types.js";

export const BUILD_RECORD_SCHEMA = "cabwright.build-record/1";

export interface Digests {
  readonly size: number;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
}

export interface BuildRecordFile {
  /** As the KB table prints it. */
  readonly name: string;
  /** Path inside the package, "/"-separated. */
  readonly path: string;
  readonly version: string;
  readonly size: number;
  /** UTC, YYYY-MM-DD and HH:MM[:SS], as stored in the cabinet's DOS fields. */
  readonly date: string;
  readonly time: string;
  readonly platform: Platform;
  readonly stamp: boolean;
  /** The file in the build drop, relative to the drop, "/"-separated. */
  readonly source: string;
  /** As found in the drop. */
  readonly before: Digests;
  /** As shipped in the package (after stamping; equal to `before` when not stamped). */
  readonly after: Digests;
  /**
   * SHA-256 of the shipped file with its version resource, PE checksum and timestamp
   * neutralised (absent for a file that is not a PE): equal digests mean "same content
   * apart from the version stamp".
   */
  readonly neutralSha256?: string;
  /** Whether the shipped file carries an Authenticode signature. */
  readonly signed: boolean;
  /**
   * The SHA-256 Authenticode digest of a file the build signed: the hash its signature
   * covers (the file minus CheckSum, certificate directory and table), equal across builds
   * whose signatures differ only in a timestamp.
   */
  readonly authenticodeSha256?: string;
  /** The signature the build added. */
  readonly signature?: RecordedSignature;
}

/** A signature as recorded: its digest algorithms (primary first), signer, timestamp. */
export interface RecordedSignature {
  readonly algorithms: readonly string[];
  readonly signer: string;
  readonly timestamped: boolean;
}

export interface BuildRecord {
  readonly schema: typeof BUILD_RECORD_SCHEMA;
  readonly tool: {
    readonly name: "cabwright";
    readonly version: string;
    /**
     * The deflate implementation whose output the cabinet bytes depend on. The Node version
     * is deliberately not recorded: the record must be byte-identical on every machine whose
     * compressor gives the same bytes.
     */
    readonly compressor: { readonly name: string; readonly version: string };
  };
  readonly manifest: {
    /** As given on the command line, with "/" separators (also when built on Windows). */
    readonly path: string;
    readonly sha256: string;
  };
  readonly package: PackageInfo;
  /** SOURCE_DATE_EPOCH in effect, when one was. */
  readonly sourceDateEpoch?: number;
  readonly files: readonly BuildRecordFile[];
  readonly cabinet: Digests & { readonly name: string; readonly compression: string };
  readonly executable: Digests & {
    readonly name: string;
    /** The SFX stub the executable was made from: "x86" or "x64" and its digest. */
    readonly stub: { readonly platform: string; readonly sha256: string };
    /** When the build signed the package: as for a file. */
    readonly authenticodeSha256?: string;
    readonly signature?: RecordedSignature;
  };
  /**
   * The install plan the package carries (absent for a package that extracts or runs an
   * entry command): its canonical SHA-256, a one-line summary and the plan itself, so that
   * a record-against-record diff sees every field.
   */
  readonly install?: {
    readonly sha256: string;
    readonly summary: string;
    readonly plan: InstallPlan;
  };
}
