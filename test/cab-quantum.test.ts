/**
 * Quantum decoding against the real cabinets of libmspack's corpus, round trips through a
 * test-only Quantum encoder (every window size, model rescales and re-sorts, window wraps),
 * and hostile input: a CabError or output, quickly, never another exception.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import fc from "fast-check";
import { createQuantumDecoder, quantumWindowLayout } from "../builder/cab/codecs/quantum/decode.js";
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
import { requirePeer, tempDir } from "./helpers/peers.js";
import { type QuantumTestStream, quantumTestEncode } from "./helpers/quantum-writer.js";

const corpus = fileURLToPath(new URL("../../test/fixtures/libmspack/", import.meta.url));
const tsv = readFileSync(join(corpus, "expected-cabextract.tsv"), "utf8");
const QUANTUM = 2;

function quantumFolders(cab: ReturnType<typeof walkCab>): [number, TestCabFolder][] {
  return [...cab.folders.entries()].filter(([, f]) => (f.typeCompress & 0xf) === QUANTUM);
}

const windowOf = (folder: TestCabFolder) => (folder.typeCompress >>> 8) & 0x1f;

for (const name of ["mixed.cab", "mszip_lzx_qtm.cab"]) {
  test(`${name}: the Quantum folder's file has cabextract's MD5`, (t) => {
    const cab = walkCab(readFileSync(join(corpus, name)));
    const expected = expectedMd5s(tsv, name);
    const folders = quantumFolders(cab);
    t.is(folders.length, 1);
    for (const [index, folder] of folders) {
      const out = decodeFolder(folder, createQuantumDecoder(windowOf(folder)));
      const files = cab.files.filter((f) => f.folder === index);
      t.true(files.length > 0);
      for (const file of files) {
        const data = out.subarray(file.folderOffset, file.folderOffset + file.size);
        t.is(md5(data), expected.get(file.name) ?? "(no expected row)", file.name);
      }
    }
  });
}

test("window sizes 10..21 are accepted, others refused as invalid input", (t) => {
  t.deepEqual(
    [10, 12, 18, 21].map((w) => {
      const l = quantumWindowLayout(w);
      return [l.match3Slots, l.match4Slots, l.variableSlots];
    }),
    [
      [20, 20, 20],
      [24, 24, 24],
      [24, 36, 36],
      [24, 36, 42],
    ],
  );
  for (const bad of [9, 22, 0, 10.5]) {
    const err = t.throws(() => createQuantumDecoder(bad), { instanceOf: CabError });
    t.is(err?.kind, "invalid-input");
  }
});

/** Decode `blocks` with a fresh decoder: a CabError or output are both fine, nothing else. */
const decodeHostile = (windowBits: number, blocks: readonly (readonly [Uint8Array, number])[]) =>
  decodeWith(createQuantumDecoder(windowBits), blocks);

test("hostile: random bytes give a CabError or output, never another exception", (t) => {
  assertHostileBlocksAreSafe(createQuantumDecoder, {
    minWindow: 10,
    maxWindow: 21,
    maxBlockBytes: 400,
    maxBlocks: 3,
    seed: 0x9e37,
  });
  t.pass();
});

test("hostile: flipped bits and truncation of the corpus block", (t) => {
  const cab = walkCab(readFileSync(join(corpus, "mixed.cab")));
  const [[, folder]] = quantumFolders(cab) as [[number, TestCabFolder]];
  const block = folder.blocks[0]!;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(), fc.nat(7)), { minLength: 1, maxLength: 6 }),
      (flips) => {
        const copy = new Uint8Array(block.data);
        for (const [at, bit] of flips) copy[at % copy.length]! ^= 1 << bit;
        const r = decodeHostile(windowOf(folder), [[copy, block.uncompressedSize]]);
        return r === "ok" || r === "cab-error";
      },
    ),
    { seed: 0x51ed, numRuns: 300 },
  );
  t.is(
    decodeHostile(windowOf(folder), [[block.data.subarray(0, 10), block.uncompressedSize]]),
    "cab-error",
  );
  t.is(decodeHostile(windowOf(folder), [[new Uint8Array(0), 32768]]), "cab-error");
});

// ---- Streams written by the test-only encoder (test/helpers/quantum-writer.ts) ----

/** Deterministic pseudo-random bytes (xorshift32) from a small alphabet, with repeats. */
function textLike(length: number, seed: number, alphabet: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < length; i++) {
    const r = next();
    // Now and then copy an earlier stretch, near or far, so all match kinds occur.
    if (i > 600 && r % 23 === 0) {
      const len = 3 + (next() % 40);
      const from = i - 1 - (next() % Math.min(i - 1, 1 << (r % 22)));
      for (let k = 0; k < len && i < length; k++) out[i++] = out[from + k]!;
      i--;
    } else {
      out[i] = 32 + (r % alphabet);
    }
  }
  return out;
}

function decodeStream(windowBits: number, stream: QuantumTestStream): Uint8Array {
  const decoder = createQuantumDecoder(windowBits);
  const out = new Uint8Array(stream.sizes.reduce((a, b) => a + b, 0));
  let at = 0;
  stream.frames.forEach((frame, i) => {
    out.set(decoder.decompress(frame, stream.sizes[i]!), at);
    at += stream.sizes[i]!;
  });
  return out;
}

for (const windowBits of [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]) {
  test(`window 2^${windowBits}: several frames with every match kind round-trip`, (t) => {
    const data = textLike(windowBits >= 19 ? 200_000 : 100_000, windowBits, 60);
    const stream = quantumTestEncode(data, { windowBits });
    t.true(stream.frames.length >= 4);
    t.true(
      stream.matchCounts.every((n) => n > 50),
      `matches by kind: ${stream.matchCounts.join(", ")}`,
    );
    t.is(md5(decodeStream(windowBits, stream)), md5(data));
  });
}

test("literals only: 256 distinct bytes through the four literal models, with rescales", (t) => {
  const data = textLike(70_000, 7, 224).map((b, i) => (b * 7 + i) & 0xff);
  const stream = quantumTestEncode(data, { windowBits: 16, matches: false });
  t.is(md5(decodeStream(16, stream)), md5(data));
  // The same decoder, reset, decodes the same folder again.
  const decoder = createQuantumDecoder(16);
  for (let round = 0; round < 2; round++) {
    decoder.reset();
    const parts = stream.frames.map((f, i) => decoder.decompress(f, stream.sizes[i]!));
    t.is(md5(Buffer.concat(parts)), md5(data));
  }
});

test("property: random data and windows round-trip through the test encoder", (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 10, max: 21 }),
      fc.integer({ min: 1, max: 70_000 }),
      fc.integer({ min: 1, max: 224 }),
      fc.integer(),
      (windowBits, length, alphabet, seed) => {
        const data = textLike(length, seed, alphabet);
        const stream = quantumTestEncode(data, { windowBits });
        return md5(decodeStream(windowBits, stream)) === md5(data);
      },
    ),
    { seed: 0x7a11, numRuns: 30 },
  );
  t.pass();
});

test("cabextract (libmspack) decodes the test encoder's streams to the same bytes", async (t) => {
  const cabextract = requirePeer("cabextract");
  const dir = await tempDir(t);
  for (const windowBits of [10, 12, 14, 15, 16, 18, 20, 21]) {
    const data = textLike(120_000, windowBits + 100, 90);
    const stream = quantumTestEncode(data, { windowBits });
    const cabPath = join(dir, `q${windowBits}.cab`);
    const typeCompress = QUANTUM | (4 << 4) | (windowBits << 8);
    await writeFile(cabPath, buildTestCab(typeCompress, stream.frames, stream.sizes, "data.bin"));
    const theirs = execFileSync(cabextract, ["-q", "-p", cabPath], { maxBuffer: 8 << 20 });
    t.is(md5(theirs), md5(data), `window 2^${windowBits}`);
  }
});
