/**
 * The install plan: what the engine inside a package does on the customer's machine.
 *
 * This file is the contract between the builder side (manifest `install:` section ->
 * InstallPlan, `check`, `verify`, `diff`, `report`, update-server rules) and the engine
 * side (InstallPlan -> bytes in the package -> the C engine in templates/sfx/). Both
 * sides import these types; neither changes them without the other.
 *
 * Every path is Windows-style with backslashes once compiled; every version is 4-part
 * "a.b.c.d" with each part 0..65535; every string is plain Unicode (the encoder decides
 * how it is stored).
 */

import { Restart } from "../manifest/types.js";

/** Version of the plan format; the engine refuses any other (exit 13). */
export const PLAN_FORMAT = "cabwright.plan/1";

/** Registry roots the engine reads and writes. */
export const RegistryRoot = { HKLM: "HKLM" } as const;
export type RegistryRoot = (typeof RegistryRoot)[keyof typeof RegistryRoot];

/**
 * Registry view: "32" is KEY_WOW64_32KEY (Wow6432Node on 64-bit Windows), "64" is
 * KEY_WOW64_64KEY (the native view; on 32-bit Windows the only one).
 */
export const RegistryView = { v32: "32", v64: "64" } as const;
export type RegistryView = (typeof RegistryView)[keyof typeof RegistryView];

export interface RegistryValueRef {
  readonly root: RegistryRoot;
  readonly view: RegistryView;
  /** Key path below the root, backslash-separated, e.g. "SOFTWARE\\Microsoft\\Forefront Server Security\\Exchange Server". */
  readonly key: string;
  /** Value name ("" is the key's default value). A REG_SZ or REG_EXPAND_SZ. */
  readonly value: string;
}

/** Folders the engine resolves with SHGetKnownFolderPath / GetSystemDirectory. */
export const KnownFolder = {
  programFiles: "ProgramFiles",
  programFilesX86: "ProgramFilesX86",
  system32: "System32",
  windows: "Windows",
} as const;
export type KnownFolder = (typeof KnownFolder)[keyof typeof KnownFolder];

/** Where the product's install folder is. */
export type ProductLocation =
  | { readonly kind: "registry"; readonly ref: RegistryValueRef }
  | {
      readonly kind: "folder";
      readonly folder: KnownFolder /** relative, may be "" */;
      readonly path: string;
    };

/** How the installed product's version is read. */
export type ProductVersionSource =
  /** A REG_SZ value holding a 1..4-part dotted version (missing parts are 0). */
  | { readonly kind: "registry"; readonly ref: RegistryValueRef }
  /** The VS_FIXEDFILEINFO file version of a file, relative to the install folder. */
  | { readonly kind: "file"; readonly path: string };

/**
 * One interval of accepted installed versions (4-part, compared part by part as
 * unsigned 16-bit numbers). The prerequisite's semver range compiles to a union of these.
 */
export interface VersionInterval {
  /** Lower bound, or undefined for none. */
  readonly min?: string;
  readonly minInclusive: boolean;
  /** Upper bound, or undefined for none. */
  readonly max?: string;
  readonly maxInclusive: boolean;
}

export interface PlanService {
  /** Service key name, as `sc` takes it (e.g. "FSCController"). */
  readonly name: string;
  /** How long to wait for it to stop or start, in milliseconds. */
  readonly timeoutMs: number;
}

export interface PlanProcess {
  /** Image name to wait for, e.g. "Fscmanager.exe" (compared without case). */
  readonly image: string;
  /** How long to wait for every instance to exit before failing, in milliseconds. */
  readonly timeoutMs: number;
}

export interface PlanFile {
  /** The file's path in the cabinet, backslash-separated (CFFILE name). */
  readonly source: string;
  /** Destination relative to the install folder, backslash-separated, never leaving it. */
  readonly dest: string;
  /** The packaged file's 4-part version, or undefined when it has none (not a PE). */
  readonly version?: string;
  /** Install only on 64-bit Windows with a 64-bit product (x64 files). */
  readonly only64: boolean;
  /**
   * Never downgrade: replace an existing file only when the packaged version is newer
   * or equal (the engine's /overwriteoem switch overrides). Ignored when either side
   * has no version.
   */
  readonly noDowngrade: boolean;
  /** Back the replaced file up (false: not restored by rollback or /uninstall). */
  readonly backup: boolean;
  /** Expected to be new: the update adds it (informational; the engine checks existence itself). */
  readonly isNew: boolean;
}

/** Values written under a registry key: name -> REG_SZ (strings) or REG_DWORD (numbers). */
export type RegistryValues = Readonly<Record<string, string | number>>;

export interface PlanIdentity {
  /**
   * The update's id: "KB" + number when the manifest has a KB, else the package name.
   * Names the backup folder and the Installed Updates key.
   */
  readonly updateId: string;
  /**
   * "Already installed" marker and removal record under the product's key, e.g.
   * SOFTWARE\Microsoft\Forefront Server Security\Exchange Server\Updates\KB1234567,
   * with values such as PackageVersion, InstalledDate (filled in by the engine).
   */
  readonly productEntry: {
    readonly root: RegistryRoot;
    readonly view: RegistryView;
    readonly key: string;
    readonly values: RegistryValues;
  };
  /**
   * Installed Updates (Add/Remove Programs) entry: the key name under
   * SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall (native view), and its values
   * (DisplayName, DisplayVersion, Publisher, ParentKeyName, ParentDisplayName,
   * ReleaseType "Update"/"Hotfix", NoModify, NoRepair, HelpLink...). The engine adds
   * UninstallString (and QuietUninstallString) pointing at its own copy kept with the backup.
   */
  readonly arp: {
    readonly keyName: string;
    readonly values: RegistryValues;
  };
}

/** The restart policy is the manifest's own (package.restart): one list of values. */
export const PlanRestart = Restart;
export type PlanRestart = Restart;

export interface InstallPlan {
  readonly format: typeof PLAN_FORMAT;
  readonly package: {
    readonly name: string;
    readonly title: string;
    /** 4-part. */
    readonly version: string;
    readonly kb?: string;
    readonly company: string;
    readonly restart: PlanRestart;
  };
  readonly product: {
    /** Display name, for messages and ParentDisplayName. */
    readonly name: string;
    readonly location: ProductLocation;
    readonly version: ProductVersionSource;
    /** Accepted installed versions (a union; empty means any installed version). */
    readonly accept: readonly VersionInterval[];
    /** How the prerequisite reads in messages, e.g. "Service Pack 2 (>=10.2.0 <10.3.0)". */
    readonly requirement: string;
    /** The product is 64-bit (x64 files install only when this and the OS are 64-bit). */
    readonly is64: boolean;
  };
  /** Stopped (only those running) before any file changes, started again after, in order. */
  readonly services: readonly PlanService[];
  /** Waited for (must exit) before any file changes. */
  readonly processes: readonly PlanProcess[];
  readonly files: readonly PlanFile[];
  readonly identity: PlanIdentity;
}
