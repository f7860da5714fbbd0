/**
 * Every number of the self-extracting package layout (docs/sfx.md), mirrored by
 * templates/sfx/sfxstub.c. A package is:
 *
 *   stub image | package header (40 bytes) | entry command | default arguments | padding
 *   | cabinet | [padding to 8 and the Authenticode certificate table, added by signing]
 *
 * An unsigned package ends exactly where its cabinet ends (packages from earlier builds had
 * zero padding to a multiple of 8 there; readers and the stub accept both).
 *
 * The header starts exactly where the stub's image ends (the end of its last section's
 * raw data), so the stub finds it from its own section table, whatever follows.
 *
 * The PE/COFF numbers the package code reads are in builder/pe/constants.ts.
 */
import { Machine } from "../pe/constants.js";

/** Package header signature: "CWSFX\r\n\x1a" (the CR LF and ^Z catch text-mode transfers). */
export const SFX_MAGIC: readonly number[] = [0x43, 0x57, 0x53, 0x46, 0x58, 0x0d, 0x0a, 0x1a];
/** Layout version of a package without an install plan (header of SFX_HEADER_SIZE bytes). */
export const SFX_FORMAT_VERSION = 1;
/** Fixed part of the version-1 package header, in bytes. */
export const SFX_HEADER_SIZE = 40;
/**
 * Layout version of a package that carries an install plan: the header grows by the plan's
 * size and CRC-32 (SfxHeaderV2Field), and the plan block follows the (empty) entry strings.
 */
export const SFX_PLAN_FORMAT_VERSION = 2;
/** Fixed part of the version-2 package header, in bytes. */
export const SFX_HEADER_SIZE_V2 = 48;

/** Byte offsets of the header fields (all little-endian). */
export const SfxHeaderField = {
  /** 8 bytes: SFX_MAGIC. */
  magic: 0,
  /** u16: SFX_FORMAT_VERSION. */
  version: 8,
  /** u16: SFX_HEADER_SIZE. */
  headerSize: 10,
  /** u32: reserved, 0. */
  flags: 12,
  /** u32: bytes of the entry command, UTF-16LE without NUL; 0 = extract only. */
  commandBytes: 16,
  /** u32: bytes of the default arguments (one command-line string), UTF-16LE. */
  argsBytes: 20,
  /** u32: from the header's first byte to the cabinet's: header + strings, rounded up to 8. */
  cabinetOffset: 24,
  /** u32: the cabinet's size, equal to its own CFHEADER.cbCabinet. */
  cabinetSize: 28,
  /** u32: CRC-32 (zlib's) of every byte from the end of the fixed header to the cabinet's end. */
  payloadCrc: 32,
  /** u32: CRC-32 of header bytes 0..35. */
  headerCrc: 36,
} as const;

/** Version 2: offsets 0..35 as in version 1 (commandBytes and argsBytes 0), then these. */
export const SfxHeaderV2Field = {
  /** u32: bytes of the install plan block (builder/install/plan-format.ts), after the strings. */
  planBytes: 36,
  /** u32: CRC-32 of the plan block alone (so a reader checks it without the cabinet). */
  planCrc: 40,
  /** u32: CRC-32 of header bytes 0..43. */
  headerCrc: 44,
} as const;

/** Limits the stub enforces on the entry strings (bytes of UTF-16LE). */
export const SFX_MAX_COMMAND_BYTES = 2048;
export const SFX_MAX_ARGS_BYTES = 16384;
/** The cabinet starts on this boundary (relative to the header). */
export const SFX_CABINET_ALIGN = 8;

/** Exit codes of the stub itself; the entry command's own code passes through unchanged. */
export const SfxExitCode = {
  ok: 0,
  /** ERROR_INVALID_DATA: the package is damaged, truncated or holds an unsafe name. */
  damaged: 13,
  /** ERROR_INVALID_PARAMETER: an unknown switch or a switch without its value. */
  badSwitch: 87,
  /** ERROR_INSTALL_FAILURE: could not create the folder, write a file or start the command. */
  failed: 1603,
  /** ERROR_SUCCESS_REBOOT_REQUIRED: passed through from the entry command. */
  restartRequired: 3010,
} as const;
// The install engine's own codes (not applicable, already installed...) are InstallExitCode
// in builder/install/plan-format.ts.
export type SfxExitCode = (typeof SfxExitCode)[keyof typeof SfxExitCode];

/** The stub's platforms and their PE machine fields (IMAGE_FILE_MACHINE_*). */
export const SfxPlatform = { x86: "x86", x64: "x64" } as const;
export type SfxPlatform = (typeof SfxPlatform)[keyof typeof SfxPlatform];
export const PE_MACHINE: Readonly<Record<SfxPlatform, Machine>> = {
  x86: Machine.i386,
  x64: Machine.amd64,
};

/** Where the stub's source and the shipped stubs live, under the package root. */
export const STUB_SOURCE_DIR = ["templates", "sfx"] as const;
