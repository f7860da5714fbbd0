/**
 * The package header between the stub and the cabinet: pure encode and decode
 * (layout in constants.ts and docs/sfx.md), plus the entry command's rules and quoting.
 */
import { crc32 } from "node:zlib";
import {
  SfxHeaderField as F,
  SFX_CABINET_ALIGN,
  SFX_FORMAT_VERSION,
  SFX_HEADER_SIZE,
  SFX_MAGIC,
  SFX_MAX_ARGS_BYTES,
  SFX_MAX_COMMAND_BYTES,
} from "./constants.js";

/** What the package runs after extracting: a program inside it, and its default arguments. */
export interface SfxEntry {
  /** Path inside the package ("/" or "\" separated), run from the extraction folder. */
  readonly command: string;
  readonly args: readonly string[];
}

/** The header as read back from a package. */
export interface SfxHeader {
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

/** Header plus entry strings and padding: everything between the stub and the cabinet. */
export interface SfxPrefix {
  /** Bytes to write after the stub; the two CRC fields are filled by `sealSfxPrefix`. */
  readonly bytes: Uint8Array;
  /** Offset of the cabinet from the header's first byte (= bytes.length). */
  readonly cabinetOffset: number;
}

/** Lay out the header for a cabinet of `cabinetSize` bytes (the entry already checked). */
export function planSfxPrefix(cabinetSize: number, entry?: SfxEntry): SfxPrefix {
  const command = entry ? utf16le(entry.command.replaceAll("/", "\\")) : new Uint8Array(0);
  const args = entry ? utf16le(windowsCommandLine(entry.args)) : new Uint8Array(0);
  const stringsEnd = SFX_HEADER_SIZE + command.length + args.length;
  const cabinetOffset = Math.ceil(stringsEnd / SFX_CABINET_ALIGN) * SFX_CABINET_ALIGN;
  const bytes = new Uint8Array(cabinetOffset);
  const view = new DataView(bytes.buffer);
  bytes.set(SFX_MAGIC, F.magic);
  view.setUint16(F.version, SFX_FORMAT_VERSION, true);
  view.setUint16(F.headerSize, SFX_HEADER_SIZE, true);
  view.setUint32(F.flags, 0, true);
  view.setUint32(F.commandBytes, command.length, true);
  view.setUint32(F.argsBytes, args.length, true);
  view.setUint32(F.cabinetOffset, cabinetOffset, true);
  view.setUint32(F.cabinetSize, cabinetSize, true);
  bytes.set(command, SFX_HEADER_SIZE);
  bytes.set(args, SFX_HEADER_SIZE + command.length);
  return { bytes, cabinetOffset };
}

/** CRC-32 of the prefix's part after the fixed header: the start of the payload CRC. */
export function prefixPayloadCrc(prefix: SfxPrefix): number {
  return crc32(prefix.bytes.subarray(SFX_HEADER_SIZE));
}

/** Write the payload CRC (strings + padding + cabinet) and then the header's own CRC. */
export function sealSfxPrefix(prefix: SfxPrefix, payloadCrc: number): Uint8Array {
  const view = new DataView(prefix.bytes.buffer, prefix.bytes.byteOffset);
  view.setUint32(F.payloadCrc, payloadCrc >>> 0, true);
  view.setUint32(F.headerCrc, crc32(prefix.bytes.subarray(0, F.headerCrc)), true);
  return prefix.bytes;
}

/** Whether `bytes` starts with the package header signature. */
export function hasSfxMagic(bytes: Uint8Array): boolean {
  return bytes.length >= SFX_MAGIC.length && SFX_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Decode the fixed header and (when `strings` is given: the bytes after it) the entry.
 * Returns the reason as a string when the bytes are not a valid header.
 */
export function decodeSfxHeader(fixed: Uint8Array, strings?: Uint8Array): SfxHeader | string {
  if (fixed.length < SFX_HEADER_SIZE) return "the package header is cut short";
  if (!hasSfxMagic(fixed)) return "no package header signature";
  const view = new DataView(fixed.buffer, fixed.byteOffset, SFX_HEADER_SIZE);
  if (crc32(fixed.subarray(0, F.headerCrc)) !== view.getUint32(F.headerCrc, true)) {
    return "the package header's CRC-32 does not match";
  }
  const version = view.getUint16(F.version, true);
  if (version !== SFX_FORMAT_VERSION || view.getUint16(F.headerSize, true) !== SFX_HEADER_SIZE) {
    return `package header version ${version} (this cabwright reads ${SFX_FORMAT_VERSION})`;
  }
  const commandBytes = view.getUint32(F.commandBytes, true);
  const argsBytes = view.getUint32(F.argsBytes, true);
  const cabinetOffset = view.getUint32(F.cabinetOffset, true);
  const stringsEnd = SFX_HEADER_SIZE + commandBytes + argsBytes;
  if (
    (commandBytes | argsBytes) & 1 ||
    commandBytes > SFX_MAX_COMMAND_BYTES ||
    argsBytes > SFX_MAX_ARGS_BYTES ||
    cabinetOffset !== Math.ceil(stringsEnd / SFX_CABINET_ALIGN) * SFX_CABINET_ALIGN
  ) {
    return "the package header's sizes are inconsistent";
  }
  const header = {
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

/** Bytes the stub reads after the fixed header to get the entry strings. */
export function sfxStringsLength(fixed: Uint8Array): number {
  const view = new DataView(fixed.buffer, fixed.byteOffset, SFX_HEADER_SIZE);
  return view.getUint32(F.commandBytes, true) + view.getUint32(F.argsBytes, true);
}

function utf16le(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "utf16le"));
}
