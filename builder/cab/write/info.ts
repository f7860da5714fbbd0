/**
 * What a writer's output is named and depends on, without loading the writer: the index
 * exports these at once and loads writer.ts on the first writeCabinet, so a program that
 * only reads cabinets does not pay for the encoders' modules at start-up (issue 18).
 */
import { basename, dirname, extname, join } from "node:path";
import { LZX_ENCODER_REVISION } from "../codecs/lzx/revision.js";

/**
 * The path of cabinet `index` (0-based) of a set written to `outPath`: OUT.cab, OUT2.cab,
 * OUT3.cab... (the number before the extension).
 */
export function cabinetSetPath(outPath: string, index: number): string {
  if (index === 0) return outPath;
  const ext = extname(outPath);
  const stem = basename(outPath, ext);
  return join(dirname(outPath), `${stem}${index + 1}${ext}`);
}

/** What LZX bytes depend on: this library's own encoder (its format revision). */
export function lzxCompressorInfo(): { name: string; version: string } {
  return { name: "cabwright-lzx", version: LZX_ENCODER_REVISION };
}

/** What the compressed bytes depend on: node's bundled zlib. */
export function compressorInfo(): { name: string; version: string } {
  return { name: "zlib", version: process.versions.zlib ?? "unknown" };
}
