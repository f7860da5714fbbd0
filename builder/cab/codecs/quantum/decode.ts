/**
 * Quantum decoding as Microsoft Cabinet folders use it (CFFOLDER.typeCompress 2, window
 * 2^10 .. 2^21): an LZ77 window whose literals, match kinds, lengths and offset slots are
 * coded by a 16-bit arithmetic coder over adaptive models (quantum-model.ts); offset and
 * length footers are plain bits. The bitstream is read most significant bit first.
 *
 * In a cabinet each CFDATA block is one 32768-byte frame: the coder restarts at every frame
 * (H = 0xFFFF, L = 0, C = the next 16 bits), while the models and the window run on through
 * the folder. A frame's data may end with up to 4 padding bytes, which are never read, so
 * each block is decoded with a fresh bit reader. No match crosses a frame end; a match may
 * wrap the window, which for windows under 32 KiB happens inside a frame.
 *
 * Every loop is bounded: each symbol writes at least one byte, and the coder's
 * renormalisation consumes input bits, of which the reader supplies only a few past the end.
 */

import { QUANTUM_MAX_WINDOW_BITS, QUANTUM_MIN_WINDOW_BITS } from "../../format/constants.js";
import { CabError } from "../../format/errors.js";
import { type BlockDecoder, FailedBlockLatch } from "../shared/block-decoder.js";
import {
  QTM_FRAME_SIZE,
  QTM_LENGTH_BASE,
  QTM_LENGTH_EXTRA,
  QTM_LENGTH_SLOTS,
  QTM_LITERAL_MODELS,
  QTM_LITERALS_PER_MODEL,
  QTM_MATCH3_LENGTH,
  QTM_MATCH3_MAX_SLOTS,
  QTM_MATCH4_LENGTH,
  QTM_MATCH4_MAX_SLOTS,
  QTM_OFFSET_BASE,
  QTM_OFFSET_EXTRA,
  QTM_SELECTORS,
  QTM_VARIABLE_MIN_LENGTH,
  QtmSelector,
  QuantumModel,
} from "./model.js";

/** Zero bytes the reader may invent past the end of a block's data. */
const MAX_OVERREAD = 4;

function fail(message: string): never {
  throw new CabError("invalid-data", `Quantum: ${message}`);
}

/** Most-significant-bit-first reader over one block's bytes. */
class MsbBitReader {
  private input: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private buf = 0;
  private bits = 0;

  start(input: Uint8Array): void {
    this.input = input;
    this.pos = 0;
    this.buf = 0;
    this.bits = 0;
  }

  /** Read one bit (the arithmetic coder's renormalisation: the hot path). */
  bit(): number {
    if (this.bits === 0) {
      const p = this.pos++;
      if (p < this.input.length) this.buf = this.input[p]!;
      else if (p >= this.input.length + MAX_OVERREAD)
        fail("data ends before its frame is complete");
      else this.buf = 0;
      this.bits = 8;
    }
    this.bits--;
    const v = (this.buf >>> this.bits) & 1;
    this.buf &= (1 << this.bits) - 1;
    return v;
  }

  /** Read `n` bits (0..24). */
  read(n: number): number {
    if (n === 0) return 0;
    while (this.bits < n) {
      const p = this.pos++;
      let byte = 0;
      if (p < this.input.length) byte = this.input[p]!;
      else if (p >= this.input.length + MAX_OVERREAD)
        fail("data ends before its frame is complete");
      this.buf = ((this.buf << 8) | byte) >>> 0;
      this.bits += 8;
    }
    this.bits -= n;
    const v = (this.buf >>> this.bits) & ((1 << n) - 1);
    this.buf &= (1 << this.bits) - 1;
    return v;
  }
}

/** The layout of models for a window size. */
export interface QuantumWindowLayout {
  readonly windowBits: number;
  readonly windowSize: number;
  /** Offset slots of the 3-byte, 4-byte and variable-length match models. */
  readonly match3Slots: number;
  readonly match4Slots: number;
  readonly variableSlots: number;
}

/** The layout for `windowBits` (10..21); a CabError of kind invalid-input otherwise. */
export function quantumWindowLayout(windowBits: number): QuantumWindowLayout {
  if (
    !Number.isInteger(windowBits) ||
    windowBits < QUANTUM_MIN_WINDOW_BITS ||
    windowBits > QUANTUM_MAX_WINDOW_BITS
  ) {
    throw new CabError(
      "invalid-input",
      `Quantum window of ${windowBits} bits (allowed ${QUANTUM_MIN_WINDOW_BITS}..${QUANTUM_MAX_WINDOW_BITS})`,
    );
  }
  const slots = windowBits * 2;
  return {
    windowBits,
    windowSize: 2 ** windowBits,
    match3Slots: Math.min(slots, QTM_MATCH3_MAX_SLOTS),
    match4Slots: Math.min(slots, QTM_MATCH4_MAX_SLOTS),
    variableSlots: slots,
  };
}

/** A decoder for one Quantum folder at a time (reset() between folders). */
export function createQuantumDecoder(windowBits: number): BlockDecoder {
  return new QuantumDecoder(quantumWindowLayout(windowBits));
}

class QuantumDecoder implements BlockDecoder {
  private readonly layout: QuantumWindowLayout;
  private readonly window: Uint8Array;
  private readonly br = new MsbBitReader();
  private readonly literals: QuantumModel[];
  private readonly match3: QuantumModel;
  private readonly match4: QuantumModel;
  private readonly variable: QuantumModel;
  private readonly lengths: QuantumModel;
  private readonly selector: QuantumModel;
  private windowPos = 0;
  /** Refuses the folder's later blocks once one has failed. */
  private readonly latch = new FailedBlockLatch("Quantum");
  /** Bytes decoded so far in this folder. */
  private offset = 0;
  // Arithmetic coder: low, high and code value, 16 bits each.
  private low = 0;
  private high = 0;
  private code = 0;

  constructor(layout: QuantumWindowLayout) {
    this.layout = layout;
    this.window = new Uint8Array(layout.windowSize);
    this.literals = Array.from(
      { length: QTM_LITERAL_MODELS },
      (_, i) => new QuantumModel(i * QTM_LITERALS_PER_MODEL, QTM_LITERALS_PER_MODEL),
    );
    this.match3 = new QuantumModel(0, layout.match3Slots);
    this.match4 = new QuantumModel(0, layout.match4Slots);
    this.variable = new QuantumModel(0, layout.variableSlots);
    this.lengths = new QuantumModel(0, QTM_LENGTH_SLOTS);
    this.selector = new QuantumModel(0, QTM_SELECTORS);
  }

  reset(): void {
    this.latch.reset();
    for (const m of this.literals) m.reset();
    this.match3.reset();
    this.match4.reset();
    this.variable.reset();
    this.lengths.reset();
    this.selector.reset();
    this.windowPos = 0;
    this.offset = 0;
  }

  decompress(input: Uint8Array, outputSize: number): Uint8Array {
    return this.latch.run(() => this.decodeBlock(input, outputSize));
  }

  private decodeBlock(input: Uint8Array, outputSize: number): Uint8Array {
    if (!Number.isInteger(outputSize) || outputSize < 0 || outputSize > QTM_FRAME_SIZE) {
      fail(`a block expands to ${outputSize} bytes (at most ${QTM_FRAME_SIZE})`);
    }
    const out = new Uint8Array(outputSize);
    const br = this.br;
    br.start(input);
    if (outputSize === 0) return out;
    this.low = 0;
    this.high = 0xffff;
    this.code = br.read(16);

    const window = this.window;
    const mask = this.layout.windowSize - 1;
    let wpos = this.windowPos;
    let o = 0;
    while (o < outputSize) {
      const selector = this.decodeSymbol(this.selector);
      if (selector < QTM_LITERAL_MODELS) {
        const byte = this.decodeSymbol(this.literals[selector]!);
        window[wpos] = byte;
        wpos = (wpos + 1) & mask;
        out[o++] = byte;
        continue;
      }
      let length: number;
      let slot: number;
      if (selector === QtmSelector.match3) {
        length = QTM_MATCH3_LENGTH;
        slot = this.decodeSymbol(this.match3);
      } else if (selector === QtmSelector.match4) {
        length = QTM_MATCH4_LENGTH;
        slot = this.decodeSymbol(this.match4);
      } else {
        const lengthSlot = this.decodeSymbol(this.lengths);
        length =
          QTM_LENGTH_BASE[lengthSlot]! +
          br.read(QTM_LENGTH_EXTRA[lengthSlot]!) +
          QTM_VARIABLE_MIN_LENGTH;
        slot = this.decodeSymbol(this.variable);
      }
      const distance = QTM_OFFSET_BASE[slot]! + br.read(QTM_OFFSET_EXTRA[slot]!) + 1;
      if (o + length > outputSize) {
        fail(`a ${length}-byte match runs past the end of its ${outputSize}-byte frame`);
      }
      const produced = this.offset + o;
      if (distance > produced || distance > this.layout.windowSize) {
        fail(`a match reaches ${distance} bytes back, ${produced} decoded so far`);
      }
      let src = (wpos - distance) & mask;
      for (let i = 0; i < length; i++) {
        const byte = window[src]!;
        window[wpos] = byte;
        out[o++] = byte;
        src = (src + 1) & mask;
        wpos = (wpos + 1) & mask;
      }
    }
    this.windowPos = wpos;
    this.offset += outputSize;
    return out;
  }

  /** Decode one symbol with `model`, update the model and renormalise the coder. */
  private decodeSymbol(model: QuantumModel): number {
    const cum = model.cum;
    const total = cum[0]!;
    let low = this.low;
    let high = this.high;
    let code = this.code;
    const range = high - low + 1;
    // Where the code value falls on the model's cumulative scale.
    const target = Math.floor(((code - low + 1) * total - 1) / range);
    let i = 1;
    while (i < model.entries && cum[i]! > target) i++;
    const symbol = model.sym[i - 1]!;
    high = (low + Math.floor((cum[i - 1]! * range) / total) - 1) & 0xffff;
    low = (low + Math.floor((cum[i]! * range) / total)) & 0xffff;
    model.bump(i - 1);
    const br = this.br;
    for (;;) {
      const same = Math.clz32((low ^ high) << 16); // leading bits low and high share (32 if all)
      if (same > 0) {
        // Settled leading bits shift out together: n shifts, n new code bits.
        const n = Math.min(same, 16);
        low = (low << n) & 0xffff;
        high = ((high << n) | ((1 << n) - 1)) & 0xffff;
        code = ((code << n) | br.read(n)) & 0xffff;
        continue;
      }
      // Top bits differ. Underflow (low 01..., high 10...): drop the second bit and shift.
      if ((low & 0x4000) === 0 || (high & 0x4000) !== 0) break;
      code ^= 0x4000;
      low = (low & 0x3fff) << 1;
      high = (((high | 0x4000) << 1) | 1) & 0xffff;
      code = ((code << 1) | br.bit()) & 0xffff;
    }
    this.low = low;
    this.high = high;
    this.code = code;
    return symbol;
  }
}
