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
import { CabError } from "../builder/cab/errors.js";
import { createLzxDecoder, lzxWindowLayout } from "../builder/cab/lzx.js";
import {
  decodeFolder,
  expectedMd5s,
  md5,
  type TestCabFolder,
  walkCab,
} from "./helpers/cab-blocks.js";
import { requirePeer, tempDir } from "./helpers/peers.js";

const corpus = fileURLToPath(new URL("../../../shared/corpus/libmspack/", import.meta.url));
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
function decodeHostile(windowBits: number, blocks: readonly [Uint8Array, number][]): string {
  const decoder = createLzxDecoder(windowBits);
  try {
    for (const [data, size] of blocks) {
      const out = decoder.decompress(data, size);
      if (out.length !== size) return "wrong size";
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
      fc.integer({ min: 15, max: 21 }),
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 32768 })), {
        minLength: 1,
        maxLength: 4,
      }),
      (w, blocks) => {
        const r = decodeHostile(w, blocks);
        return r === "ok" || r === "cab-error";
      },
    ),
    { seed: 0x1a2b, numRuns: 300 },
  );
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
