/**
 * Test scaffolding only: a small Quantum *encoder* so the decoder can be checked on more
 * than the corpus' one 59-byte folder: every window size (2^10 .. 2^21, including windows
 * smaller than a frame, where matches wrap the window), all three match kinds, many frames,
 * and enough symbols to make every model rescale and re-sort. Written from the format
 * description with its own model code (not the decoder's).
 *
 * The one subtle part: the decoder's code register reads 16 bits ahead of the arithmetic
 * coder's position, and plain footer bits are read from the same stream. So the encoder
 * keeps the arithmetic output and the footer bits apart and merges them at the end, each
 * footer placed after as many arithmetic bits as the decoder will have read by then
 * (16 + the number of renormalisation shifts so far).
 */

const FRAME = 32768;

const OFFSET_EXTRA = Array.from({ length: 42 }, (_, i) => Math.floor((i < 2 ? 0 : i - 2) / 2));
const OFFSET_BASE: number[] = [];
for (let i = 0, at = 0; i < 42; i++) {
  OFFSET_BASE.push(at);
  at += 2 ** OFFSET_EXTRA[i]!;
}
const LENGTH_EXTRA = Array.from({ length: 27 }, (_, i) =>
  i === 26 ? 0 : Math.floor((i < 2 ? 0 : i - 2) / 4),
);
const LENGTH_BASE: number[] = [];
for (let i = 0, at = 0; i < 27; i++) {
  LENGTH_BASE.push(i === 26 ? 254 : at);
  at += 2 ** LENGTH_EXTRA[i]!;
}

/** An adaptive model: parallel arrays of symbols and cumulative frequencies. */
class Model {
  syms: number[];
  cum: number[];
  private halvingsLeft = 4;
  constructor(first: number, n: number) {
    this.syms = Array.from({ length: n + 1 }, (_, i) => first + i);
    this.cum = Array.from({ length: n + 1 }, (_, i) => n - i);
  }
  get n(): number {
    return this.syms.length - 1;
  }
  indexOf(symbol: number): number {
    const k = this.syms.indexOf(symbol);
    if (k < 0 || k >= this.n) throw new Error(`symbol ${symbol} not in model`);
    return k;
  }
  update(k: number): void {
    for (let i = 0; i <= k; i++) this.cum[i]! += 8;
    if (this.cum[0]! <= 3800) return;
    const n = this.n;
    this.halvingsLeft--;
    if (this.halvingsLeft > 0) {
      for (let i = n - 1; i >= 0; i--) {
        this.cum[i] = Math.floor(this.cum[i]! / 2);
        if (this.cum[i]! <= this.cum[i + 1]!) this.cum[i] = this.cum[i + 1]! + 1;
      }
      return;
    }
    this.halvingsLeft = 50;
    const freq = this.cum.slice(0, n).map((c, i) => Math.floor((c - this.cum[i + 1]! + 1) / 2));
    const syms = this.syms.slice(0, n);
    for (let i = 0; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        if (freq[i]! < freq[j]!) {
          [freq[i], freq[j]] = [freq[j]!, freq[i]!];
          [syms[i], syms[j]] = [syms[j]!, syms[i]!];
        }
      }
    }
    let acc = 0;
    for (let i = n - 1; i >= 0; i--) {
      acc += freq[i]!;
      this.cum[i] = acc;
      this.syms[i] = syms[i]!;
    }
  }
}

export interface QuantumTestOptions {
  readonly windowBits: number;
  /** Find matches (default true). */
  readonly matches?: boolean;
}

export interface QuantumTestStream {
  readonly frames: Uint8Array[];
  readonly sizes: number[];
  /** How many matches of each selector (4, 5, 6) were written. */
  readonly matchCounts: [number, number, number];
}

export function quantumTestEncode(data: Uint8Array, opts: QuantumTestOptions): QuantumTestStream {
  const w = opts.windowBits;
  const windowSize = 2 ** w;
  const literal = [0, 1, 2, 3].map((k) => new Model(k * 64, 64));
  const model4 = new Model(0, Math.min(2 * w, 24));
  const model5 = new Model(0, Math.min(2 * w, 36));
  const model6 = new Model(0, 2 * w);
  const model6len = new Model(0, 27);
  const selector = new Model(0, 7);
  const counts: [number, number, number] = [0, 0, 0];
  const frames: Uint8Array[] = [];
  const sizes: number[] = [];
  const last = new Int32Array(1 << 16).fill(-1);
  const hash3 = (p: number) =>
    (Math.imul(data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16), 0x9e3779b1) >>> 16) & 0xffff;

  for (let start = 0; start < data.length; start += FRAME) {
    const end = Math.min(data.length, start + FRAME);
    const arith: number[] = [];
    const footers: { after: number; value: number; bits: number }[] = [];
    let low = 0;
    let high = 0xffff;
    let pending = 0;
    let shifts = 0;
    const emit = (bit: number) => {
      arith.push(bit);
      for (; pending > 0; pending--) arith.push(bit ^ 1);
    };
    const code = (model: Model, symbol: number) => {
      const k = model.indexOf(symbol);
      const range = high - low + 1;
      const total = model.cum[0]!;
      high = low + Math.floor((model.cum[k]! * range) / total) - 1;
      low = low + Math.floor((model.cum[k + 1]! * range) / total);
      model.update(k);
      for (;;) {
        if (((low ^ high) & 0x8000) === 0) {
          emit(high >>> 15);
        } else if (low & 0x4000 && !(high & 0x4000)) {
          pending++;
          low &= 0x3fff;
          high |= 0x4000;
        } else {
          break;
        }
        low = (low << 1) & 0xffff;
        high = ((high << 1) | 1) & 0xffff;
        shifts++;
      }
    };
    const footer = (value: number, bits: number) => {
      if (bits > 0) footers.push({ after: 16 + shifts, value, bits });
    };

    let pos = start;
    while (pos < end) {
      const [length, distance] = opts.matches === false ? [0, 0] : findMatch(pos, end);
      if (length < 3) {
        const byte = data[pos]!;
        code(selector, byte >>> 6);
        code(literal[byte >>> 6]!, byte);
        remember(pos++);
        continue;
      }
      const slot = offsetSlot(distance);
      if (length === 3) {
        code(selector, 4);
        code(model4, slot);
        counts[0]++;
      } else if (length === 4) {
        code(selector, 5);
        code(model5, slot);
        counts[1]++;
      } else {
        code(selector, 6);
        let ls = 0;
        while (ls + 1 < 27 && LENGTH_BASE[ls + 1]! <= length - 5) ls++;
        code(model6len, ls);
        footer(length - 5 - LENGTH_BASE[ls]!, LENGTH_EXTRA[ls]!);
        code(model6, slot);
        counts[2]++;
      }
      footer(distance - 1 - OFFSET_BASE[slot]!, OFFSET_EXTRA[slot]!);
      for (const stop = pos + length; pos < stop; pos++) remember(pos);
    }
    // Flush: two bits (plus pending underflow bits) pin the final interval.
    pending++;
    emit((low >>> 14) & 1);
    while (arith.length < 16 + shifts) arith.push(0);

    // Merge arithmetic bits and footers in the order the decoder reads them.
    const bits: number[] = [];
    let a = 0;
    for (const f of footers) {
      while (a < f.after) bits.push(arith[a++]!);
      for (let i = f.bits - 1; i >= 0; i--) bits.push(Math.floor(f.value / 2 ** i) & 1);
    }
    while (a < arith.length) bits.push(arith[a++]!);
    while (bits.length % 8 !== 0) bits.push(0);
    const bytes = new Uint8Array(bits.length / 8 + 2); // and two trailing zero bytes
    for (let i = 0; i < bits.length; i++) bytes[i >>> 3]! |= bits[i]! << (7 - (i & 7));
    frames.push(bytes);
    sizes.push(end - start);
  }
  return { frames, sizes, matchCounts: counts };

  function offsetSlot(distance: number): number {
    let s = 0;
    while (s + 1 < 42 && OFFSET_BASE[s + 1]! <= distance - 1) s++;
    return s;
  }

  function remember(p: number): void {
    if (p + 2 < data.length) last[hash3(p)] = p;
  }

  function findMatch(p: number, frameEnd: number): [number, number] {
    if (p + 2 >= data.length) return [0, 0];
    const at = last[hash3(p)]!;
    if (at < 0) return [0, 0];
    const distance = p - at;
    if (distance > windowSize) return [0, 0];
    const room = Math.min(259, frameEnd - p);
    let n = 0;
    while (n < room && data[p + n] === data[at + n]) n++;
    const slot = offsetSlot(distance);
    if (n >= 5 && slot < model6.n) return [n, distance];
    if (n >= 4 && slot < model5.n) return [4, distance];
    if (n >= 3 && slot < model4.n) return [3, distance];
    return [0, 0];
  }
}
