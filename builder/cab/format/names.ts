/**
 * File names: decoding the stored bytes (UTF-8 when attribute 0x80 is set, else a legacy
 * code page) and turning a stored path into a safe relative one, as cabextract does:
 * both slashes separate, leading separators and drive letters go, ".." becomes "xx",
 * and a name with nothing left becomes "x". Nothing can then point outside a target folder.
 */
import { TextDecoder } from "node:util";
import { FileAttribute } from "./constants.js";
import { CabError } from "./errors.js";

/** The code page assumed for names without the UTF-8 flag (Windows' ANSI code page 1252). */
export const DEFAULT_NAME_ENCODING = "windows-1252";

const decoders = new Map<string, TextDecoder>();

function decoderFor(encoding: string): TextDecoder {
  let d = decoders.get(encoding);
  if (!d) {
    try {
      d = new TextDecoder(encoding);
    } catch {
      throw new CabError(
        "invalid-input",
        `unknown name encoding "${encoding}" (use a WHATWG label such as windows-1252, koi8-r, shift_jis, utf-8)`,
      );
    }
    decoders.set(encoding, d);
  }
  return d;
}

/** Check an encoding label early (openCabinet's option), so a typo fails before reading. */
export function checkEncoding(encoding: string): void {
  decoderFor(encoding);
}

/** The stored name as text, backslashes kept. Invalid UTF-8 becomes U+FFFD. */
export function decodeName(bytes: Uint8Array, attributes: number, encoding: string): string {
  const utf8 = (attributes & FileAttribute.nameIsUtf8) !== 0;
  return decoderFor(utf8 ? "utf-8" : encoding).decode(bytes);
}

/** Path segments that are safe to create under a target folder. */
export function safeSegments(storedName: string): string[] {
  const out: string[] = [];
  const parts = storedName.split(/[\\/]/);
  for (let i = 0; i < parts.length; i++) {
    let seg = parts[i]!;
    // A drive letter ("C:") at the start of the path names another root: drop it.
    if (out.length === 0 && /^[A-Za-z]:/.test(seg)) seg = seg.slice(2);
    if (seg === "" || seg === ".") continue;
    if (seg === "..") seg = "xx";
    out.push(seg);
  }
  if (out.length === 0) out.push("x");
  return out;
}

/** The display name: safe segments joined with "/". */
export function displayName(storedName: string): string {
  return safeSegments(storedName).join("/");
}
