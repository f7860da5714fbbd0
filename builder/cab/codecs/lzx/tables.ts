/**
 * The fixed numbers of LZX as cabinets use it ([MS-CAB] 3.2 points to the LZX format; the
 * numbers are those of Microsoft's LZX and of libmspack's lzxd). Kept beside the codec
 * rather than in constants.ts because nothing else in the cabinet format uses them.
 */

/** Uncompressed bytes per LZX frame; in a cabinet one frame is one CFDATA block. */
export const LZX_FRAME_SIZE = 32768;
/** The shortest match; main-tree length header 0 means a match of 2 bytes. */
export const LZX_MIN_MATCH = 2;
/** Literal symbols in the main tree (bytes 0..255); match symbols follow them. */
export const LZX_NUM_CHARS = 256;
/** Length headers 0..6 are the length itself; 7 means "plus a length-tree symbol". */
export const LZX_NUM_PRIMARY_LENGTHS = 7;
/** Symbols the length tree codes (249), plus one spare slot as Microsoft's tables have. */
export const LZX_NUM_SECONDARY_LENGTHS = 249;
export const LZX_LENGTH_SYMBOLS = LZX_NUM_SECONDARY_LENGTHS + 1;
/** The pretree that codes tree lengths: 20 symbols, each length in 4 bits. */
export const LZX_PRETREE_SYMBOLS = 20;
export const LZX_PRETREE_LENGTH_BITS = 4;
/** Aligned-offset tree: 8 symbols (the low 3 offset bits), each length in 3 bits. */
export const LZX_ALIGNED_SYMBOLS = 8;
export const LZX_ALIGNED_LENGTH_BITS = 3;
/** Room past a tree's symbols that a run of lengths may spill into (libmspack's 64). */
export const LZX_LENGTH_SLACK = 64;
/** The literal whose presence in the main tree starts E8 call translation. */
export const LZX_E8_BYTE = 0xe8;
/** E8 translation covers the first 32768 frames (1 GiB) of a folder only. */
export const LZX_E8_MAX_FRAMES = 32768;
/** A frame of this size or less is never E8-translated (the last 10 bytes never are). */
export const LZX_E8_MIN_FRAME = 10;

/** Block types, in the 3-bit field that opens every block. */
export const LzxBlockType = {
  verbatim: 1,
  aligned: 2,
  uncompressed: 3,
} as const;
export type LzxBlockType = (typeof LzxBlockType)[keyof typeof LzxBlockType];

/** Pretree symbols with a meaning other than "length delta" (0..16). */
export const LzxPretreeSymbol = {
  /** 4 more bits: 4..19 zero lengths. */
  zerosShort: 17,
  /** 5 more bits: 20..51 zero lengths. */
  zerosLong: 18,
  /** 1 more bit: 4..5 copies of the next delta symbol's length. */
  same: 19,
} as const;

/** Position slots per window size, 2^15 .. 2^21 bytes (the main tree has 256 + 8 x slots). */
export const LZX_POSITION_SLOTS: Readonly<Record<number, number>> = {
  15: 30,
  16: 32,
  17: 34,
  18: 36,
  19: 38,
  20: 42,
  21: 50,
};

/** The most position slots any cabinet window has (window 2^21). */
const MAX_SLOTS = 51;

/**
 * Extra (footer) bits per position slot: 0,0,0,0,1,1,2,2,...,16,16 then 17 for the rest,
 * and each slot's base offset (the sum of the slot sizes before it).
 */
export const LZX_EXTRA_BITS: Uint8Array = (() => {
  const bits = new Uint8Array(MAX_SLOTS + 1);
  for (let i = 0, j = 0; i < MAX_SLOTS; i += 2) {
    bits[i] = j;
    bits[i + 1] = j;
    if (i !== 0 && j < 17) j++;
  }
  return bits;
})();

export const LZX_POSITION_BASE: Uint32Array = (() => {
  const base = new Uint32Array(MAX_SLOTS + 1);
  for (let i = 0, j = 0; i < MAX_SLOTS; i++) {
    base[i] = j;
    j += 1 << LZX_EXTRA_BITS[i]!;
  }
  return base;
})();
