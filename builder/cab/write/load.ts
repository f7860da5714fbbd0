/**
 * `writeCabinet` as the index exports it: writer.ts and the encoders it needs (about 20
 * modules) load on the first call, so a program that only reads cabinets does not pay
 * for them at start-up (0.04 s of `cabwright cab test`'s 0.2 s start-up, issue 18).
 */
import type {
  CabInputFile,
  CabLateFile,
  WriteCabinetOptions,
  WriteCabinetResult,
} from "./writer-types.js";

/**
 * Plan, then stream the cabinet (writer.ts). A file given later (CabLateFile: its size and
 * source known only when the writer reaches it) puts the cabinet in one folder.
 */
export async function writeCabinet(
  outPath: string,
  files: readonly (CabInputFile | CabLateFile)[],
  options: WriteCabinetOptions = {},
): Promise<WriteCabinetResult> {
  const writer = await import("./writer.js");
  return writer.writeCabinet(outPath, files, options);
}
