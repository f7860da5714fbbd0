/**
 * The shape every folder decoder has: CFDATA blocks go in, in order, and each gives back
 * exactly its uncompressed size. LZX and Quantum keep state (window, trees, models) from
 * block to block within a folder; `reset()` forgets it, to start a new folder.
 */
import { CabError } from "../../format/errors.js";

export interface BlockDecoder {
  /** Decode one CFDATA block's compressed bytes to exactly `outputSize` bytes. */
  decompress(input: Uint8Array, outputSize: number): Uint8Array;
  /** Forget everything: the next block starts a new folder. */
  reset(): void;
}

/**
 * The guard LZX and Quantum share: after a block fails, the folder's state (window, trees,
 * models) is unknown, so every later block is refused until reset() rather than decoded
 * into wrong bytes.
 */
export class FailedBlockLatch {
  private failed = false;

  constructor(private readonly codec: string) {}

  reset(): void {
    this.failed = false;
  }

  run(decode: () => Uint8Array): Uint8Array {
    if (this.failed) {
      throw new CabError(
        "invalid-data",
        `${this.codec}: an earlier block of this folder failed to decode`,
      );
    }
    try {
      return decode();
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }
}
