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
  /**
   * The ProductVersion stamped files carry: `file` (absent: each file's own version, as
   * Microsoft's files carry the build of the product they come from), `package` (the
   * package version), or one 4-part version for every file (docs/build.md).
   */
  readonly productVersion?: string;
}

/** The keywords of package.productVersion and files[].productVersion (or a 4-part version). */
export const ProductVersionRule = { file: "file", package: "package" } as const;
export type ProductVersionRule = (typeof ProductVersionRule)[keyof typeof ProductVersionRule];

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
  /** Whether a signing build signs the file; absent: the value of `stamp`. */
  readonly sign?: boolean;
  /** This stamped file's ProductVersion rule, overriding package.productVersion. */
  readonly productVersion?: string;
  readonly description?: string;
  /**
   * The source may be a link whose real target is outside the build drop (a shared
   * runtime, say). Without it such a source is refused (collect/drop-links.ts).
   */
  readonly allowOutsideDrop?: boolean;
  /** How the installer engine places the file; set on every file when the manifest declares `install.product`. */
  readonly install?: FileInstallPolicy;
}

/** A file's install policy (files[].install, defaults applied). */
export interface FileInstallPolicy {
  /** Destination inside the install folder, "/"-separated (default: the package path). */
  readonly dest: string;
  /** Replace an existing file only when the packaged version is newer or equal (default true). */
  readonly neverDowngrade: boolean;
  /** Back the replaced file up for rollback and removal (default true). */
  readonly backup: boolean;
  /** The update adds this file (default false). */
  readonly isNew: boolean;
}

/** The manifest's signing section; paths are resolved against the manifest's folder. */
export interface SigningSection {
  readonly cert?: string;
  readonly key?: string;
  /** Environment variable holding the key's password. */
  readonly passwordEnv?: string;
  /** External signer argv ({in}, {out}). */
  readonly command?: readonly string[];
  readonly nest?: boolean;
  readonly description?: string;
  readonly timestampUrl?: string;
}

export interface Fix {
  readonly title: string;
  readonly symptoms?: string;
  readonly cause?: string;
  readonly resolution?: string;
}

/** Registry views: "32" is the 32-bit view (Wow6432Node on 64-bit Windows), "64" the native one. */
export const RegistryView = { v32: "32", v64: "64" } as const;
export type RegistryView = (typeof RegistryView)[keyof typeof RegistryView];

/** A registry key as the manifest names it: `HKLM\SOFTWARE\...`, normalised to the root "HKLM". */
export interface RegistryKeyName {
  readonly root: "HKLM";
  /** Below the root, "\"-separated. */
  readonly key: string;
  readonly view: RegistryView;
}

/** A REG_SZ value under a key ("" names the key's default value). */
export interface RegistryValueName extends RegistryKeyName {
  readonly value: string;
}

/** Folders the engine can resolve on the customer's machine. */
export const KnownFolderName = {
  programFiles: "ProgramFiles",
  programFilesX86: "ProgramFilesX86",
  system32: "System32",
  windows: "Windows",
} as const;
export type KnownFolderName = (typeof KnownFolderName)[keyof typeof KnownFolderName];
export const KNOWN_FOLDERS: readonly KnownFolderName[] = Object.values(KnownFolderName);

/** Where the product's install folder is (install.product.location). */
export type InstallLocation =
  | { readonly kind: "registry"; readonly ref: RegistryValueName }
  /** `path` is "/"-separated below the folder, "" for the folder itself. */
  | { readonly kind: "folder"; readonly folder: KnownFolderName; readonly path: string };

/** How the installed version is read (install.product.version). */
export type InstalledVersionSource =
  | { readonly kind: "registry"; readonly ref: RegistryValueName }
  /** The file version of a file in the install folder, "/"-separated. */
  | { readonly kind: "file"; readonly path: string };

/** Release types an Installed Updates entry can carry (its ReleaseType value). */
export const ReleaseType = {
  hotfix: "Hotfix",
  update: "Update",
  securityUpdate: "Security Update",
  updateRollup: "Update Rollup",
  servicePack: "Service Pack",
} as const;
export type ReleaseType = (typeof ReleaseType)[keyof typeof ReleaseType];

/** The installer engine's declaration: the manifest's install.product and what goes with it. */
export interface InstallDeclaration {
  readonly product: {
    /** x64: a 64-bit product, whose x64 files install on 64-bit Windows. */
    readonly platform: PackagePlatform;
    readonly location: InstallLocation;
    readonly version: InstalledVersionSource;
  };
  /** Stopped before the files change (those running), started again after, in order. */
  readonly services: readonly { readonly name: string; readonly timeoutSeconds: number }[];
  /** Waited for before the files change. */
  readonly processes: readonly { readonly image: string; readonly timeoutSeconds: number }[];
  /** The update's identity, with defaults applied. */
  readonly update: {
    /** "Already installed" marker and removal record (default: under the product's key). */
    readonly key: RegistryKeyName;
    /** Key name under ...\CurrentVersion\Uninstall (default: the update id). */
    readonly arpKey: string;
    readonly releaseType: ReleaseType;
    /** The product's own Installed Programs key name (ParentKeyName). */
    readonly parentKey: string;
    /** ParentDisplayName. */
    readonly parentName: string;
    readonly helpLink?: string;
  };
}

/** What a drop file no entry claims (and no exclude pattern matches) means to a build. */
export const UnclaimedPolicy = { error: "error", warn: "warn", ignore: "ignore" } as const;
export type UnclaimedPolicy = (typeof UnclaimedPolicy)[keyof typeof UnclaimedPolicy];
export const UNCLAIMED_POLICIES: readonly UnclaimedPolicy[] = Object.values(UnclaimedPolicy);

/** The manifest's drop section, defaults applied. */
export interface DropRules {
  /** Patterns of drop files never shipped nor reported (manifest/drop-rules.ts matches them). */
  readonly exclude: readonly string[];
  readonly unclaimed: UnclaimedPolicy;
}

export interface Manifest {
  readonly package: PackageInfo;
  readonly summary?: string;
  readonly files: readonly ManifestFile[];
  /** Absent: nothing excluded, an unclaimed file is a warning. */
  readonly drop?: DropRules;
  readonly fixes: readonly Fix[];
  /**
   * Install steps and notes for the article, in order; `engine` when the manifest declares
   * `install.product` (cabwright's installer engine installs the files).
   */
  readonly install: {
    readonly steps: readonly string[];
    readonly notes: readonly string[];
    readonly engine?: InstallDeclaration;
  };
  /** Present: the build signs and verify requires the signatures. */
  readonly signing?: SigningSection;
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
