/**
 * The MSZIP decoder's kept-open inflater (codecs/mszip/inflater.ts) against one
 * `inflateRawSync` per block with the previous 32 KB as dictionary: the same bytes for
 * blocks that refer back into their history, and the same error words, block for block,
 * for damaged ones; the test path (zeros of the history's length) accepts and refuses the
 * same blocks.
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import {
  inflateMszipBlock,
  MszipDecoder,
  testMszipBlock,
} from "@cabwright/cab/internal/codecs/mszip/decode";
import { MszipInflater } from "@cabwright/cab/internal/codecs/mszip/inflater";
import test from "ava";

/** Seeded text with repeats reaching back across block boundaries. */
function text(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed + 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = i > 40_000 && x % 4 === 0 ? out[i - 20_000 - (x % 9_000)]! : 97 + ((x >>> 18) % 26);
  }
  return out;
}

/** MSZIP blocks of `data`, each deflated with the block before as dictionary. */
function mszipBlocks(data: Uint8Array): { input: Uint8Array; size: number }[] {
  const out = [];
  for (let at = 0; at < data.length; at += 32768) {
    const block = data.subarray(at, Math.min(at + 32768, data.length));
    const dict = data.subarray(Math.max(0, at - 32768), at);
    const deflated = deflateRawSync(block, dict.length > 0 ? { dictionary: dict } : {});
    const input = new Uint8Array(2 + deflated.length);
    input.set([0x43, 0x4b]);
    input.set(deflated, 2);
    out.push({ input, size: block.length });
  }
  return out;
}

/** The reference: one inflateRawSync per block, as the decoder did before the inflater. */
function reference(
  blocks: readonly { input: Uint8Array; size: number }[],
): (Uint8Array | string)[] {
  let history = new Uint8Array(0);
  return blocks.map((b) => {
    try {
      const out = inflateMszipBlock(b.input, b.size, history);
      const joined = new Uint8Array(history.length + out.length);
      joined.set(history);
      joined.set(out, history.length);
      history = joined.slice(Math.max(0, joined.length - 32768));
      return Uint8Array.from(out);
    } catch (err) {
      return (err as Error).message;
    }
  });
}

function decoded(blocks: readonly { input: Uint8Array; size: number }[]) {
  const decoder = new MszipDecoder();
  return blocks.map((b) => {
    try {
      return Uint8Array.from(decoder.decompress(b.input, b.size));
    } catch (err) {
      return (err as Error).message;
    }
  });
}

test("blocks that refer into their history decode to the bytes inflateRawSync gives", (t) => {
  const data = text(1, 20 * 32768 + 1234);
  const blocks = mszipBlocks(data);
  // The history is used: without it, a later block does not decode.
  t.throws(() =>
    inflateRawSync(blocks[5]!.input.subarray(2), { finishFlush: constants.Z_SYNC_FLUSH }),
  );
  const ref = reference(blocks);
  t.deepEqual(decoded(blocks), ref);
  const joined = new Uint8Array(data.length);
  let at = 0;
  for (const r of ref) {
    joined.set(r as Uint8Array, at);
    at += (r as Uint8Array).length;
  }
  t.deepEqual(joined, data);
});

test("damaged blocks fail in inflateRawSync's words, and the next decoder starts clean", (t) => {
  const blocks = mszipBlocks(text(2, 8 * 32768));
  const variants: [string, { input: Uint8Array; size: number }[]][] = [];
  const garble = blocks.map((b) => ({ ...b }));
  const g = Uint8Array.from(garble[3]!.input);
  g.fill(0xff, 10, 60);
  garble[3] = { input: g, size: garble[3]!.size };
  variants.push(["garbled", garble]);
  variants.push(["says more", blocks.map((b, i) => (i === 2 ? { ...b, size: b.size - 1 } : b))]);
  variants.push([
    "cut",
    blocks.map((b, i) => (i === 4 ? { ...b, input: b.input.subarray(0, 100) } : b)),
  ]);
  variants.push([
    "no CK",
    blocks.map((b, i) => (i === 1 ? { ...b, input: b.input.subarray(2) } : b)),
  ]);
  for (const [label, bs] of variants) {
    // Both go on after a failed block with the history they had before it.
    const ref = reference(bs);
    t.true(
      ref.some((r) => typeof r === "string"),
      `${label}: the reference fails a block`,
    );
    t.deepEqual(decoded(bs), ref, label);
  }
  // After the failures above, a fresh decoder still decodes sound blocks.
  t.deepEqual(decoded(blocks), reference(blocks));
});

test("the test path accepts and refuses what a full decode does", (t) => {
  const blocks = mszipBlocks(text(3, 6 * 32768));
  const inflater = new MszipInflater();
  let before = 0;
  for (const b of blocks) {
    t.notThrows(() => testMszipBlock(inflater, b.input, b.size, Math.min(32768, before)));
    before += b.size;
  }
  // Block 2 without its history: refers too far back, as inflateRawSync says.
  const b = blocks[2]!;
  const words = t.throws(() => testMszipBlock(inflater, b.input, b.size, 0))!.message;
  t.throws(() => inflateMszipBlock(b.input, b.size, new Uint8Array(0)), { message: words });
  t.regex(words, /distance too far back/);
});
