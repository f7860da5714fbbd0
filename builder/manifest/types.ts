/**
 * The manifest model: what a package declares. Every stage reads these types;
 * manifest/load.ts produces them from YAML or JSON, with defaults applied.
 */

/**
 * Platforms a file can be for; "Not Applicable" is for data files (.cab, .inf, ...).
 * IA-64 (Itanium) and alpha (DEC Alpha AXP) are here so that older published tables
 * import and report as printed; cabwright builds no package for them.
 */
export const Platform = {
  x86: "x86",
  x64: "x64",
  arm64: "arm64",
  notApplicable: "Not Applicable",
  ia64: "IA-64",
  alpha: "alpha",
} as const;
export type Platform = (typeof Platform)[keyof typeof Platform];
export const PLATFORMS: readonly Platform[] = Object.values(Platform);

/** The version column of a file that has none (not a PE, or no version resource). */
export const NOT_APPLICABLE = "Not Applicable";

/** Platforms the self-extracting stub is built for. */
export const PackagePlatform = { x86: "x86", x64: "x64" } as const;
export type PackagePlatform = (typeof PackagePlatform)[keyof typeof PackagePlatform];

export const Restart = {
  required: "required",
  notRequired: "not-required",
  mayBeRequired: "may-be-required",
} as const;
export type Restart = (typeof Restart)[keyof typeof Restart];

export interface Prerequisite {
  /** Product that must be installed, e.g. "Forefront Security for Exchange Server". */
  readonly product: string;
  /** A semver range over the first three parts of the product's 4-part version. */
  readonly range: string;
  /** How the article names it, e.g. "Service Pack 2". */
  readonly description?: string;
}

export interface EntryCommand {
  /** Program inside the package, run from the extraction folder. */
  readonly command: string;
  readonly args: readonly string[];
}

export interface PackageInfo {
  /** File-name safe: becomes out/NAME/NAME.exe. */
  readonly name: string;
  readonly title: string;
  readonly product: string;
  /** 4-part package version, e.g. 10.2.952.0. */
  readonly version: string;
  readonly company: string;
  readonly copyright: string;
  /** Knowledge Base article number, digits only (absent while a draft has none). */
  readonly kb?: string;
  /** Platform of the self-extracting executable. */
  readonly platform: PackagePlatform;
  readonly prerequisite?: Prerequisite;
  readonly entry?: EntryCommand;
  readonly restart: Restart;
  /** The cabinet's compression: none, mszip, lzx or lzx:15..21 (builder/cab's spelling). */
  readonly compression: string;
  /** LZX effort. */
  readonly compressionLevel: CompressionLevel;
}

/** LZX effort: lazy matching (fast) or near-optimal parsing (best). */
export type CompressionLevel = "fast" | "best";

export interface ManifestFile {
  /** The name as the KB table prints it. */
  readonly name: string;
  /** Path inside the package, "/"-separated (stored with backslashes in the cabinet). */
  readonly path: string;
  /** Where the file comes from in the build drop: a path or a fast-glob pattern. */
  readonly source: string;
  /** 4-part version or NOT_APPLICABLE. */
  readonly version: string;
  /** Bytes; enforced when given. */
  readonly size?: number;
  /** UTC date, YYYY-MM-DD. */
  readonly date: string;
  /** UTC time, HH:MM or HH:MM:SS. */
  readonly time: string;
  readonly platform: Platform;
  /** Whether the builder writes the version into the file's PE resources. */
  readonly stamp: boolean;
  readonly description?: string;
}

export interface Fix {
  readonly title: string;
  readonly symptoms?: string;
  readonly cause?: string;
  readonly resolution?: string;
}

export interface Manifest {
  readonly package: PackageInfo;
  readonly summary?: string;
  readonly files: readonly ManifestFile[];
  readonly fixes: readonly Fix[];
  /** Install steps and notes for the article, in order. */
  readonly install: { readonly steps: readonly string[]; readonly notes: readonly string[] };
}

/** One row of a KB "File information" table: what `table` prints for any source. */
export interface TableRow {
  readonly name: string;
  readonly path: string;
  readonly version: string;
  readonly size: number | undefined;
  readonly date: string;
  readonly time: string;
  readonly platform: Platform;
}
