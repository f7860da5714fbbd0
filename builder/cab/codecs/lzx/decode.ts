/**
 * LZX decoding as Microsoft Cabinet folders use it (CFFOLDER.typeCompress 3, window 2^15 ..
 * 2^21). Not the LZX DELTA of [MS-PATCH] nor WIM's variant: this is the flavour makecab and
 * cabarc write and libmspack's lzxd reads.
 *
 * The stream, per folder:
 * - a header bit: E8 call translation on; if set, 32 bits of translation size (makecab
 *   writes 12000000);
 * - blocks (3-bit type, 24-bit uncompressed length): verbatim, aligned offset (verbatim plus
 *   an 8-symbol tree for the low 3 offset bits) or uncompressed (realign to 16 bits, R0..R2
 *   as 3 little-endian u32, raw bytes, a padding byte after an odd length). Blocks run on
 *   across frames; the main and length tree code lengths are delta coded against the
 *   previous block's, through a pretree.
 * - frames of 32768 output bytes; in a cabinet each CFDATA block is one frame and holds that
 *   frame's whole bitstream (16-bit little-endian words, most significant bit first), so
 *   each block is read with a fresh bit buffer, as Windows' FDI does. No match crosses a
 *   frame or block end.
 * - after decoding, each frame (while fewer than 32768 frames have gone by) has its E8
 *   (x86 CALL) operands turned back from absolute to relative, except in the last 10 bytes.
 *
 * Every loop is bounded: each symbol writes at least one output byte, and block headers and
 * trees consume input bits, of which the bit reader supplies only a few past the end.
 */

import { LZX_MAX_WINDOW_BITS, LZX_MIN_WINDOW_BITS } from "../../format/constants.js";
import { CabError } from "../../format/errors.js";
import { LzxBitReader, MAX_OVERREAD } from "../shared/bitstream.js";
import { type BlockDecoder, FailedBlockLatch } from "../shared/block-decoder.js";
import { HuffmanTable } from "../shared/huffman.js";
import {
  LZX_ALIGNED_LENGTH_BITS,
  LZX_ALIGNED_SYMBOLS,
  LZX_E8_BYTE,
  LZX_E8_MAX_FRAMES,
  LZX_E8_MIN_FRAME,
  LZX_EXTRA_BITS,
  LZX_FRAME_SIZE,
  LZX_LENGTH_SLACK,
  LZX_LENGTH_SYMBOLS,
  LZX_MIN_MATCH,
  LZX_NUM_CHARS,
  LZX_NUM_PRIMARY_LENGTHS,
  LZX_NUM_SECONDARY_LENGTHS,
  LZX_POSITION_BASE,
  LZX_POSITION_SLOTS,
  LZX_PRETREE_LENGTH_BITS,
  LZX_PRETREE_SYMBOLS,
  LzxBlockType,
  LzxPretreeSymbol,
} from "./tables.js";

/** How a window size shapes the stream: position slots and main-tree symbols. */
export interface LzxWindowLayout {
  readonly windowBits: number;
  readonly windowSize: number;
  readonly positionSlots: number;
  readonly mainTreeSymbols: number;
}

/** The layout for `windowBits` (15..21); a CabError of kind invalid-input otherwise. */
export function lzxWindowLayout(windowBits: number): LzxWindowLayout {
  const slots = LZX_POSITION_SLOTS[windowBits];
  if (!Number.isInteger(windowBits) || slots === undefined) {
    throw new CabError(
      "invalid-input",
      `LZX window of ${windowBits} bits (allowed ${LZX_MIN_WINDOW_BITS}..${LZX_MAX_WINDOW_BITS})`,
    );
  }
  return {
    windowBits,
    windowSize: 2 ** windowBits,
    positionSlots: slots,
    mainTreeSymbols: LZX_NUM_CHARS + slots * 8,
  };
}

/** A decoder for one LZX folder at a time (reset() between folders). */
export function createLzxDecoder(windowBits: number): BlockDecoder {
  return new LzxDecoder(lzxWindowLayout(windowBits));
}

function fail(message: string): never {
  throw new CabError("invalid-data", `LZX: ${message}`);
}

class LzxDecoder implements BlockDecoder {
  private readonly layout: LzxWindowLayout;
  private readonly window: Uint8Array;
  private readonly br = new LzxBitReader();
  private readonly pretree = new HuffmanTable("pretree", LZX_PRETREE_SYMBOLS);
  private readonly mainTree: HuffmanTable;
  private readonly lengthTree = new HuffmanTable("length", LZX_LENGTH_SYMBOLS, LZX_LENGTH_SLACK);
  private readonly alignedTree = new HuffmanTable("aligned", LZX_ALIGNED_SYMBOLS, 0, 7);

  // Folder state, reset by reset().
  private headerRead = false;
  private e8FileSize = 0;
  private e8Started = false;
  private blockType = 0;
  private blockLength = 0;
  private blockRemaining = 0;
  private r0 = 1;
  private r1 = 1;
  private r2 = 1;
  /** Where the next frame starts in the window. */
  private windowPos = 0;
  /** Refuses the folder's later blocks once one has failed. */
  private readonly latch = new FailedBlockLatch("LZX");
  /** Bytes decoded so far in this folder. */
  private offset = 0;
  private frames = 0;

  constructor(layout: LzxWindowLayout) {
    this.layout = layout;
    this.window = new Uint8Array(layout.windowSize);
    this.mainTree = new HuffmanTable("main", layout.mainTreeSymbols, LZX_LENGTH_SLACK);
  }

  reset(): void {
    this.latch.reset();
    this.headerRead = false;
    this.e8FileSize = 0;
    this.e8Started = false;
    this.blockType = 0;
    this.blockLength = 0;
    this.blockRemaining = 0;
    this.r0 = 1;
    this.r1 = 1;
    this.r2 = 1;
    this.windowPos = 0;
    this.offset = 0;
    this.frames = 0;
    this.mainTree.lengths.fill(0);
    this.lengthTree.lengths.fill(0);
  }

  decompress(input: Uint8Array, outputSize: number): Uint8Array {
    return this.latch.run(() => this.decodeBlock(input, outputSize));
  }

  private decodeBlock(input: Uint8Array, outputSize: number): Uint8Array {
    if (!Number.isInteger(outputSize) || outputSize < 0 || outputSize > LZX_FRAME_SIZE) {
      fail(`a block expands to ${outputSize} bytes (at most ${LZX_FRAME_SIZE})`);
    }
    const windowSize = this.layout.windowSize;
    if (this.windowPos === windowSize) this.windowPos = 0;
    const frameStart = this.windowPos;
    const frameEnd = frameStart + outputSize;
    if (frameEnd > windowSize) {
      fail(`a ${outputSize}-byte frame at window position ${frameStart} crosses the window end`);
    }
    const br = this.br;
    br.start(input);
    if (!this.headerRead) {
      this.headerRead = true;
      if (br.read(1) === 1) {
        const hi = br.read(16);
        const lo = br.read(16);
        this.e8FileSize = (hi << 16) | lo | 0;
      }
    }

    let pos = frameStart;
    while (pos < frameEnd) {
      if (this.blockRemaining === 0) this.readBlockHeader();
      const run = Math.min(this.blockRemaining, frameEnd - pos);
      const runEnd = pos + run;
      if (this.blockType === LzxBlockType.uncompressed) {
        if (br.bytesLeft() < run) fail("an uncompressed block's data ends early");
        this.window.set(input.subarray(br.pos, br.pos + run), pos);
        br.pos += run;
      } else {
        this.decodeRun(pos, runEnd, frameStart);
      }
      pos = runEnd;
      this.blockRemaining -= run;
    }

    const out = this.window.slice(frameStart, frameEnd);
    if (
      this.e8FileSize !== 0 &&
      this.e8Started &&
      this.frames < LZX_E8_MAX_FRAMES &&
      outputSize > LZX_E8_MIN_FRAME
    ) {
      undoE8(out, this.offset, this.e8FileSize);
    }
    this.windowPos = frameEnd;
    this.offset += outputSize;
    this.frames++;
    return out;
  }

  private readBlockHeader(): void {
    const br = this.br;
    // Leaving an odd-length uncompressed block: skip its padding byte.
    if (this.blockType === LzxBlockType.uncompressed && (this.blockLength & 1) === 1) br.pos++;
    const type = br.read(3);
    const hi = br.read(16);
    const lo = br.read(8);
    const length = (hi << 8) | lo;
    switch (type) {
      case LzxBlockType.aligned:
        for (let i = 0; i < LZX_ALIGNED_SYMBOLS; i++) {
          this.alignedTree.lengths[i] = br.read(LZX_ALIGNED_LENGTH_BITS);
        }
        this.alignedTree.build(false);
        this.readMainAndLengthTrees();
        break;
      case LzxBlockType.verbatim:
        this.readMainAndLengthTrees();
        break;
      case LzxBlockType.uncompressed: {
        // Nothing tells whether E8 bytes follow, so translation starts now.
        this.e8Started = true;
        br.alignToBytes();
        if (br.bytesLeft() < 12) fail("an uncompressed block's header ends early");
        const input = br.input;
        const readU32 = (p: number) =>
          (input[p]! | (input[p + 1]! << 8) | (input[p + 2]! << 16) | (input[p + 3]! << 24)) >>> 0;
        this.r0 = readU32(br.pos);
        this.r1 = readU32(br.pos + 4);
        this.r2 = readU32(br.pos + 8);
        br.pos += 12;
        break;
      }
      default:
        fail(`block type ${type} (known: 1 verbatim, 2 aligned offset, 3 uncompressed)`);
    }
    this.blockType = type;
    this.blockLength = length;
    this.blockRemaining = length;
  }

  private readMainAndLengthTrees(): void {
    const main = this.mainTree;
    this.readLengths(main, 0, LZX_NUM_CHARS);
    this.readLengths(main, LZX_NUM_CHARS, this.layout.mainTreeSymbols);
    main.build(false);
    if (main.lengths[LZX_E8_BYTE] !== 0) this.e8Started = true;
    this.readLengths(this.lengthTree, 0, LZX_NUM_SECONDARY_LENGTHS);
    this.lengthTree.build(true);
  }

  /**
   * Read code lengths [first, last) of `tree` through a fresh pretree; each is coded as a
   * change (mod 17) from the length the same symbol had before.
   */
  private readLengths(tree: HuffmanTable, first: number, last: number): void {
    const br = this.br;
    const pre = this.pretree;
    for (let i = 0; i < LZX_PRETREE_SYMBOLS; i++) pre.lengths[i] = br.read(LZX_PRETREE_LENGTH_BITS);
    pre.build(false);
    const lens = tree.lengths;
    let x = first;
    while (x < last) {
      const z = pre.decode(br);
      let run: number;
      let value: number;
      if (z === LzxPretreeSymbol.zerosShort) {
        run = br.read(4) + 4;
        value = 0;
      } else if (z === LzxPretreeSymbol.zerosLong) {
        run = br.read(5) + 20;
        value = 0;
      } else if (z === LzxPretreeSymbol.same) {
        run = br.read(1) + 4;
        const d = pre.decode(br);
        if (d > 16) fail(`pretree symbol ${d} where a length change was expected`);
        value = (lens[x]! + 17 - d) % 17;
      } else {
        lens[x] = (lens[x]! + 17 - z) % 17;
        x++;
        continue;
      }
      if (x + run > lens.length)
        fail(`a run of ${run} code lengths overflows the ${tree.name} tree`);
      lens.fill(value, x, x + run);
      x += run;
    }
  }

  /**
   * Decode verbatim or aligned-offset symbols into window[start, runEnd). The hot loop: the
   * bit buffer lives in locals (refilled to at least 17 bits before each field, which is the
   * widest), and Huffman lookups read the tables directly.
   */
  private decodeRun(start: number, runEnd: number, frameStart: number): void {
    const br = this.br;
    const input = br.input;
    const inEnd = input.length;
    const overreadEnd = inEnd + MAX_OVERREAD;
    let ip = br.pos;
    let buf = br.buf;
    let bits = br.bits;
    const window = this.window;
    const windowSize = this.layout.windowSize;
    const mask = windowSize - 1;
    const mainTable = this.mainTree.table;
    const mainBits = this.mainTree.maxLen;
    const lengthTable = this.lengthTree.table;
    const lengthBits = this.lengthTree.maxLen;
    const isAligned = this.blockType === LzxBlockType.aligned;
    const alignedTable = this.alignedTree.table;
    const alignedBits = this.alignedTree.maxLen;
    const produced0 = this.offset - frameStart;
    let r0 = this.r0;
    let r1 = this.r1;
    let r2 = this.r2;
    let pos = start;
    while (pos < runEnd) {
      while (bits < 17) {
        if (ip + 1 < inEnd) buf |= (input[ip]! | (input[ip + 1]! << 8)) << (16 - bits);
        else if (ip + 2 > overreadEnd) fail("data ends before its block is complete");
        else if (ip < inEnd) buf |= input[ip]! << (16 - bits);
        ip += 2;
        bits += 16;
      }
      let e = mainTable[buf >>> (32 - mainBits)]!;
      let len = e & 31;
      buf <<= len;
      bits -= len;
      const sym = e >>> 5;
      if (sym < LZX_NUM_CHARS) {
        window[pos++] = sym;
        continue;
      }
      const header = sym - LZX_NUM_CHARS;
      let length = header & 7;
      if (length === LZX_NUM_PRIMARY_LENGTHS) {
        if (lengthBits === 0) fail("a match needs the length tree, which is empty");
        while (bits < 17) {
          if (ip + 1 < inEnd) buf |= (input[ip]! | (input[ip + 1]! << 8)) << (16 - bits);
          else if (ip + 2 > overreadEnd) fail("data ends before its block is complete");
          else if (ip < inEnd) buf |= input[ip]! << (16 - bits);
          ip += 2;
          bits += 16;
        }
        e = lengthTable[buf >>> (32 - lengthBits)]!;
        len = e & 31;
        buf <<= len;
        bits -= len;
        length += e >>> 5;
      }
      length += LZX_MIN_MATCH;
      const slot = header >>> 3;
      let distance: number;
      if (slot > 2) {
        let extra = LZX_EXTRA_BITS[slot]!;
        distance = LZX_POSITION_BASE[slot]! - 2;
        if (isAligned && extra >= 3) {
          extra -= 3;
          if (extra > 0) {
            while (bits < 17) {
              if (ip + 1 < inEnd) buf |= (input[ip]! | (input[ip + 1]! << 8)) << (16 - bits);
              else if (ip + 2 > overreadEnd) fail("data ends before its block is complete");
              else if (ip < inEnd) buf |= input[ip]! << (16 - bits);
              ip += 2;
              bits += 16;
            }
            distance += (buf >>> (32 - extra)) << 3;
            buf <<= extra;
            bits -= extra;
          }
          while (bits < 17) {
            if (ip + 1 < inEnd) buf |= (input[ip]! | (input[ip + 1]! << 8)) << (16 - bits);
            else if (ip + 2 > overreadEnd) fail("data ends before its block is complete");
            else if (ip < inEnd) buf |= input[ip]! << (16 - bits);
            ip += 2;
            bits += 16;
          }
          e = alignedTable[buf >>> (32 - alignedBits)]!;
          len = e & 31;
          buf <<= len;
          bits -= len;
          distance += e >>> 5;
        } else if (extra > 0) {
          while (bits < 17) {
            if (ip + 1 < inEnd) buf |= (input[ip]! | (input[ip + 1]! << 8)) << (16 - bits);
            else if (ip + 2 > overreadEnd) fail("data ends before its block is complete");
            else if (ip < inEnd) buf |= input[ip]! << (16 - bits);
            ip += 2;
            bits += 16;
          }
          distance += buf >>> (32 - extra);
          buf <<= extra;
          bits -= extra;
        }
        r2 = r1;
        r1 = r0;
        r0 = distance;
      } else if (slot === 0) {
        distance = r0;
      } else if (slot === 1) {
        distance = r1;
        r1 = r0;
        r0 = distance;
      } else {
        distance = r2;
        r2 = r0;
        r0 = distance;
      }
      if (pos + length > runEnd) {
        fail(`a ${length}-byte match runs past the end of its block or frame`);
      }
      const produced = produced0 + pos;
      if (distance === 0 || distance > produced || distance > windowSize) {
        fail(`a match reaches ${distance} bytes back, ${produced} decoded so far`);
      }
      let src = (pos - distance) & mask;
      if (src + length <= windowSize && distance >= length) {
        window.copyWithin(pos, src, src + length);
        pos += length;
      } else if (src + length <= windowSize && distance >= 16) {
        // Overlapping: copy `distance` bytes at a time, each chunk already written.
        const end = pos + length;
        while (pos < end) {
          const n = Math.min(distance, end - pos);
          window.copyWithin(pos, src, src + n);
          pos += n;
          src += n;
        }
      } else {
        for (let i = 0; i < length; i++) {
          window[pos++] = window[src]!;
          src = (src + 1) & mask;
        }
      }
    }
    br.pos = ip;
    br.buf = buf;
    br.bits = bits;
    this.r0 = r0;
    this.r1 = r1;
    this.r2 = r2;
  }
}

/**
 * Undo E8 translation on one frame: an x86 CALL (E8) operand stored as an absolute target is
 * turned back into the relative displacement. `curpos` is the frame's offset in the folder.
 */
function undoE8(data: Uint8Array, curpos: number, fileSize: number): void {
  const limit = data.length - LZX_E8_MIN_FRAME;
  // indexOf is a native scan: E8 bytes are sparse, even in x86 code.
  for (let i = data.indexOf(LZX_E8_BYTE); i >= 0 && i < limit; i = data.indexOf(LZX_E8_BYTE, i)) {
    const cur = curpos + i;
    const abs = data[i + 1]! | (data[i + 2]! << 8) | (data[i + 3]! << 16) | (data[i + 4]! << 24);
    if (abs >= -cur && abs < fileSize) {
      const rel = abs >= 0 ? abs - cur : abs + fileSize;
      data[i + 1] = rel & 0xff;
      data[i + 2] = (rel >>> 8) & 0xff;
      data[i + 3] = (rel >>> 16) & 0xff;
      data[i + 4] = (rel >>> 24) & 0xff;
    }
    i += 5;
  }
}
