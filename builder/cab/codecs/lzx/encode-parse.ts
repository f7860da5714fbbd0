/**
 * Parsing for the LZX encoder: turning one frame of the window buffer into literals and
 * matches. Two efforts:
 *   fast  lazy matching over hash chains (one step of lookahead), repeated offsets first;
 *   best  near-optimal parsing: a shortest path over every literal, repeated-offset match
 *         and chain match at each position, priced by the Huffman code lengths the frame's
 *         own first pass gives, run twice (the second pass prices by the first's result).
 *
 * Both track the repeated offsets R0..R2 as the decoder will; a slot whose value is not
 * known (at a job's start, before the previous job's last offsets are known) is 0 and never
 * used. No match crosses the frame end.
 *
 * A token is a literal (its byte, < 512) or a match ((code + 1) << 9 | (length - 2)), where
 * code is 0..2 for "repeat R0..R2" or the formatted offset (distance + 2) otherwise.
 */

import type { LzxLevel } from "../../write/writer-types.js";
import { codeLengths } from "../shared/huffman-encode.js";
import type { HashChains } from "../shared/match-finder.js";
import { LZX_EXTRA_BITS, LZX_POSITION_BASE } from "./tables.js";

/** The longest match LZX codes. */
export const LZX_MAX_MATCH = 257;
/** Tokens of this value and above are matches. */
export const TOKEN_MATCH_BASE = 512;
/** Length symbols (length - 9 for matches of 9 bytes or more). */
export const LENGTH_TREE_SYMBOLS = 249;

/** Fast parsing: chain links walked per position, and the length that ends a search. */
const LAZY_DEPTH = 6;
const LAZY_NICE = 32;
/** A match this long cuts the chain walk short, and is taken without lookahead. */
const LAZY_GOOD = 6;
const LAZY_MAX = 16;
/**
 * What the lazy parser assumes a literal costs, in bits, until a frame has shown it: then
 * the entropy of that frame's literals (so that on data of few distinct bytes a short match
 * does not displace cheaper literals).
 */
const LAZY_LITERAL_BITS = 7;

/** The position slot of a formatted offset (>= 3). */
export function positionSlot(formatted: number): number {
  if (formatted < 4) return formatted;
  if (formatted >= 1 << 18) return 36 + ((formatted - (1 << 18)) >>> 17);
  const l = 31 - Math.clz32(formatted);
  return 2 * l + ((formatted >>> (l - 1)) & 1);
}

/** Bits per literal of these counts (their entropy), within 1..9; 7 with too few to tell. */
function literalEntropy(main: Int32Array): number {
  let total = 0;
  for (let i = 0; i < 256; i++) total += main[i]!;
  if (total < 256) return LAZY_LITERAL_BITS;
  let bits = 0;
  const lt = Math.log2(total);
  for (let i = 0; i < 256; i++) {
    const n = main[i]!;
    if (n > 0) bits += n * (lt - Math.log2(n));
  }
  return Math.min(9, Math.max(1, bits / total));
}

/** Symbol counts of some tokens: what a block's codes are built from. */
export class TokenStats {
  readonly main: Int32Array;
  readonly length = new Int32Array(LENGTH_TREE_SYMBOLS);
  readonly aligned = new Int32Array(8);
  /** Footer bits a verbatim block writes; of those, the ones an aligned block still writes. */
  verbatimBits = 0;
  alignedRest = 0;
  constructor(mainSymbols: number) {
    this.main = new Int32Array(mainSymbols);
  }
  clear(): void {
    this.main.fill(0);
    this.length.fill(0);
    this.aligned.fill(0);
    this.verbatimBits = 0;
    this.alignedRest = 0;
  }
  add(o: TokenStats): void {
    for (let i = 0; i < this.main.length; i++) this.main[i]! += o.main[i]!;
    for (let i = 0; i < LENGTH_TREE_SYMBOLS; i++) this.length[i]! += o.length[i]!;
    for (let i = 0; i < 8; i++) this.aligned[i]! += o.aligned[i]!;
    this.verbatimBits += o.verbatimBits;
    this.alignedRest += o.alignedRest;
  }
  count(tok: number): void {
    if (tok < TOKEN_MATCH_BASE) {
      this.main[tok]!++;
      return;
    }
    const code = (tok >>> 9) - 1;
    const lenm2 = tok & 511;
    const slot = code < 3 ? code : positionSlot(code);
    const header = Math.min(lenm2, 7);
    this.main[256 + slot * 8 + header]!++;
    if (header === 7) this.length[lenm2 - 7]!++;
    if (slot >= 3) {
      const extra = LZX_EXTRA_BITS[slot]!;
      this.verbatimBits += extra;
      if (extra >= 3) {
        this.alignedRest += extra - 3;
        this.aligned[(code - LZX_POSITION_BASE[slot]!) & 7]!++;
      } else {
        this.alignedRest += extra;
      }
    }
  }
}

/** Bit prices of symbols, from code lengths (unused symbols priced as if seen once). */
class PriceModel {
  readonly main: Float64Array;
  readonly length = new Float64Array(LENGTH_TREE_SYMBOLS);
  constructor(mainSymbols: number) {
    this.main = new Float64Array(mainSymbols);
    this.setDefault();
  }
  setDefault(): void {
    for (let i = 0; i < this.main.length; i++) this.main[i] = i < 256 ? 8 : 10;
    this.length.fill(6);
  }
  setFrom(stats: TokenStats): void {
    const main = new Int32Array(stats.main.length);
    for (let i = 0; i < main.length; i++) main[i] = stats.main[i]! * 4 + 1;
    const ml = codeLengths(main, 16);
    for (let i = 0; i < main.length; i++) this.main[i] = ml[i]!;
    const len = new Int32Array(LENGTH_TREE_SYMBOLS);
    for (let i = 0; i < len.length; i++) len[i] = stats.length[i]! * 4 + 1;
    const ll = codeLengths(len, 16);
    for (let i = 0; i < len.length; i++) this.length[i] = ll[i]!;
  }
}

/** The parse state of one job: the buffer, the chains, R0..R2 and the parser's scratch. */
export class LzxParser {
  /** Repeated offsets; 0 = not known. */
  r0: number;
  r1: number;
  r2: number;
  private readonly prices: PriceModel;
  private readonly prevStats: TokenStats;
  private havePrev = false;
  // Near-optimal parse scratch, one frame long.
  private cost = new Float64Array(0);
  private fromTok = new Int32Array(0);
  private fromPos = new Int32Array(0);
  private nodeR = new Int32Array(0);
  private matchStart = new Int32Array(0);
  private matchLens = new Int32Array(0);
  private matchDists = new Int32Array(0);
  private readonly scratchLens = new Int32Array(LZX_MAX_MATCH + 1);
  private readonly scratchDists = new Int32Array(LZX_MAX_MATCH + 1);

  constructor(
    private readonly buf: Uint8Array,
    private readonly chains: HashChains,
    private readonly maxDistance: number,
    private readonly level: LzxLevel,
    mainSymbols: number,
    knownOffsets: boolean,
  ) {
    this.r0 = this.r1 = this.r2 = knownOffsets ? 1 : 0;
    this.prices = new PriceModel(mainSymbols);
    this.prevStats = new TokenStats(mainSymbols);
  }

  /** After an uncompressed block wrote R0..R2 (1 for an unknown slot): all are known. */
  offsetsWritten(): void {
    this.r0 ||= 1;
    this.r1 ||= 1;
    this.r2 ||= 1;
  }

  private matchLength(p: number, d: number, limit: number): number {
    const b = this.buf;
    let n = 0;
    const q = p - d;
    while (n < limit && b[p + n] === b[q + n]) n++;
    return n;
  }

  /**
   * Parse buf[start, end) into `out` from index `at`; counts go to `stats`. Returns the new
   * end index of `out`.
   */
  parseFrame(start: number, end: number, out: Uint32Array, at: number, stats: TokenStats): number {
    if (this.level === "fast") return this.lazy(start, end, out, at, stats);
    return this.optimal(start, end, out, at, stats);
  }

  // The lazy parser's candidate at one position: length, token code, gain in bits.
  private candLen = 0;
  private candCode = 0;
  private candGain = 0;
  private literalBits = LAZY_LITERAL_BITS;

  /** The best match at q (repeats first, then the chains), into cand*. */
  private evaluate(q: number, end: number): void {
    const limit = Math.min(end - q, LZX_MAX_MATCH);
    let bLen = 0;
    let bCode = 0;
    let bGain = 0;
    const maxDistance = this.maxDistance;
    const buf = this.buf;
    for (let k = 0; k < 3; k++) {
      const d = k === 0 ? this.r0 : k === 1 ? this.r1 : this.r2;
      if (d === 0 || d > q || d > maxDistance || limit < 2) continue;
      // Most positions fail on the first two bytes: test those before counting.
      if (buf[q] !== buf[q - d] || buf[q + 1] !== buf[q + 1 - d]) continue;
      const n = this.matchLength(q, d, limit);
      if (n < 2) continue;
      const g = n * this.literalBits - (k === 0 ? 7 : 9) - (n >= 9 ? 5 : 0);
      if (g > bGain) {
        bGain = g;
        bLen = n;
        bCode = k;
      }
    }
    const chains = this.chains;
    if (bLen < LAZY_NICE) {
      chains.longest(q, limit, LAZY_DEPTH, LAZY_NICE, LAZY_GOOD);
      const n = chains.bestLength;
      if (n > bLen) {
        const d = chains.bestDistance;
        const fo = d + 2;
        const g = n * this.literalBits - 11 - LZX_EXTRA_BITS[positionSlot(fo)]! - (n >= 9 ? 5 : 0);
        if (g > bGain && d !== this.r0 && d !== this.r1 && d !== this.r2) {
          bGain = g;
          bLen = n;
          bCode = fo;
        }
      }
    } else {
      chains.insertTo(q + 1);
    }
    this.candLen = bLen;
    this.candCode = bCode;
    this.candGain = bGain;
  }

  private lazy(
    start: number,
    end: number,
    out: Uint32Array,
    at: number,
    stats: TokenStats,
  ): number {
    const buf = this.buf;
    const main = stats.main;
    let p = start;
    let have = false;
    while (p < end) {
      if (!have) this.evaluate(p, end);
      have = false;
      if (this.candGain <= 0) {
        const lit = buf[p]!;
        out[at++] = lit;
        main[lit]!++;
        p++;
        continue;
      }
      // One step of lookahead: a literal now and a better match next wins.
      const len0 = this.candLen;
      const code0 = this.candCode;
      if (len0 < LAZY_MAX && p + 1 < end) {
        const gain0 = this.candGain;
        this.evaluate(p + 1, end);
        if (this.candGain > gain0 + 1) {
          const lit = buf[p]!;
          out[at++] = lit;
          main[lit]!++;
          p++;
          have = true;
          continue;
        }
      }
      const tok = ((code0 + 1) << 9) | (len0 - 2);
      out[at++] = tok;
      stats.count(tok);
      this.update(code0);
      p += len0;
      this.chains.insertTo(p);
    }
    this.literalBits = literalEntropy(main);
    return at;
  }

  /** R0..R2 after a match with token code `code`. */
  private update(code: number): void {
    if (code === 0) return;
    if (code === 1) {
      const t = this.r0;
      this.r0 = this.r1;
      this.r1 = t;
    } else if (code === 2) {
      const t = this.r0;
      this.r0 = this.r2;
      this.r2 = t;
    } else {
      this.r2 = this.r1;
      this.r1 = this.r0;
      this.r0 = code - 2;
    }
  }

  private ensureScratch(n: number): void {
    if (this.cost.length >= n + 1) return;
    this.cost = new Float64Array(n + 1);
    this.fromTok = new Int32Array(n + 1);
    this.fromPos = new Int32Array(n + 1);
    this.nodeR = new Int32Array(3 * (n + 1));
    this.matchStart = new Int32Array(n + 1);
    this.matchLens = new Int32Array(n * 8);
    this.matchDists = new Int32Array(n * 8);
  }

  private optimal(
    start: number,
    end: number,
    out: Uint32Array,
    at: number,
    stats: TokenStats,
  ): number {
    const n = end - start;
    this.ensureScratch(n);
    // Matches at each position, found once for both passes (at most 8 per position).
    const chains = this.chains;
    const DEPTH = 48;
    const NICE = 96;
    const lens = this.scratchLens;
    const dists = this.scratchDists;
    const mStart = this.matchStart;
    const mLens = this.matchLens;
    const mDists = this.matchDists;
    let m = 0;
    for (let i = 0; i < n; i++) {
      mStart[i] = m;
      const limit = Math.min(LZX_MAX_MATCH, n - i);
      const c = chains.collect(start + i, limit, DEPTH, NICE, lens, dists);
      // Keep the longest 8 (the list is in increasing length).
      for (let j = Math.max(0, c - 8); j < c; j++) {
        mLens[m] = lens[j]!;
        mDists[m] = dists[j]!;
        m++;
      }
    }
    mStart[n] = m;
    chains.insertTo(end);
    const r0 = this.r0;
    const r1 = this.r1;
    const r2 = this.r2;
    if (this.havePrev) this.prices.setFrom(this.prevStats);
    else this.prices.setDefault();
    const first = new TokenStats(this.prices.main.length);
    this.shortestPath(start, n, r0, r1, r2);
    this.collectPath(n, null, 0, first);
    this.prices.setFrom(first);
    this.r0 = r0;
    this.r1 = r1;
    this.r2 = r2;
    this.shortestPath(start, n, r0, r1, r2);
    const before = at;
    at = this.collectPath(n, out, at, stats);
    // The next frame starts from this frame's prices.
    this.prevStats.clear();
    for (let i = before; i < at; i++) this.prevStats.count(out[i]!);
    this.havePrev = true;
    return at;
  }

  /** Forward shortest path over [start, start + n): cost, fromPos, fromTok per node. */
  private shortestPath(start: number, n: number, r0: number, r1: number, r2: number): void {
    const buf = this.buf;
    const cost = this.cost;
    const fromPos = this.fromPos;
    const fromTok = this.fromTok;
    const R = this.nodeR;
    const mainP = this.prices.main;
    const lenP = this.prices.length;
    const mStart = this.matchStart;
    const mLens = this.matchLens;
    const mDists = this.matchDists;
    const maxDistance = this.maxDistance;
    const SKIP = 96;
    cost.fill(Number.POSITIVE_INFINITY, 0, n + 1);
    cost[0] = 0;
    R[0] = r0;
    R[1] = r1;
    R[2] = r2;
    const matchPrice = (slot: number, lenm2: number): number =>
      lenm2 < 7 ? mainP[256 + slot * 8 + lenm2]! : mainP[256 + slot * 8 + 7]! + lenP[lenm2 - 7]!;
    let i = 0;
    while (i < n) {
      const p = start + i;
      const base = cost[i]!;
      // This node's offsets: its arrival's, updated by the arriving token.
      if (i > 0) {
        const f = fromPos[i]!;
        const t = fromTok[i]!;
        let a = R[3 * f]!;
        let b = R[3 * f + 1]!;
        let c = R[3 * f + 2]!;
        if (t >= TOKEN_MATCH_BASE) {
          const code = (t >>> 9) - 1;
          if (code === 1) {
            const x = a;
            a = b;
            b = x;
          } else if (code === 2) {
            const x = a;
            a = c;
            c = x;
          } else if (code > 2) {
            c = b;
            b = a;
            a = code - 2;
          }
        }
        R[3 * i] = a;
        R[3 * i + 1] = b;
        R[3 * i + 2] = c;
      }
      // Literal.
      const lit = buf[p]!;
      const cl = base + mainP[lit]!;
      if (cl < cost[i + 1]!) {
        cost[i + 1] = cl;
        fromPos[i + 1] = i;
        fromTok[i + 1] = lit;
      }
      const limit = Math.min(LZX_MAX_MATCH, n - i);
      let longest = 0;
      // Repeated offsets.
      for (let k = 0; k < 3; k++) {
        const d = R[3 * i + k]!;
        if (d === 0 || d > p || d > maxDistance) continue;
        const len = limit >= 2 ? this.matchLength(p, d, limit) : 0;
        if (len > longest) longest = len;
        for (let l = 2; l <= len; l++) {
          const c = base + matchPrice(k, l - 2);
          if (c < cost[i + l]!) {
            cost[i + l] = c;
            fromPos[i + l] = i;
            fromTok[i + l] = ((k + 1) << 9) | (l - 2);
          }
        }
      }
      // Chain matches, each for every length it covers beyond the previous one.
      let prevLen = 2;
      for (let j = mStart[i]!; j < mStart[i + 1]!; j++) {
        const len = Math.min(mLens[j]!, limit);
        const d = mDists[j]!;
        if (len <= prevLen) continue;
        if (d === R[3 * i] || d === R[3 * i + 1] || d === R[3 * i + 2]) {
          prevLen = len;
          continue; // priced above as a repeat
        }
        const fo = d + 2;
        const slot = positionSlot(fo);
        const extra = LZX_EXTRA_BITS[slot]!;
        const tokBase = (fo + 1) << 9;
        for (let l = prevLen + 1; l <= len; l++) {
          const c = base + matchPrice(slot, l - 2) + extra;
          if (c < cost[i + l]!) {
            cost[i + l] = c;
            fromPos[i + l] = i;
            fromTok[i + l] = tokBase | (l - 2);
          }
        }
        prevLen = len;
        if (len > longest) longest = len;
      }
      // A very long match is taken as it is: its inner positions are not expanded.
      if (longest >= SKIP) {
        const target = i + longest;
        // Carry the offsets of whatever reached the target along the skipped nodes.
        i = target;
        continue;
      }
      i++;
    }
  }

  /** Walk back from n, write tokens forward, update R0..R2 and counts. */
  private collectPath(n: number, out: Uint32Array | null, at: number, stats: TokenStats): number {
    const fromPos = this.fromPos;
    const fromTok = this.fromTok;
    // Reverse the chain in place into matchStart (free now) as a stack of node indices.
    const stack: number[] = [];
    for (let i = n; i > 0; i = fromPos[i]!) stack.push(i);
    for (let s = stack.length - 1; s >= 0; s--) {
      const tok = fromTok[stack[s]!]!;
      if (out) out[at++] = tok;
      stats.count(tok);
      if (tok >= TOKEN_MATCH_BASE) this.update((tok >>> 9) - 1);
    }
    return at;
  }
}
