/**
 * Every number of the install plan's binary form, the block the package carries after its
 * header (docs/install.md, "The plan in the package"); templates/sfx/sfx.h mirrors them
 * for the engine. The plan is one fixed-order record: no optional fields, every string and
 * list carries its length, so the engine parses it with one bounded cursor.
 */
import type { KnownFolder, PlanRestart, RegistryRoot, RegistryView } from "./plan.js";

/** Plan block signature "CWPL" (4 bytes). */
export const PLAN_MAGIC: readonly number[] = [0x43, 0x57, 0x50, 0x4c];
/** Binary plan format version (the TypeScript contract's PLAN_FORMAT "cabwright.plan/1"). */
export const PLAN_BINARY_VERSION = 1;
/** Bytes before the body: magic (4), version u16, reserved u16 (0). */
export const PLAN_PREAMBLE_SIZE = 8;
/** The engine refuses a larger plan block (a 65535-file plan with long paths fits). */
export const PLAN_MAX_BYTES = 16 << 20;
/** A string holds at most this many UTF-16 code units (no NUL inside). */
export const PLAN_MAX_STRING_UNITS = 4096;
/** Lists (intervals, services, processes, files, registry values) hold at most this many. */
export const PLAN_MAX_LIST = 65535;

/** u8 registry root code. */
export const PlanRootCode = { HKLM: 1 } as const satisfies Record<RegistryRoot, number>;
/** u8 registry view code: the view's bit width. */
export const PlanViewCode = { "32": 32, "64": 64 } as const satisfies Record<RegistryView, number>;
/** u8 product location kind. */
export const PlanLocationCode = { registry: 1, folder: 2 } as const;
/** u8 known folder id. */
export const PlanFolderCode = {
  ProgramFiles: 1,
  ProgramFilesX86: 2,
  System32: 3,
  Windows: 4,
} as const satisfies Record<KnownFolder, number>;
/** u8 installed-version source kind. */
export const PlanVersionCode = { registry: 1, file: 2 } as const;
/** u8 restart policy. */
export const PlanRestartCode = {
  "not-required": 0,
  required: 1,
  "may-be-required": 2,
} as const satisfies Record<PlanRestart, number>;
/** u8 registry value type (the Win32 REG_* numbers). */
export const PlanValueType = { sz: 1, dword: 4 } as const;

/** u8 flags of a version interval. */
export const IntervalFlag = { hasMin: 1, minInclusive: 2, hasMax: 4, maxInclusive: 8 } as const;
/** u8 flags of a file. */
export const FileFlag = { hasVersion: 1, only64: 2, noDowngrade: 4, backup: 8, isNew: 16 } as const;

/** The Installed Updates key the engine writes its entry under (native registry view). */
export const ARP_PARENT_KEY = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall";

/** The engine's backup folders: %windir%\<this>\<updateId> (BACKUP_ROOT in sfx-install.c). */
export const BACKUP_ROOT = "$cabwright$";

/**
 * Exit codes of the engine (templates/sfx/sfx.h has the same). Those of wusa.exe where it
 * has one, so SCCM and WSUS scripts that know wusa read these too.
 */
export const InstallExitCode = {
  ok: 0,
  /** ERROR_INVALID_DATA: the package or its plan is damaged; nothing was changed. */
  damaged: 13,
  /** ERROR_INVALID_PARAMETER: a bad switch. */
  badSwitch: 87,
  /** ERROR_INSTALL_FAILURE: the install failed and was rolled back (the log says why). */
  failed: 1603,
  /** ERROR_SUCCESS_REBOOT_INITIATED: installed, and the engine started a restart. */
  restartInitiated: 1641,
  /** ERROR_SUCCESS_REBOOT_REQUIRED: installed; a restart completes it. */
  restartRequired: 3010,
  /** WU_E_NOT_APPLICABLE 0x80240017: product missing, version out of range (or, for /uninstall, not installed). */
  notApplicable: 0x80240017,
  /** WU_S_ALREADY_INSTALLED 0x00240006: the update is already installed. */
  alreadyInstalled: 0x00240006,
} as const;
export type InstallExitCode = (typeof InstallExitCode)[keyof typeof InstallExitCode];
