/**
 * The facts a diff needs about one PE file: platform, file version and whether it carries
 * an Authenticode certificate table, read by the PE reader (readPeInfo, what inspectPe uses,
 * so diff, verify and table agree on a file's version) without the whole-file checksum,
 * which a diff does not need; plus the signer, from the sign stage.
 */
import type { Platform } from "../manifest/types.js";
import { readPeInfo } from "../pe/inspect.js";
import { signerSubject } from "../sign/check.js";
import { readPeSignatures } from "../sign/signature.js";
import { InputError } from "../util/errors.js";

/** The primary signature's signer; undefined when it cannot be read (diff reports, not judges). */
function signerOf(bytes: Uint8Array, label: string): string | undefined {
  try {
    const signer = readPeSignatures(bytes, label)?.signatures[0]?.signer;
    return signer ? signerSubject(signer) : undefined;
  } catch (err) {
    if (err instanceof InputError) return undefined;
    throw err;
  }
}

export interface PeFacts {
  readonly platform: Platform;
  /** 4-part version from VS_FIXEDFILEINFO, or "Not Applicable" when there is none. */
  readonly version: string;
  readonly signed: boolean;
  /** The signer certificate's subject (as the build record writes it), when signed. */
  readonly signer?: string;
}

/** Facts of a PE; undefined when the bytes are not a PE, or a damaged one. */
export function readPeFacts(bytes: Uint8Array, label = "input"): PeFacts | undefined {
  try {
    const info = readPeInfo(bytes, label, false);
    if (!info.isPe) return undefined;
    const signer = info.signed ? signerOf(bytes, label) : undefined;
    return {
      platform: info.platform,
      version: info.fileVersion,
      signed: info.signed,
      ...(signer !== undefined ? { signer } : {}),
    };
  } catch (err) {
    if (err instanceof InputError) return undefined;
    throw err;
  }
}
