/**
 * The hostile-input property both block decoders must hold: random blocks give either
 * output of the declared size or a CabError of kind invalid-data, never another exception.
 */
import fc from "fast-check";
import type { BlockDecoder } from "../../builder/cab/codecs/shared/block-decoder.js";
import { CabError } from "../../builder/cab/format/errors.js";

/** Decode `blocks` with a fresh decoder: "ok", "cab-error" or "wrong size"; rethrows anything else. */
export function decodeHostile(
  decoder: BlockDecoder,
  blocks: readonly (readonly [Uint8Array, number])[],
): string {
  try {
    for (const [data, size] of blocks) {
      if (decoder.decompress(data, size).length !== size) return "wrong size";
    }
    return "ok";
  } catch (err) {
    if (err instanceof CabError && err.kind === "invalid-data") return "cab-error";
    throw err;
  }
}

/** Assert the property over seeded random windows and blocks. */
export function assertHostileBlocksAreSafe(
  create: (windowBits: number) => BlockDecoder,
  opts: {
    minWindow: number;
    maxWindow: number;
    maxBlockBytes: number;
    maxBlocks: number;
    seed: number;
  },
): void {
  fc.assert(
    fc.property(
      fc.integer({ min: opts.minWindow, max: opts.maxWindow }),
      fc.array(
        fc.tuple(
          fc.uint8Array({ maxLength: opts.maxBlockBytes }),
          fc.integer({ min: 0, max: 32768 }),
        ),
        { minLength: 1, maxLength: opts.maxBlocks },
      ),
      (w, blocks) => {
        const r = decodeHostile(create(w), blocks);
        return r === "ok" || r === "cab-error";
      },
    ),
    { seed: opts.seed, numRuns: 300 },
  );
}
