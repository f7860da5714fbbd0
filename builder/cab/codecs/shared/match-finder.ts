/**
 * Hash chains over a byte buffer, for the LZX encoder: for each position the earlier
 * positions whose next 3 bytes hash alike, newest first, within a window.
 *
 * The chain links live in a ring of windowSize entries indexed by position: a link older
 * than the window is overwritten, but the walk stops at the window's edge first, so it never
 * follows one. Memory: 4 bytes per window byte plus the head table, whatever the input size.
 */

/** Bits of the 3-byte hash: 2^16 chain heads. */
const HASH_BITS = 16;
const HASH_SIZE = 1 << HASH_BITS;

export class HashChains {
  private readonly head: Int32Array;
  private readonly prev: Int32Array;
  private readonly mask: number;
  /** Positions [0, inserted) are in the chains. */
  private inserted = 0;
  /** Filled by longest(): the best match's length and distance. */
  bestLength = 0;
  bestDistance = 0;
  private readonly oneLength = new Int32Array(1);
  private readonly oneDistance = new Int32Array(1);

  /**
   * @param buf the bytes (window history then data), not changed while in use
   * @param windowSize a power of two; links reach back at most windowSize - 1
   * @param maxDistance the farthest a match may reach
   * @param scratch arrays of an earlier instance to reuse (its chains are forgotten)
   */
  constructor(
    private readonly buf: Uint8Array,
    windowSize: number,
    private readonly maxDistance: number,
    scratch?: { readonly head: Int32Array; readonly prev: Int32Array },
  ) {
    this.head = scratch?.head ?? new Int32Array(HASH_SIZE);
    this.head.fill(-1);
    // Links are only followed within the window, so stale ones need no clearing.
    this.prev =
      scratch && scratch.prev.length >= windowSize ? scratch.prev : new Int32Array(windowSize);
    this.mask = windowSize - 1;
  }

  /** The arrays, for a later instance to reuse. */
  get scratch(): { readonly head: Int32Array; readonly prev: Int32Array } {
    return { head: this.head, prev: this.prev };
  }

  private hash(p: number): number {
    const b = this.buf;
    return Math.imul(b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16), 0x9e3779b1) >>> (32 - HASH_BITS);
  }

  /** Add positions up to (not including) `end` to the chains. */
  insertTo(end: number): void {
    const last = Math.min(end, this.buf.length - 2);
    const head = this.head;
    const prev = this.prev;
    const mask = this.mask;
    for (let p = this.inserted; p < last; p++) {
      const h = this.hash(p);
      prev[p & mask] = head[h]!;
      head[h] = p;
    }
    if (end > this.inserted) this.inserted = end;
  }

  /**
   * The longest match at `p` of at most `limit` bytes (and at least 3), walking at most
   * `depth` links (a quarter of what is left once one reaches `good` bytes) and stopping
   * early at `nice` bytes. Inserts p. Sets bestLength (0 when none) and bestDistance.
   */
  longest(p: number, limit: number, depth: number, nice: number, good = nice): void {
    const n = this.collect(p, limit, depth, nice, this.oneLength, this.oneDistance, good);
    this.bestLength = n > 0 ? this.oneLength[0]! : 0;
    this.bestDistance = n > 0 ? this.oneDistance[0]! : 0;
  }

  /**
   * Matches at `p` of increasing length (each longer than the last, at least 3 bytes, at
   * most `limit`), nearest first among equals: lengths and distances into the arrays
   * (arrays of one entry get only the longest). The walk as in longest().
   * Inserts p. Returns how many.
   */
  collect(
    p: number,
    limit: number,
    depth: number,
    nice: number,
    lengths: Int32Array,
    distances: Int32Array,
    good = nice,
  ): number {
    const keepAll = lengths.length > 1;
    this.insertTo(p + 1);
    if (limit < 3 || p + 2 >= this.buf.length) return 0;
    const b = this.buf;
    const prev = this.prev;
    const mask = this.mask;
    const floor = p - this.maxDistance;
    let best = 2;
    let count = 0;
    let cand = prev[p & mask]!;
    while (cand >= 0 && cand >= floor && depth-- > 0) {
      if (b[cand + best] === b[p + best] && b[cand] === b[p] && b[cand + 1] === b[p + 1]) {
        let n = 2;
        while (n < limit && b[cand + n] === b[p + n]) n++;
        if (n > best) {
          // A good match found: look a quarter as far for a better one (as zlib does).
          if (best < good && n >= good) depth >>= 2;
          best = n;
          const at = keepAll ? count : 0;
          lengths[at] = n;
          distances[at] = p - cand;
          count = at + 1;
          if (n >= nice || n >= limit) break;
        }
      }
      cand = prev[cand & mask]!;
    }
    return count;
  }
}
