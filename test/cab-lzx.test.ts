/**
 * LZX decoding against real cabinets (made by Microsoft's and others' tools, from libmspack's
 * test suite) and against cabextract, plus hostile input: every corruption gives a CabError
 * or some output, quickly, never another exception.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import fc from "fast-check";
import { createLzxDecoder, lzxWindowLayout } from "../builder/cab/codecs/lzx/decode.js";
import { CabError } from "../builder/cab/format/errors.js";
import {
  decodeFolder,
  expectedMd5s,
  md5,
  type TestCabFolder,
  walkCab,
} from "./helpers/cab-blocks.js";
import { buildTestCab } from "./helpers/cab-build.js";
import {
  assertHostileBlocksAreSafe,
  decodeHostile as decodeWith,
} from "./helpers/hostile-decode.js";
import {
  LzxBitWriter,
  type LzxTestBlockType,
  type LzxTestStream,
  lzxTestEncode,
  MIXED_BLOCK_PLAN,
} from "./helpers/lzx-writer.js";
import { requirePeer, tempDir } from "./helpers/peers.js";

const corpus = fileURLToPath(new URL("../../test/fixtures/libmspack/", import.meta.url));
const tsv = readFileSync(join(corpus, "expected-cabextract.tsv"), "utf8");
const LZX = 3;

function lzxFolders(cab: ReturnType<typeof walkCab>): [number, TestCabFolder][] {
  return [...cab.folders.entries()].filter(([, f]) => (f.typeCompress & 0xf) === LZX);
}

function windowOf(folder: TestCabFolder): number {
  return (folder.typeCompress >>> 8) & 0x1f;
}

for (const name of [
  "mixed.cab",
  "mszip_lzx_qtm.cab",
  "normal_2files_2folders.cab",
  "large-files-cab.cab",
]) {
  test(`${name}: every file of its LZX folders has cabextract's MD5`, (t) => {
    const cab = walkCab(readFileSync(join(corpus, name)));
    const expected = expectedMd5s(tsv, name);
    const folders = lzxFolders(cab);
    t.true(folders.length > 0, "the cabinet has an LZX folder");
    let checked = 0;
    for (const [index, folder] of folders) {
      const out = decodeFolder(folder, createLzxDecoder(windowOf(folder)));
      for (const file of cab.files.filter((f) => f.folder === index)) {
        const data = out.subarray(file.folderOffset, file.folderOffset + file.size);
        t.is(data.length, file.size, file.name);
        t.is(md5(data), expected.get(file.name) ?? "(no expected row)", file.name);
        checked++;
      }
    }
    t.true(checked > 0);
  });
}

test("the same decoder decodes a second folder after reset()", (t) => {
  const cab = walkCab(readFileSync(join(corpus, "mixed.cab")));
  const [[, folder]] = lzxFolders(cab) as [[number, TestCabFolder]];
  const decoder = createLzxDecoder(windowOf(folder));
  const first = decodeFolder(folder, decoder);
  decoder.reset();
  t.deepEqual(decodeFolder(folder, decoder), first);
});

test("windows of 2^15 and 2^21 (a cabinet inside large-files-cab.cab) agree with cabextract", async (t) => {
  const cabextract = requirePeer("cabextract");
  const outer = walkCab(readFileSync(join(corpus, "large-files-cab.cab")));
  const [[, outerFolder]] = lzxFolders(outer) as [[number, TestCabFolder]];
  const innerBytes = decodeFolder(outerFolder, createLzxDecoder(windowOf(outerFolder)));
  const dir = await tempDir(t);
  const innerPath = join(dir, "large-files.cab");
  await writeFile(innerPath, innerBytes);
  const inner = walkCab(innerBytes);
  const folders = lzxFolders(inner);
  t.deepEqual(
    folders.map(([, f]) => windowOf(f)),
    [15, 21],
  );
  // Each file is 2 GiB; the first 512 frames (16 MiB) wrap the 32 KiB window 512 times.
  const frames = 512;
  for (const [index, folder] of folders) {
    const ours = decodeFolder(folder, createLzxDecoder(windowOf(folder)), frames);
    const file = inner.files.find((f) => f.folder === index)!;
    const theirs = execFileSync(
      "sh",
      ["-c", `"$0" -q -p -F "$1" "$2" | head -c ${ours.length}`, cabextract, file.name, innerPath],
      { maxBuffer: ours.length + 1024 },
    );
    t.is(theirs.length, ours.length, file.name);
    t.is(md5(ours), md5(theirs), file.name);
  }
});

test("position slots per window size: 256 + 8 x slots main-tree symbols", (t) => {
  const slots = [15, 16, 17, 18, 19, 20, 21].map((w) => lzxWindowLayout(w).positionSlots);
  t.deepEqual(slots, [30, 32, 34, 36, 38, 42, 50]);
  t.is(lzxWindowLayout(21).mainTreeSymbols, 656);
  for (const bad of [14, 22, 0, 15.5]) {
    const err = t.throws(() => createLzxDecoder(bad), { instanceOf: CabError });
    t.is(err?.kind, "invalid-input");
  }
});

/** Decode `blocks` with a fresh decoder: a CabError or output are both fine, nothing else. */
const decodeHostile = (windowBits: number, blocks: readonly (readonly [Uint8Array, number])[]) =>
  decodeWith(createLzxDecoder(windowBits), blocks);

test("hostile: random bytes give a CabError or output, never another exception", (t) => {
  assertHostileBlocksAreSafe(createLzxDecoder, {
    minWindow: 15,
    maxWindow: 21,
    maxBlockBytes: 600,
    maxBlocks: 4,
    seed: 0x1a2b,
  });
  t.pass();
});

const realBlocks = (() => {
  const outer = walkCab(readFileSync(join(corpus, "large-files-cab.cab")));
  const [[, folder]] = lzxFolders(outer) as [[number, TestCabFolder]];
  return { window: windowOf(folder), blocks: folder.blocks.slice(0, 3) };
})();

test("hostile: flipped bits in real LZX blocks give a CabError or output", (t) => {
  const { window, blocks } = realBlocks;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(2), fc.nat(), fc.nat(7)), { minLength: 1, maxLength: 8 }),
      (flips) => {
        const copies = blocks.map((b) => new Uint8Array(b.data));
        for (const [block, at, bit] of flips) {
          const c = copies[block]!;
          c[at % c.length]! ^= 1 << bit;
        }
        const r = decodeHostile(
          window,
          copies.map((c, i) => [c, blocks[i]!.uncompressedSize]),
        );
        return r === "ok" || r === "cab-error";
      },
    ),
    { seed: 0x5eed, numRuns: 200 },
  );
  t.pass();
});

test("hostile: truncated real LZX blocks give a CabError", (t) => {
  const { window, blocks } = realBlocks;
  const first = blocks[0]!;
  for (const keep of [0, 1, 2, 7, 64, first.data.length >> 1, first.data.length - 8]) {
    const r = decodeHostile(window, [[first.data.subarray(0, keep), first.uncompressedSize]]);
    t.is(r, "cab-error", `first block cut to ${keep} bytes`);
  }
});

test("hostile: a block that claims more than 32768 bytes is refused", (t) => {
  const decoder = createLzxDecoder(15);
  const err = t.throws(() => decoder.decompress(new Uint8Array(16), 32769), {
    instanceOf: CabError,
  });
  t.is(err?.kind, "invalid-data");
});

// ---- Streams written by the test-only encoder (test/helpers/lzx-writer.ts) ----

/** Deterministic pseudo-random bytes (xorshift32). */
function noise(length: number, seed: number, alphabet = 256): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) % alphabet;
  }
  return out;
}

function decodeStream(windowBits: number, stream: LzxTestStream): Uint8Array {
  const decoder = createLzxDecoder(windowBits);
  const out = new Uint8Array(stream.sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  stream.frames.forEach((frame, i) => {
    out.set(decoder.decompress(frame, stream.sizes[i]!), at);
    at += stream.sizes[i]!;
  });
  return out;
}

/** Data whose start comes back `distance` bytes later: a match in the window's top slot. */
function farRepeat(distance: number, seed: number): Uint8Array {
  const head = noise(3000, seed);
  const data = new Uint8Array(distance + head.length);
  data.set(head, 0);
  data.set(noise(distance - head.length, seed + 1), head.length);
  data.set(head, distance);
  return data;
}

for (const windowBits of [15, 16, 17, 18, 19, 20, 21]) {
  for (const type of ["verbatim", "aligned"] as const) {
    test(`window 2^${windowBits}: a ${type} block with a match ${2 ** windowBits - 3} bytes back`, (t) => {
      const data = farRepeat(2 ** windowBits - 3, windowBits);
      const stream = lzxTestEncode(data, {
        windowBits,
        blocks: [{ type, size: data.length }],
        probe: 2 ** windowBits - 3,
      });
      const out = decodeStream(windowBits, stream);
      t.is(md5(out), md5(data));
      t.is(stream.farthest, 2 ** windowBits - 3, "the match in the top position slot was used");
      // The main tree's size depends on the window: a decoder for another window misreads it.
      if (windowBits < 21) {
        const other = windowBits + 1;
        const r = decodeHostile(
          other,
          stream.frames.map((f, i): [Uint8Array, number] => [f, stream.sizes[i]!]),
        );
        t.not(r, "ok", "a decoder for 2^" + other + " rejects a 2^" + windowBits + " stream");
      }
    });
  }
}

test("uncompressed blocks: odd lengths, padding bytes, frame-spanning, R0-R2 from the header", (t) => {
  for (const windowBits of [15, 16, 17, 18, 19, 20, 21]) {
    const data = noise(110_001, windowBits, 7);
    const plan = [
      { type: "uncompressed", size: 1 },
      { type: "verbatim", size: 999 },
      { type: "uncompressed", size: 40_001 }, // spans a frame end
      { type: "uncompressed", size: 25_535 }, // ends exactly at a frame end, odd length
      { type: "aligned", size: 10_000 },
      { type: "uncompressed", size: 32_767 },
      { type: "verbatim", size: 698 },
    ] as const;
    const stream = lzxTestEncode(data, { windowBits, blocks: plan });
    t.is(stream.frames.length, 4);
    t.is(md5(decodeStream(windowBits, stream)), md5(data), `window 2^${windowBits}`);
  }
});

test("E8 translation: CALL operands come back relative, in every block kind", (t) => {
  // Code-like data: many E8 bytes followed by small displacements, some out of range.
  const data = noise(100_000, 99, 40);
  for (let i = 0; i + 5 < data.length; i += 13) {
    data[i] = 0xe8;
    const rel = ((i * 7919) % 60_000) - 30_000;
    new DataView(data.buffer).setInt32(i + 1, i % 3 === 0 ? rel * 1000 : rel, true);
  }
  for (const type of ["verbatim", "aligned", "uncompressed"] as const) {
    const stream = lzxTestEncode(data, {
      windowBits: 16,
      e8FileSize: 12_000_000,
      blocks: [{ type, size: data.length }],
    });
    t.is(md5(decodeStream(16, stream)), md5(data), type);
  }
  // Without translation in the header, the same bytes come out untranslated.
  const plain = lzxTestEncode(data, {
    windowBits: 16,
    blocks: [{ type: "verbatim", size: data.length }],
  });
  t.is(md5(decodeStream(16, plain)), md5(data));
});

test("property: any data, block plan and window round-trips through the test encoder", (t) => {
  const blockType = fc.constantFrom("verbatim", "aligned", "uncompressed" as const);
  fc.assert(
    fc.property(
      fc.integer({ min: 15, max: 17 }),
      fc.array(fc.tuple(blockType, fc.integer({ min: 1, max: 40_000 })), {
        minLength: 1,
        maxLength: 5,
      }),
      fc.integer({ min: 2, max: 256 }),
      fc.boolean(),
      fc.integer(),
      (windowBits, plan, alphabet, e8, seed) => {
        const blocks = plan.map(([type, size]) => ({ type: type as LzxTestBlockType, size }));
        const data = noise(
          blocks.reduce((n, b) => n + b.size, 0),
          seed,
          alphabet,
        );
        const stream = lzxTestEncode(data, {
          windowBits,
          blocks,
          ...(e8 ? { e8FileSize: 12_000_000 } : {}),
        });
        return md5(decodeStream(windowBits, stream)) === md5(data);
      },
    ),
    { seed: 0x12ab, numRuns: 40 },
  );
  t.pass();
});

test("cabextract (libmspack) decodes the test encoder's streams to the same bytes", async (t) => {
  const cabextract = requirePeer("cabextract");
  const dir = await tempDir(t);
  const cases: { label: string; windowBits: number; data: Uint8Array; stream: LzxTestStream }[] =
    [];
  for (const windowBits of [15, 16, 17, 18, 19, 20, 21]) {
    const data = farRepeat(2 ** windowBits - 3, windowBits);
    const type = windowBits % 2 === 0 ? "aligned" : "verbatim";
    const blocks = [{ type, size: data.length }] as const;
    const probe = 2 ** windowBits - 3;
    const stream = lzxTestEncode(data, { windowBits, blocks, probe, e8FileSize: 12_000_000 });
    cases.push({ label: `far match, ${type}, 2^${windowBits}`, windowBits, data, stream });
  }
  const mixed = noise(110_001, 5, 7);
  for (let i = 0; i + 5 < mixed.length; i += 29) mixed[i] = 0xe8;
  for (const e8 of [false, true]) {
    const stream = lzxTestEncode(mixed, {
      windowBits: 17,
      blocks: MIXED_BLOCK_PLAN,
      ...(e8 ? { e8FileSize: 12_000_000 } : {}),
    });
    cases.push({ label: `block mix, E8 ${e8}`, windowBits: 17, data: mixed, stream });
  }
  for (const [i, c] of cases.entries()) {
    const cabPath = join(dir, `case${i}.cab`);
    await writeFile(
      cabPath,
      buildTestCab(LZX | (c.windowBits << 8), c.stream.frames, c.stream.sizes, "data.bin"),
    );
    const theirs = execFileSync(cabextract, ["-q", "-p", cabPath], { maxBuffer: 8 << 20 });
    t.is(md5(theirs), md5(c.data), c.label);
    t.is(md5(decodeStream(c.windowBits, c.stream)), md5(c.data), c.label);
  }
});

test("after a failed block the decoder refuses more until reset(), then decodes afresh", (t) => {
  const { window, blocks } = realBlocks;
  const decoder = createLzxDecoder(window);
  const first = blocks[0]!;
  t.throws(() => decoder.decompress(first.data.subarray(0, 9), first.uncompressedSize), {
    instanceOf: CabError,
  });
  const err = t.throws(() => decoder.decompress(first.data, first.uncompressedSize), {
    instanceOf: CabError,
  });
  t.regex(err?.message ?? "", /earlier block/);
  decoder.reset();
  const again = decoder.decompress(first.data, first.uncompressedSize);
  t.is(md5(again), md5(createLzxDecoder(window).decompress(first.data, first.uncompressedSize)));
});

test("hostile: endless empty blocks, bad block types, an uncompressed block past its data", (t) => {
  const cases: [string, (w: LzxBitWriter) => void][] = [
    // Verbatim blocks of length 0 carry no output: the reader runs out of input, boundedly.
    [
      "zero-length blocks",
      (w) => {
        w.bits(0, 1);
        for (let i = 0; i < 200; i++) {
          w.bits(3, 3);
          w.bits(0, 24);
          w.alignForUncompressed();
          w.raw(new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]));
        }
      },
    ],
    ["block type 0", (w) => w.bits(0b0000, 4)],
    ["block type 7", (w) => w.bits(0b0111, 4)],
    [
      "an uncompressed block that claims more bytes than the input holds",
      (w) => {
        w.bits(0, 1);
        w.bits(3, 3);
        w.bits(0, 16);
        w.bits(4, 8);
        w.alignForUncompressed();
        w.raw(new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 65, 66, 67, 68]));
        w.bits(3, 3);
        w.bits(0, 16);
        w.bits(200, 8);
      },
    ],
  ];
  for (const [label, write] of cases) {
    const w = new LzxBitWriter();
    write(w);
    const r = decodeHostile(15, [[w.finish(), 32768]]);
    t.is(r, "cab-error", label);
  }
});
