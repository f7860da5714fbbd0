/**
 * Huffman codes for the LZX encoder: length-limited code lengths from symbol counts, and
 * the canonical codes a decoder rebuilds from those lengths (by length, then by symbol,
 * read most significant bit first; see huffman.ts for the decoding side).
 *
 * Every code is complete (Kraft sum exactly 1), as LZX decoders require: a tree with one
 * used symbol gets a second, unused code, and a tree with none stays all zero (allowed only
 * where the format allows an empty tree, which the caller decides).
 */

/**
 * Code lengths (at most `maxBits`) for `freqs[0..n)`. Symbols with count 0 get length 0,
 * except that a lone used symbol is paired with a neighbour so the code stays complete.
 */
export function codeLengths(
  freqs: ArrayLike<number>,
  maxBits: number,
  out?: Uint8Array,
): Uint8Array {
  const n = freqs.length;
  const lens = out ?? new Uint8Array(n);
  lens.fill(0, 0, n);
  const used: number[] = [];
  for (let s = 0; s < n; s++) if (freqs[s]! > 0) used.push(s);
  if (used.length === 0) return lens;
  if (used.length === 1) {
    const s = used[0]!;
    lens[s] = 1;
    lens[s === 0 ? 1 : 0] = 1;
    return lens;
  }
  // Sort by count (then symbol, so the result never depends on the sort's stability).
  used.sort((a, b) => freqs[a]! - freqs[b]! || a - b);
  const m = used.length;
  // Two-queue Huffman: leaves in order, internal nodes in order of creation.
  const weight = new Float64Array(2 * m);
  const parent = new Int32Array(2 * m);
  for (let i = 0; i < m; i++) weight[i] = freqs[used[i]!]!;
  let leaf = 0;
  let node = m;
  let next = m;
  const take = (): number => {
    if (leaf < m && (node >= next || weight[leaf]! <= weight[node]!)) return leaf++;
    return node++;
  };
  while (next < 2 * m - 1) {
    const a = take();
    const b = take();
    weight[next] = weight[a]! + weight[b]!;
    parent[a] = next;
    parent[b] = next;
    next++;
  }
  const depth = new Int32Array(2 * m);
  depth[2 * m - 2] = 0;
  for (let i = 2 * m - 3; i >= 0; i--) depth[i] = depth[parent[i]!]! + 1;
  // depth[i] for leaf i (in count order). Cap at maxBits, then restore the Kraft sum.
  const len = new Int32Array(m);
  for (let i = 0; i < m; i++) len[i] = Math.min(depth[i]!, maxBits);
  const full = 2 ** maxBits;
  let kraft = 0;
  for (let i = 0; i < m; i++) kraft += 2 ** (maxBits - len[i]!);
  // Over-full: lengthen the longest code still below the limit (the rarest among equals).
  while (kraft > full) {
    let pick = -1;
    for (let i = 0; i < m; i++) {
      if (len[i]! < maxBits && (pick < 0 || len[i]! > len[pick]!)) pick = i;
    }
    kraft -= 2 ** (maxBits - len[pick]! - 1);
    len[pick]!++;
  }
  // Under-full: shorten the longest code (its share divides the gap, so this ends exact);
  // among equals the most frequent, which gains most.
  while (kraft < full) {
    let pick = -1;
    for (let i = m - 1; i >= 0; i--) {
      if (pick < 0 || len[i]! > len[pick]!) pick = i;
    }
    kraft += 2 ** (maxBits - len[pick]!);
    len[pick]!--;
  }
  for (let i = 0; i < m; i++) lens[used[i]!] = len[i]!;
  return lens;
}

/** Canonical codes for `lens` (as the decoder assigns them). */
export function canonicalCodes(lens: ArrayLike<number>, out?: Uint16Array): Uint16Array {
  const n = lens.length;
  const codes = out ?? new Uint16Array(n);
  const count = new Int32Array(18);
  for (let s = 0; s < n; s++) count[lens[s]!]!++;
  count[0] = 0;
  const next = new Int32Array(18);
  let code = 0;
  for (let len = 1; len <= 17; len++) {
    code = (code + count[len - 1]!) << 1;
    next[len] = code;
  }
  for (let s = 0; s < n; s++) {
    const len = lens[s]!;
    if (len !== 0) codes[s] = next[len]!++;
  }
  return codes;
}
