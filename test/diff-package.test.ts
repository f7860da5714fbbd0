import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import test from "ava";
import fc from "fast-check";
import {
  dosFields,
  entryFacts,
  folderFacts,
  type PackageEntry,
} from "../builder/diff/package-side.js";
import { tempDir } from "./helpers/peers.js";
import { buildVersionedPe } from "./helpers/versioned-pe.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function blocksOf(stream: Uint8Array, cuts: number[]): () => AsyncIterable<Uint8Array> {
  const bounds = [...new Set([0, ...cuts.map((c) => c % (stream.length + 1)), stream.length])].sort(
    (a, b) => a - b,
  );
  return async function* () {
    for (let i = 0; i + 1 < bounds.length; i++) yield stream.subarray(bounds[i], bounds[i + 1]);
  };
}

test("one pass over a folder gives every file exactly its bytes, whatever the blocks and overlaps", async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 0, maxLength: 2000 }),
      fc.array(fc.tuple(fc.nat(2000), fc.nat(300)), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(2000), { maxLength: 20 }),
      async (stream, ranges, cuts) => {
        const files = ranges.map(([start, len], i) => {
          const offset = Math.min(start, stream.length);
          const size = Math.min(len, stream.length - offset);
          const entry: PackageEntry = { path: `f${i}.bin`, size, dosDate: 0x3cdd, dosTime: 0x9100 };
          return { entry, offset };
        });
        const facts = await folderFacts("t.cab", { blocks: blocksOf(stream, cuts), files });
        return files.every(
          ({ entry, offset }) =>
            facts.get(entry)?.sha256 === sha(stream.subarray(offset, offset + entry.size)) &&
            facts.get(entry)?.size === entry.size,
        );
      },
    ),
    { seed: 42, numRuns: 200 },
  );
  t.pass();
});

test("a folder shorter than its files is bad input naming the file", async (t) => {
  const entry: PackageEntry = { path: "dir\\x.dll", size: 10, dosDate: 0x3cdd, dosTime: 0 };
  await t.throwsAsync(
    folderFacts("p.cab", {
      blocks: blocksOf(new Uint8Array(4), []),
      files: [{ entry, offset: 0 }],
    }),
    { message: "p.cab: dir/x.dll needs bytes 0..10 of its folder, which holds only 4" },
  );
});

test("a PE read in a folder pass has the same facts as read alone", async (t) => {
  const dir = await tempDir(t);
  const pe = await readFile(
    await buildVersionedPe(dir, { name: "a.dll", arch: "x64", version: "1.2.3.4", dll: true }),
  );
  const data = Buffer.from("some data file\n");
  const stream = Buffer.concat([data, pe]);
  const peEntry: PackageEntry = {
    path: "x64\\a.dll",
    size: pe.length,
    dosDate: 0x3cdd,
    dosTime: 0x9100,
  };
  const dataEntry: PackageEntry = {
    path: "readme.txt",
    size: data.length,
    dosDate: 0x3cdd,
    dosTime: 0x9100,
  };
  const facts = await folderFacts("p.cab", {
    blocks: blocksOf(stream, [7, 1000, 32768]),
    files: [
      { entry: peEntry, offset: data.length },
      { entry: dataEntry, offset: 0 },
    ],
  });
  const alone = await entryFacts("p.cab", {
    ...peEntry,
    async *open() {
      yield pe;
    },
  });
  t.deepEqual(facts.get(peEntry), alone);
  t.like(alone, {
    path: "x64/a.dll",
    name: "a.dll",
    version: "1.2.3.4",
    platform: "x64",
    signed: false,
  });
  t.deepEqual(facts.get(dataEntry), {
    path: "readme.txt",
    name: "readme.txt",
    version: "Not Applicable",
    size: data.length,
    ...dosFields(0x3cdd, 0x9100),
    platform: "Not Applicable",
    sha256: sha(data),
  });
  t.deepEqual(dosFields(0x3cdd, 0x9100), { date: "2010-06-29", time: "18:08:00" });
});
