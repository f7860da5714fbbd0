/**
 * A cabinet's compression as text, the one spelling the CLI and the manifest share:
 * "none", "mszip", "lzx" (window 2^21) or "lzx:N" (window 2^N, N = 15..21); and the LZX
 * effort levels. Parsing checks everything a writer would refuse.
 */
import {
  COMPRESSION_WINDOW_SHIFT,
  CompressionType,
  LZX_MAX_WINDOW_BITS,
  LZX_MIN_WINDOW_BITS,
} from "../format/constants.js";
import { invalidInput } from "../format/errors.js";
import type { CabCompression, LzxCompression, LzxLevel } from "./writer-types.js";

/** The window "lzx" alone means: the largest, as makecab's LZX:21. */
export const LZX_DEFAULT_WINDOW_BITS = LZX_MAX_WINDOW_BITS;
export const LZX_LEVELS: readonly LzxLevel[] = ["fast", "best"];

/** Why `text` is not a compression, or undefined when it is one. */
export function compressionSpecProblem(text: string): string | undefined {
  if (text === "none" || text === "mszip" || text === "lzx") return undefined;
  const m = /^lzx:(\d+)$/.exec(text);
  if (!m)
    return `compression must be none, mszip, lzx or lzx:${LZX_MIN_WINDOW_BITS}..${LZX_MAX_WINDOW_BITS}, got "${text}"`;
  const bits = Number(m[1]);
  if (bits < LZX_MIN_WINDOW_BITS || bits > LZX_MAX_WINDOW_BITS) {
    return `LZX window must be ${LZX_MIN_WINDOW_BITS}..${LZX_MAX_WINDOW_BITS} bits, got ${m[1]} in "${text}"`;
  }
  return undefined;
}

/** Why `text` is not an LZX level, or undefined. */
export function lzxLevelProblem(text: string): string | undefined {
  return (LZX_LEVELS as readonly string[]).includes(text)
    ? undefined
    : `LZX level must be ${LZX_LEVELS.join(" or ")}, got "${text}"`;
}

/** Parse a compression (and, for LZX, the level and E8 setting); invalid-input if bad. */
export function parseCompression(
  text: string,
  lzx: { readonly level?: string; readonly e8?: boolean } = {},
): CabCompression {
  const problem = compressionSpecProblem(text);
  if (problem) throw invalidInput(problem);
  if (text === "none" || text === "mszip") return text;
  const level = lzx.level ?? "fast";
  const levelProblem = lzxLevelProblem(level);
  if (levelProblem) throw invalidInput(levelProblem);
  const windowBits = text === "lzx" ? LZX_DEFAULT_WINDOW_BITS : Number(text.slice(4));
  return { type: "lzx", windowBits, level: level as LzxLevel, e8: lzx.e8 ?? true };
}

/** A compression checked and completed with its defaults (what the plan keeps). */
export function resolveCompression(c: CabCompression | undefined): CabCompression {
  if (c === undefined) return "mszip";
  if (c === "none" || c === "mszip") return c;
  if (typeof c !== "object" || c === null || c.type !== "lzx") {
    throw invalidInput(
      `compression must be "none", "mszip" or an LZX setting, got ${JSON.stringify(c)}`,
    );
  }
  const { windowBits } = c;
  if (
    !Number.isInteger(windowBits) ||
    windowBits < LZX_MIN_WINDOW_BITS ||
    windowBits > LZX_MAX_WINDOW_BITS
  ) {
    throw invalidInput(
      `LZX window must be ${LZX_MIN_WINDOW_BITS}..${LZX_MAX_WINDOW_BITS} bits, got ${windowBits}`,
    );
  }
  const level = c.level ?? "fast";
  const levelProblem = lzxLevelProblem(level);
  if (levelProblem) throw invalidInput(levelProblem);
  return { type: "lzx", windowBits, level, e8: c.e8 ?? true };
}

/** The text form of a compression: "none", "mszip", "lzx:21". */
export function compressionLabel(c: CabCompression): string {
  return typeof c === "string" ? c : `lzx:${c.windowBits}`;
}

/** CFFOLDER.typeCompress for a compression. */
export function typeCompressOf(c: CabCompression): number {
  if (c === "none") return CompressionType.none;
  if (c === "mszip") return CompressionType.mszip;
  return CompressionType.lzx | (c.windowBits << COMPRESSION_WINDOW_SHIFT);
}

/** The LZX setting of a compression, or undefined. */
export function lzxOf(c: CabCompression): Required<LzxCompression> | undefined {
  return typeof c === "object" ? (c as Required<LzxCompression>) : undefined;
}
