/**
 * Quantum's adaptive frequency models and its fixed tables (David Stafford's method as
 * Microsoft's cabinet tools use it; the rules are those libmspack's qtmd implements).
 *
 * A model keeps its symbols sorted roughly by frequency, as cumulative frequencies that
 * decrease from entry 0 (the total) to a 0 sentinel after the last entry. Each decoded
 * symbol adds 8 to its own and every earlier cumulative frequency; when the total passes
 * 3800 the model is rescaled: usually by halving (keeping every symbol at least one above
 * the next), and every 50th time by halving the plain frequencies and re-sorting them in
 * decreasing order, with an exchange sort whose (in)stability the encoder shares.
 */

/** Output bytes per Quantum frame; in a cabinet one frame is one CFDATA block. */
export const QTM_FRAME_SIZE = 32768;
/** A model is rescaled once its total frequency exceeds this. */
export const QTM_RESCALE_LIMIT = 3800;
/** Added to a symbol's frequency each time it is decoded. */
export const QTM_FREQUENCY_STEP = 8;
/** Rescales by halving before one that re-sorts the model (the first run is shorter). */
export const QTM_RESORT_INTERVAL = 50;
export const QTM_FIRST_RESORT_INTERVAL = 4;

/** Selector model symbols: 0..3 literal from model 0..3, then the three match kinds. */
export const QtmSelector = {
  /** A 3-byte match, offset slot from model 4. */
  match3: 4,
  /** A 4-byte match, offset slot from model 5. */
  match4: 5,
  /** A match of 5..259 bytes: length slot from the length model, offset slot from model 6. */
  matchVariable: 6,
} as const;
export const QTM_SELECTORS = 7;
export const QTM_LITERAL_MODELS = 4;
export const QTM_LITERALS_PER_MODEL = 64;
/** Offset-slot models 4 and 5 are capped at 24 and 36 slots; model 6 has 2 x windowBits. */
export const QTM_MATCH3_MAX_SLOTS = 24;
export const QTM_MATCH4_MAX_SLOTS = 36;
export const QTM_LENGTH_SLOTS = 27;
export const QTM_MATCH3_LENGTH = 3;
export const QTM_MATCH4_LENGTH = 4;
export const QTM_VARIABLE_MIN_LENGTH = 5;

/** Offset slots: slot s covers offsets base[s]+1 .. base[s]+2^extra[s] (42 for 2^21). */
export const QTM_OFFSET_SLOTS = 42;
export const QTM_OFFSET_EXTRA: Uint8Array = Uint8Array.from(
  { length: QTM_OFFSET_SLOTS },
  (_, i) => (i < 2 ? 0 : i - 2) >>> 1,
);
export const QTM_OFFSET_BASE: Uint32Array = cumulative(QTM_OFFSET_EXTRA);

/** Length slots of the variable-length match: 26 growing ones, then a fixed 254. */
export const QTM_LENGTH_EXTRA: Uint8Array = Uint8Array.from({ length: QTM_LENGTH_SLOTS }, (_, i) =>
  i === QTM_LENGTH_SLOTS - 1 ? 0 : (i < 2 ? 0 : i - 2) >>> 2,
);
export const QTM_LENGTH_BASE: Uint32Array = (() => {
  const base = cumulative(QTM_LENGTH_EXTRA);
  base[QTM_LENGTH_SLOTS - 1] = 254;
  return base;
})();

function cumulative(extra: Uint8Array): Uint32Array {
  const base = new Uint32Array(extra.length);
  for (let i = 0, at = 0; i < extra.length; i++) {
    base[i] = at;
    at += 1 << extra[i]!;
  }
  return base;
}

export class QuantumModel {
  readonly entries: number;
  private readonly first: number;
  /** Symbol at each entry; entries + 1 long (the sentinel's symbol is never returned). */
  readonly sym: Uint16Array;
  /** Cumulative frequency at each entry; cum[entries] is always 0. */
  readonly cum: Int32Array;
  private untilResort = QTM_FIRST_RESORT_INTERVAL;

  constructor(first: number, entries: number) {
    this.first = first;
    this.entries = entries;
    this.sym = new Uint16Array(entries + 1);
    this.cum = new Int32Array(entries + 1);
    this.reset();
  }

  /** Every symbol equally likely, in symbol order. */
  reset(): void {
    this.untilResort = QTM_FIRST_RESORT_INTERVAL;
    for (let i = 0; i <= this.entries; i++) {
      this.sym[i] = this.first + i;
      this.cum[i] = this.entries - i;
    }
  }

  /** Count entry `index` as decoded once more; rescale when the total grows too big. */
  bump(index: number): void {
    const cum = this.cum;
    for (let i = index; i >= 0; i--) cum[i]! += QTM_FREQUENCY_STEP;
    if (cum[0]! > QTM_RESCALE_LIMIT) this.rescale();
  }

  private rescale(): void {
    const cum = this.cum;
    const n = this.entries;
    if (--this.untilResort > 0) {
      for (let i = n - 1; i >= 0; i--) {
        cum[i] = cum[i]! >>> 1;
        if (cum[i]! <= cum[i + 1]!) cum[i] = cum[i + 1]! + 1;
      }
      return;
    }
    this.untilResort = QTM_RESORT_INTERVAL;
    // Cumulative to plain frequencies (cum[i+1] is still cumulative when read), halved,
    // never reaching zero.
    for (let i = 0; i < n; i++) cum[i] = (cum[i]! - cum[i + 1]! + 1) >>> 1;
    // Exchange sort, decreasing; its exact swap order decides ties, as in the encoder.
    const sym = this.sym;
    for (let i = 0; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        if (cum[i]! < cum[j]!) {
          const f = cum[i]!;
          cum[i] = cum[j]!;
          cum[j] = f;
          const s = sym[i]!;
          sym[i] = sym[j]!;
          sym[j] = s;
        }
      }
    }
    for (let i = n - 1; i >= 0; i--) cum[i]! += cum[i + 1]!;
  }
}
