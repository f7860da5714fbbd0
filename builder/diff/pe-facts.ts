/**
 * The facts a diff needs about one PE file, read with the diff's own small PE walk:
 * platform (from the COFF machine), file version (VS_FIXEDFILEINFO in RT_VERSION) and
 * whether it carries an Authenticode certificate table.
 */
import { NOT_APPLICABLE, Platform } from "../manifest/types.js";
import { DIR, FIXED_FILE_INFO_SIGNATURE, MACHINE, RT_VERSION } from "./pe-constants.js";
import { PeDamaged, readPeLayout, readResources } from "./pe-walk.js";

export interface PeFacts {
  readonly platform: Platform;
  /** 4-part version from VS_FIXEDFILEINFO, or NOT_APPLICABLE when there is none. */
  readonly version: string;
  readonly signed: boolean;
}

/** Where VS_FIXEDFILEINFO may start: after the 6-byte header, the key and padding. */
const FIXED_INFO_SEARCH_LIMIT = 96;

/** Facts of a PE; undefined when the bytes are not a PE (or a damaged one). */
export function readPeFacts(bytes: Uint8Array): PeFacts | undefined {
  try {
    const layout = readPeLayout(bytes);
    if (!layout) return undefined;
    const platform =
      layout.machine === MACHINE.i386
        ? Platform.x86
        : layout.machine === MACHINE.amd64
          ? Platform.x64
          : layout.machine === MACHINE.arm64
            ? Platform.arm64
            : Platform.notApplicable;
    const version = readResources(bytes, layout)
      .filter((l) => l.type === RT_VERSION)
      .map((l) => fixedFileVersion(bytes.subarray(l.offset, l.offset + l.size)))
      .find((v) => v !== undefined);
    return {
      platform,
      version: version ?? NOT_APPLICABLE,
      signed: layout.directories[DIR.security] !== undefined,
    };
  } catch (err) {
    if (err instanceof PeDamaged) return undefined;
    throw err;
  }
}

/** dwFileVersionMS/LS of a VS_VERSIONINFO block, as "a.b.c.d". */
export function fixedFileVersion(block: Uint8Array): string | undefined {
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const limit = Math.min(FIXED_INFO_SEARCH_LIMIT, block.length - 16);
  for (let at = 0; at <= limit; at += 4) {
    if (view.getUint32(at, true) !== FIXED_FILE_INFO_SIGNATURE) continue;
    const ms = view.getUint32(at + 8, true);
    const ls = view.getUint32(at + 12, true);
    return `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`;
  }
  return undefined;
}
