/**
 * The shape every folder decoder has: CFDATA blocks go in, in order, and each gives back
 * exactly its uncompressed size. LZX and Quantum keep state (window, trees, models) from
 * block to block within a folder; `reset()` forgets it, to start a new folder.
 */
export interface BlockDecoder {
  /** Decode one CFDATA block's compressed bytes to exactly `outputSize` bytes. */
  decompress(input: Uint8Array, outputSize: number): Uint8Array;
  /** Forget everything: the next block starts a new folder. */
  reset(): void;
}
