/**
 * The facts a diff needs about one PE file: platform, file version and whether it carries
 * an Authenticode certificate table, read by the PE stage's inspectPe, the same reader
 * verify and table use, so every command agrees on what a file's version is.
 */
import type { Platform } from "../manifest/types.js";
import { inspectPe } from "../pe/inspect.js";
import { InputError } from "../util/errors.js";

export interface PeFacts {
  readonly platform: Platform;
  /** 4-part version from VS_FIXEDFILEINFO, or "Not Applicable" when there is none. */
  readonly version: string;
  readonly signed: boolean;
}

/** Facts of a PE; undefined when the bytes are not a PE, or a damaged one. */
export function readPeFacts(bytes: Uint8Array, label = "input"): PeFacts | undefined {
  try {
    const info = inspectPe(bytes, label);
    if (!info.isPe) return undefined;
    return { platform: info.platform, version: info.fileVersion, signed: info.signed };
  } catch (err) {
    if (err instanceof InputError) return undefined;
    throw err;
  }
}
