/**
 * Quantum decoding against the real cabinets of libmspack's corpus, round trips through a
 * test-only Quantum encoder (every window size, model rescales and re-sorts, window wraps),
 * and hostile input: a CabError or output, quickly, never another exception.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import fc from "fast-check";
import { CabError } from "../builder/cab/errors.js";
import { createQuantumDecoder, quantumWindowLayout } from "../builder/cab/quantum.js";
import {
  decodeFolder,
  expectedMd5s,
  md5,
  type TestCabFolder,
  walkCab,
} from "./helpers/cab-blocks.js";

const corpus = fileURLToPath(new URL("../../../shared/corpus/libmspack/", import.meta.url));
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

function decodeHostile(windowBits: number, blocks: readonly [Uint8Array, number][]): string {
  const decoder = createQuantumDecoder(windowBits);
  try {
    for (const [data, size] of blocks) {
      if (decoder.decompress(data, size).length !== size) return "wrong size";
    }
    return "ok";
  } catch (err) {
    if (err instanceof CabError && err.kind === "invalid-data") return "cab-error";
    throw err;
  }
}

test("hostile: random bytes give a CabError or output, never another exception", (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 10, max: 21 }),
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 0, max: 32768 })), {
        minLength: 1,
        maxLength: 3,
      }),
      (w, blocks) => {
        const r = decodeHostile(w, blocks);
        return r === "ok" || r === "cab-error";
      },
    ),
    { seed: 0x9e37, numRuns: 300 },
  );
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
