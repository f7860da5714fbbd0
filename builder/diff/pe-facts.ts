/**
 * The facts a diff needs about one PE file: platform, file version and whether it carries
 * an Authenticode certificate table, read with the PE stage's own parsers (the ones
 * inspectPe uses, so diff, verify and table agree on a file's version), without the
 * whole-file checksum inspectPe also computes, which a diff does not need.
 */
import { NOT_APPLICABLE, type Platform } from "../manifest/types.js";
import { DirectoryEntry } from "../pe/constants.js";
import { directory, parsePeHeaders } from "../pe/headers.js";
import { platformOfMachine } from "../pe/platform.js";
import { findVersionResources, preferredVersionResource } from "../pe/resources.js";
import { parseVersionInfo } from "../pe/version-info.js";
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
    const h = parsePeHeaders(bytes, label);
    if (!h) return undefined;
    const res = preferredVersionResource(findVersionResources(bytes, h, label));
    const version = res ? parseVersionInfo(bytes, res.offset, res.size, label) : undefined;
    const security = directory(h, DirectoryEntry.security);
    const signed = security.rva !== 0 && security.size !== 0;
    const signer = signed ? signerOf(bytes, label) : undefined;
    return {
      platform: platformOfMachine(h.machine),
      version: version?.fixed?.fileVersion ?? NOT_APPLICABLE,
      signed,
      ...(signer !== undefined ? { signer } : {}),
    };
  } catch (err) {
    if (err instanceof InputError) return undefined;
    throw err;
  }
}
