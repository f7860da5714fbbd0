/**
 * The package header between the stub and the cabinet: pure encode and decode
 * (layout in constants.ts and docs/sfx.md), plus the entry command's rules and quoting.
 */
import { crc32 } from "node:zlib";
import { PLAN_MAX_BYTES } from "../install/plan-format.js";
import {
  SfxHeaderField as F,
  SfxHeaderV2Field as F2,
  SFX_CABINET_ALIGN,
  SFX_FORMAT_VERSION,
  SFX_HEADER_SIZE,
  SFX_HEADER_SIZE_V2,
  SFX_MAGIC,
  SFX_MAX_ARGS_BYTES,
  SFX_MAX_COMMAND_BYTES,
  SFX_PLAN_FORMAT_VERSION,
} from "./constants.js";

/** What the package runs after extracting: a program inside it, and its default arguments. */
export interface SfxEntry {
  /** Path inside the package ("/" or "\" separated), run from the extraction folder. */
  readonly command: string;
  readonly args: readonly string[];
}

/** The header as read back from a package. */
export interface SfxHeader {
  /** SFX_HEADER_SIZE (version 1) or SFX_HEADER_SIZE_V2 (version 2, with an install plan). */
  readonly headerSize: number;
  /** The install plan block (version 2): offset from the header's first byte, size, CRC-32. */
  readonly plan?: { readonly offset: number; readonly size: number; readonly crc: number };
  /** From the header's first byte to the cabinet's. */
  readonly cabinetOffset: number;
  readonly cabinetSize: number;
  readonly payloadCrc: number;
  /** Absent when the package only extracts. */
  readonly entry?: { readonly command: string; readonly commandLine: string };
}

/**
 * Why `path` cannot name a file inside the package (the stub refuses the same names when
 * extracting), or undefined when it can.
 */
export function packagePathProblem(path: string): string | undefined {
  const parts = path.split(/[\\/]/);
  if (path.length === 0) return "it is empty";
  if (/^[\\/]/.test(path)) return "it starts at a root (must be relative)";
  for (const part of parts) {
    if (part === "") return "it has an empty part (two separators in a row)";
    if (part === "." || part === "..") return `it has a "${part}" part`;
    if (/[<>:"|?*\u0000-\u001f]/.test(part)) {
      return `"${part}" holds a character Windows does not allow in names (<>:"|?* or control)`;
    }
    if (/[. ]$/.test(part)) return `"${part}" ends with a dot or space (Windows drops those)`;
    if (/^(con|prn|aux|nul|conin\$|conout\$|com[0-9]|lpt[0-9])(\.|$)/i.test(part)) {
      return `"${part}" is a Windows device name`;
    }
  }
  return undefined;
}

/** Quote one argument so that CommandLineToArgvW (and the MSVC runtime) give it back as is. */
export function quoteWindowsArg(arg: string): string {
  if (arg.length > 0 && !/[ \t"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      slashes++;
      continue;
    }
    out += "\\".repeat(ch === '"' ? slashes * 2 + 1 : slashes) + ch;
    slashes = 0;
  }
  return out + "\\".repeat(slashes * 2) + '"';
}

/** A Windows command line from separate arguments. */
export function windowsCommandLine(args: readonly string[]): string {
  return args.map(quoteWindowsArg).join(" ");
}

/** Why the entry cannot be stored, or undefined. */
export function entryProblem(entry: SfxEntry): string | undefined {
  const pathProblem = packagePathProblem(entry.command);
  if (pathProblem) return `entry command "${entry.command}": ${pathProblem}`;
  if (entry.command.length * 2 > SFX_MAX_COMMAND_BYTES) {
    return `entry command is ${entry.command.length} characters; the stub takes at most ${SFX_MAX_COMMAND_BYTES / 2}`;
  }
  const line = windowsCommandLine(entry.args);
  if (line.length * 2 > SFX_MAX_ARGS_BYTES) {
    return `entry arguments make a ${line.length}-character command line; the stub takes at most ${SFX_MAX_ARGS_BYTES / 2}`;
  }
  if (entry.args.some((a) => a.includes("\u0000"))) return "an entry argument holds a NUL";
  return undefined;
}

/** Header plus entry strings (or plan) and padding: everything between the stub and the cabinet. */
export interface SfxPrefix {
  /** Bytes to write after the stub; the two CRC fields are filled by `sealSfxPrefix`. */
  readonly bytes: Uint8Array;
  /** Offset of the cabinet from the header's first byte (= bytes.length). */
  readonly cabinetOffset: number;
  /** SFX_HEADER_SIZE, or SFX_HEADER_SIZE_V2 when the package carries a plan. */
  readonly headerSize: number;
}

/**
 * Lay out the header for a cabinet of `cabinetSize` bytes (the entry already checked):
 * version 1 with an entry command or none, version 2 with an install plan block.
 */
export function planSfxPrefix(cabinetSize: number, entry?: SfxEntry, plan?: Uint8Array): SfxPrefix {
  if (entry && plan) throw new Error("a package has an entry command or an install plan, not both");
  const headerSize = plan ? SFX_HEADER_SIZE_V2 : SFX_HEADER_SIZE;
  const command = entry ? utf16le(entry.command.replaceAll("/", "\\")) : new Uint8Array(0);
  const args = entry ? utf16le(windowsCommandLine(entry.args)) : new Uint8Array(0);
  const planBytes = plan ?? new Uint8Array(0);
  const stringsEnd = headerSize + command.length + args.length + planBytes.length;
  const cabinetOffset = Math.ceil(stringsEnd / SFX_CABINET_ALIGN) * SFX_CABINET_ALIGN;
  const bytes = new Uint8Array(cabinetOffset);
  const view = new DataView(bytes.buffer);
  bytes.set(SFX_MAGIC, F.magic);
  view.setUint16(F.version, plan ? SFX_PLAN_FORMAT_VERSION : SFX_FORMAT_VERSION, true);
  view.setUint16(F.headerSize, headerSize, true);
  view.setUint32(F.flags, 0, true);
  view.setUint32(F.commandBytes, command.length, true);
  view.setUint32(F.argsBytes, args.length, true);
  view.setUint32(F.cabinetOffset, cabinetOffset, true);
  view.setUint32(F.cabinetSize, cabinetSize, true);
  if (plan) {
    view.setUint32(F2.planBytes, plan.length, true);
    view.setUint32(F2.planCrc, crc32(plan), true);
  }
  bytes.set(command, headerSize);
  bytes.set(args, headerSize + command.length);
  bytes.set(planBytes, headerSize + command.length + args.length);
  return { bytes, cabinetOffset, headerSize };
}

/** CRC-32 of the prefix's part after the fixed header: the start of the payload CRC. */
export function prefixPayloadCrc(prefix: SfxPrefix): number {
  return crc32(prefix.bytes.subarray(prefix.headerSize));
}

/** Write the payload CRC (strings + padding + cabinet) and then the header's own CRC. */
export function sealSfxPrefix(prefix: SfxPrefix, payloadCrc: number): Uint8Array {
  const view = new DataView(prefix.bytes.buffer, prefix.bytes.byteOffset);
  const crcAt = headerCrcOffset(prefix.headerSize);
  view.setUint32(F.payloadCrc, payloadCrc >>> 0, true);
  view.setUint32(crcAt, crc32(prefix.bytes.subarray(0, crcAt)), true);
  return prefix.bytes;
}

function headerCrcOffset(headerSize: number): number {
  return headerSize === SFX_HEADER_SIZE_V2 ? F2.headerCrc : F.headerCrc;
}

/** Whether `bytes` starts with the package header signature. */
export function hasSfxMagic(bytes: Uint8Array): boolean {
  return bytes.length >= SFX_MAGIC.length && SFX_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Decode the fixed header (`fixed`: at least SFX_HEADER_SIZE_V2 bytes when the file has
 * them) and (when `strings` is given: the bytes after it) the entry. Returns the reason as
 * a string when the bytes are not a valid header.
 */
export function decodeSfxHeader(fixed: Uint8Array, strings?: Uint8Array): SfxHeader | string {
  if (fixed.length < SFX_HEADER_SIZE) return "the package header is cut short";
  if (!hasSfxMagic(fixed)) return "no package header signature";
  const view = new DataView(fixed.buffer, fixed.byteOffset, fixed.length);
  const version = view.getUint16(F.version, true);
  const headerSize = view.getUint16(F.headerSize, true);
  const v2 = version === SFX_PLAN_FORMAT_VERSION && headerSize === SFX_HEADER_SIZE_V2;
  if (!v2 && !(version === SFX_FORMAT_VERSION && headerSize === SFX_HEADER_SIZE)) {
    // The CRC's place depends on the version: check the version's own first.
    return crcMatches(fixed, F.headerCrc)
      ? `package header version ${version} (this cabwright reads ${SFX_FORMAT_VERSION} and ${SFX_PLAN_FORMAT_VERSION})`
      : "the package header's CRC-32 does not match";
  }
  if (fixed.length < headerSize) return "the package header is cut short";
  if (!crcMatches(fixed, headerCrcOffset(headerSize))) {
    return "the package header's CRC-32 does not match";
  }
  const commandBytes = view.getUint32(F.commandBytes, true);
  const argsBytes = view.getUint32(F.argsBytes, true);
  const cabinetOffset = view.getUint32(F.cabinetOffset, true);
  const planBytes = v2 ? view.getUint32(F2.planBytes, true) : 0;
  const stringsEnd = headerSize + commandBytes + argsBytes + planBytes;
  if (
    view.getUint32(F.flags, true) !== 0 ||
    (commandBytes | argsBytes) & 1 ||
    commandBytes > SFX_MAX_COMMAND_BYTES ||
    argsBytes > SFX_MAX_ARGS_BYTES ||
    (v2 &&
      (commandBytes !== 0 || argsBytes !== 0 || planBytes === 0 || planBytes > PLAN_MAX_BYTES)) ||
    cabinetOffset !== Math.ceil(stringsEnd / SFX_CABINET_ALIGN) * SFX_CABINET_ALIGN
  ) {
    return "the package header's sizes are inconsistent";
  }
  const header: SfxHeader = {
    headerSize,
    ...(v2
      ? { plan: { offset: headerSize, size: planBytes, crc: view.getUint32(F2.planCrc, true) } }
      : {}),
    cabinetOffset,
    cabinetSize: view.getUint32(F.cabinetSize, true),
    payloadCrc: view.getUint32(F.payloadCrc, true),
  };
  if (commandBytes === 0 || !strings) return header;
  if (strings.length < commandBytes + argsBytes) return "the entry command is cut short";
  const text = new TextDecoder("utf-16le");
  return {
    ...header,
    entry: {
      command: text.decode(strings.subarray(0, commandBytes)),
      commandLine: text.decode(strings.subarray(commandBytes, commandBytes + argsBytes)),
    },
  };
}

function crcMatches(fixed: Uint8Array, crcAt: number): boolean {
  if (fixed.length < crcAt + 4) return false;
  const stored = new DataView(fixed.buffer, fixed.byteOffset + crcAt, 4).getUint32(0, true);
  return crc32(fixed.subarray(0, crcAt)) === stored;
}

/** Bytes the stub reads after the fixed header to get the entry strings. */
export function sfxStringsLength(fixed: Uint8Array): number {
  const view = new DataView(fixed.buffer, fixed.byteOffset, SFX_HEADER_SIZE);
  return view.getUint32(F.commandBytes, true) + view.getUint32(F.argsBytes, true);
}

function utf16le(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "utf16le"));
}
