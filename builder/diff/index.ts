/**
 * `cabwright diff`: the library entry point. Loads both sides (I/O at the edge), compares
 * them purely, and leaves printing and --fail-on to the caller.
 */
import { diffSides } from "./compare.js";
import { loadSide } from "./sides.js";
import type { DiffResult } from "./types.js";

export async function diffFiles(a: string, b: string): Promise<DiffResult> {
  // One after the other: a package side streams its cabinet, and one at a time bounds memory.
  const sideA = await loadSide(a);
  const sideB = await loadSide(b);
  return diffSides(sideA, sideB);
}
