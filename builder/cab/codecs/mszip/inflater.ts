/**
 * One zlib raw inflater kept open for a whole folder (or a worker's life), instead of the
 * new zlib stream, state and output buffer that each `inflateRawSync` call sets up: on
 * 32 KB MSZIP blocks that set-up cost as much as the inflating (100 MB of Wine's DLLs:
 * 0.53 s CPU per block with inflateRawSync, 0.27-0.30 s with this; docs/cab-reader.md).
 *
 * zlib forgets its window when reset, and Node sets no dictionary but the one it was
 * created with; so a block's history goes in ahead of it as a stored deflate block
 * (RFC 1951 3.2.4: BFINAL 0, LEN, NLEN, the bytes), after which the block's own deflate
 * data starts on a byte boundary, as MSZIP's does. zlib then holds the same window a
 * preset dictionary gives it, and decodes the block to the same bytes.
 *
 * It drives the zlib handle of a Node `InflateRaw` through the synchronous write that
 * Node's own `inflateRawSync` uses (`_handle.writeSync`, `_writeState`), which Node does
 * not document: when a Node lacks it, every block goes through `inflateRawSync`. Anything
 * but a clean decode to the declared size returns undefined, and the caller decodes that
 * block again with `inflateRawSync`, whose error words are the ones reported; so this is
 * only ever a faster way to the same result.
 */
import { constants, createInflateRaw, type InflateRaw } from "node:zlib";
import { MAX_BLOCK_UNCOMPRESSED, MSZIP_SIGNATURE } from "../../format/constants.js";

/** Deflate's window: how far back a block may refer. */
export const HISTORY_SIZE = 32768;
/** A stored block's header after the 3 header bits: LEN and NLEN (byte-aligned). */
const STORED_HEADER_SIZE = 5;
/** Room for the history and one block, plus a byte to see a block that says too little. */
const OUTPUT_SIZE = HISTORY_SIZE + MAX_BLOCK_UNCOMPRESSED + 1;

/** The parts of Node's zlib handle used here (node/lib/zlib.js, processChunkSync). */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
  reset(): void;
}
interface InflateRawInternals {
  readonly _handle: ZlibHandle | null;
  /** [available output, available input] after each write. */
  readonly _writeState: Uint32Array;
}

function openEngine(): Engine | undefined {
  const engine = createInflateRaw() as InflateRaw & Partial<InflateRawInternals>;
  // A damaged block destroys the stream with an error event: the caller words the error.
  engine.on("error", () => {});
  const handle = engine._handle;
  if (
    typeof handle?.writeSync !== "function" ||
    typeof handle.reset !== "function" ||
    !(engine._writeState instanceof Uint32Array)
  ) {
    engine.close();
    return undefined;
  }
  return engine as Engine;
}

type Engine = InflateRaw & InflateRawInternals;

/**
 * The one zlib stream of this thread, shared by every inflater: each block starts with a
 * reset and ends within one synchronous call, so none sees another's state. Null: this
 * Node lacks the handle.
 */
let shared: Engine | null | undefined;

function sharedEngine(): Engine | null {
  if (shared === undefined) shared = openEngine() ?? null;
  return shared;
}

export class MszipInflater {
  /** Two output buffers, used in turn: a block's history is the one before's output. */
  private readonly outputs: Uint8Array[] = [];
  private turn = 0;
  /** The last 32 KB of output (history included) of the last clean decode. */
  window: Uint8Array = new Uint8Array(0);
  private readonly storedHeader = new Uint8Array(STORED_HEADER_SIZE);

  /**
   * Decode `input` (a whole MSZIP block, "CK" first) after `history` (at most 32 KB) to
   * exactly `outputSize` bytes. Returns a view that stays valid until the call after next,
   * or undefined when the block did not decode cleanly to that size. `window` is then the
   * last 32 KB of history and block: the next block's history, valid as long.
   */
  inflate(input: Uint8Array, outputSize: number, history: Uint8Array): Uint8Array | undefined {
    if (input.length < 2 || (input[0]! | (input[1]! << 8)) !== MSZIP_SIGNATURE) return undefined;
    if (outputSize > MAX_BLOCK_UNCOMPRESSED || history.length > HISTORY_SIZE) return undefined;
    const engine = sharedEngine();
    const handle = engine?._handle;
    if (!engine || !handle) return undefined;
    this.outputs[this.turn] ??= new Uint8Array(OUTPUT_SIZE);
    const out = this.outputs[this.turn]!;
    if (history.buffer === out.buffer) return undefined; // it would be overwritten
    const state = engine._writeState;
    const flush = constants.Z_SYNC_FLUSH;
    handle.reset();
    const h = history.length;
    if (h > 0) {
      const hdr = this.storedHeader;
      hdr[0] = 0; // BFINAL = 0, BTYPE = 00 (stored), padded to the byte
      hdr[1] = h & 0xff; // LEN
      hdr[2] = h >>> 8;
      hdr[3] = ~h & 0xff; // NLEN
      hdr[4] = (~h >>> 8) & 0xff;
      handle.writeSync(flush, hdr, 0, STORED_HEADER_SIZE, out, 0, OUTPUT_SIZE);
      if (engine.destroyed) return lost(engine);
      handle.writeSync(flush, history, 0, h, out, 0, OUTPUT_SIZE);
      if (engine.destroyed) return lost(engine);
      if (state[0] !== OUTPUT_SIZE - h || state[1] !== 0) return lost(engine);
    }
    handle.writeSync(flush, input, 2, input.length - 2, out, h, OUTPUT_SIZE - h);
    if (engine.destroyed) return lost(engine);
    const produced = OUTPUT_SIZE - h - state[0]!;
    if (produced !== outputSize) return undefined;
    this.turn ^= 1;
    const end = h + produced;
    this.window = out.subarray(Math.max(0, end - HISTORY_SIZE), end);
    return out.subarray(h, end);
  }
}

/** zlib reported an error (or odd counts): drop the engine; the next block opens a new one. */
function lost(engine: Engine): undefined {
  if (!engine.destroyed) engine.close();
  shared = undefined;
  return undefined;
}
