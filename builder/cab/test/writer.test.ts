/**
 * Cabinets we write open in every real reader (cabextract, 7-Zip, gcab, Wine's FDI)
 * and extract to the same bytes: none and MSZIP, the block-size edges, an empty file,
 * a UTF-8 name, many small files, several folders.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type CabCompression, writeCabinet } from "@cabwright/cab";
import test from "ava";
import {
  content,
  expectedDigests,
  type FixtureFile,
  materialize,
  memoryInputs,
  prng,
  standardFixture,
} from "../../../test/helpers/cab-fixtures.js";
import { checkWithPeers } from "../../../test/helpers/cab-peers.js";
import { tempDir } from "../../../test/helpers/peers.js";

for (const compression of ["none", "mszip"] as const satisfies readonly CabCompression[]) {
  test(`${compression}: the standard fixture passes cabextract, 7zz, gcab and Wine`, async (t) => {
    const dir = await tempDir(t);
    const fixture = await standardFixture();
    const inputs = await materialize(join(dir, "in"), fixture);
    const cab = join(dir, "out.cab");
    const result = await writeCabinet(cab, inputs, { compression });
    t.is(result.fileCount, fixture.length);
    t.is(result.folderCount, 1);
    t.is(result.cabinets.length, 1);
    t.is(result.cabinets[0]!.size, (await readFile(cab)).length);
    await checkWithPeers(t, cab, expectedDigests(fixture), dir);
  });
}

test("several folders (maxFolderSize) pass every reader", async (t) => {
  const dir = await tempDir(t);
  const fixture = await standardFixture();
  const inputs = await materialize(join(dir, "in"), fixture);
  const cab = join(dir, "folders.cab");
  const result = await writeCabinet(cab, inputs, { maxFolderSize: 150_000, threads: 2 });
  t.true(result.folderCount >= 4, `${result.folderCount} folders`);
  await checkWithPeers(t, cab, expectedDigests(fixture), dir);
});

test("reserve areas in header, folders and data blocks pass every reader", async (t) => {
  const dir = await tempDir(t);
  const fixture = (await standardFixture()).slice(0, 5);
  const inputs = await materialize(join(dir, "in"), fixture);
  const cab = join(dir, "reserve.cab");
  await writeCabinet(cab, inputs, {
    reserve: { header: 6144, folder: 7, data: 9 },
    maxFolderSize: 100_000,
  });
  await checkWithPeers(t, cab, expectedDigests(fixture), dir);
});

test("many small files (1200) pass cabextract, 7zz and gcab", async (t) => {
  const dir = await tempDir(t);
  const rnd = prng(42);
  const fixture: FixtureFile[] = [];
  for (let i = 0; i < 1200; i++) {
    const size = (rnd() * 600) | 0;
    fixture.push({
      name: `d${i % 17}/f${String(i).padStart(4, "0")}.txt`,
      data: content(size, i % 3 === 0 ? "random" : "text", i),
    });
  }
  const cab = join(dir, "many.cab");
  const result = await writeCabinet(cab, memoryInputs(fixture));
  t.is(result.fileCount, 1200);
  await checkWithPeers(t, cab, expectedDigests(fixture), dir, ["cabextract", "7zz", "gcab"]);
});

test("a cabinet of empty files only (a folder without data blocks) passes every reader", async (t) => {
  const dir = await tempDir(t);
  const fixture: FixtureFile[] = [
    { name: "a.txt", data: new Uint8Array(0) },
    { name: "sub/b.txt", data: new Uint8Array(0) },
  ];
  const cab = join(dir, "empty.cab");
  await writeCabinet(cab, await materialize(join(dir, "in"), fixture));
  await checkWithPeers(t, cab, expectedDigests(fixture), dir);
});

test("onProgress reports every input byte, in order", async (t) => {
  const dir = await tempDir(t);
  const fixture = (await standardFixture()).slice(0, 6);
  const seen: number[] = [];
  const r0 = fixture.reduce((n, f) => n + f.data.length, 0);
  const r = await writeCabinet(join(dir, "p.cab"), memoryInputs(fixture), {
    onProgress: (p) => {
      seen.push(p.bytesIn);
      t.is(p.totalBytes, r0);
    },
  });
  t.true(seen.length > 1);
  t.deepEqual(
    seen,
    [...seen].sort((a, b) => a - b),
  );
  t.is(seen.at(-1), r.uncompressedBytes);
});
