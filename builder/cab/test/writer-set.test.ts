/**
 * Cabinet sets (maxCabinetSize): parts named OUT.cab, OUT2.cab..., each within the size,
 * with prev/next names and files continued across cabinets (split data blocks, as FCI
 * writes them), read back by cabextract, 7-Zip and Wine's FDI.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { writeCabinet } from "@cabwright/cab";
import test from "ava";
import {
  content,
  expectedDigests,
  type FixtureFile,
  materialize,
  memoryInputs,
  standardFixture,
} from "../../../test/helpers/cab-fixtures.js";
import { checkSetWithPeers, testWith } from "../../../test/helpers/cab-peers.js";
import { tempDir } from "../../../test/helpers/peers.js";

/** The CFHEADER fields a set depends on, read back from the bytes. */
function setHeader(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = v.getUint16(30, true);
  let pos = 36;
  const sz = () => {
    const end = bytes.indexOf(0, pos);
    const s = new TextDecoder().decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const prev = flags & 1 ? [sz(), sz()] : undefined;
  const next = flags & 2 ? [sz(), sz()] : undefined;
  return {
    size: v.getUint32(8, true),
    files: v.getUint16(28, true),
    setId: v.getUint16(32, true),
    index: v.getUint16(34, true),
    prev: prev?.[0],
    next: next?.[0],
  };
}

for (const compression of ["mszip", "none"] as const) {
  test(`${compression}: a split set passes cabextract, 7zz and Wine`, async (t) => {
    const dir = await tempDir(t);
    const fixture = await standardFixture();
    const inputs = await materialize(join(dir, "in"), fixture);
    const out = join(dir, "pkg.cab");
    const max = compression === "mszip" ? 400_000 : 1_000_000;
    const result = await writeCabinet(out, inputs, {
      compression,
      maxCabinetSize: max,
      setId: 4242,
    });
    const paths = result.cabinets.map((c) => c.path);
    t.true(paths.length >= 3, `${paths.length} cabinets`);
    t.deepEqual(
      paths.map((p) => basename(p)),
      paths.map((_, i) => (i === 0 ? "pkg.cab" : `pkg${i + 1}.cab`)),
    );
    for (const [i, c] of result.cabinets.entries()) {
      const bytes = await readFile(c.path);
      const h = setHeader(bytes);
      t.is(bytes.length, c.size);
      t.is(h.size, c.size);
      t.true(c.size <= max, `${c.path} is ${c.size} bytes`);
      t.is(h.setId, 4242);
      t.is(h.index, i);
      t.is(h.prev, i > 0 ? basename(paths[i - 1]!) : undefined);
      t.is(h.next, i < paths.length - 1 ? basename(paths[i + 1]!) : undefined);
    }
    await checkSetWithPeers(t, paths, expectedDigests(fixture), dir);
  });
}

test("a file spanning three cabinets, and small files around it", async (t) => {
  const dir = await tempDir(t);
  const fixture: FixtureFile[] = [
    { name: "before.txt", data: content(40_000, "text", 21) },
    { name: "big.bin", data: content(700_000, "random", 22) },
    { name: "after-1.txt", data: content(3_000, "text", 23) },
    { name: "after-2.bin", data: content(32_768, "mixed", 24) },
    { name: "empty", data: new Uint8Array(0) },
  ];
  const inputs = await materialize(join(dir, "in"), fixture);
  const result = await writeCabinet(join(dir, "span.cab"), inputs, {
    maxCabinetSize: 250_000,
    reserve: { header: 20, folder: 4, data: 8 },
  });
  t.true(result.cabinets.length >= 3);
  await checkSetWithPeers(
    t,
    result.cabinets.map((c) => c.path),
    expectedDigests(fixture),
    dir,
  );
});

test("refuses a maxCabinetSize too small for one block, leaving no file", async (t) => {
  const dir = await tempDir(t);
  const inputs = await materialize(join(dir, "in"), [
    { name: "a.bin", data: content(100_000, "random", 1) },
  ]);
  await t.throwsAsync(writeCabinet(join(dir, "out", "tiny.cab"), inputs, { maxCabinetSize: 60 }), {
    name: "CabError",
    message: /maxCabinetSize 60 is too small/,
  });
  t.deepEqual(await readdir(join(dir, "out")), []);
});

test("a set is the same with threads 1 and 2", async (t) => {
  const dir = await tempDir(t);
  const fixture = await standardFixture();
  const one = await writeCabinet(join(dir, "one.cab"), memoryInputs(fixture), {
    maxCabinetSize: 300_000,
    threads: 1,
  });
  const two = await writeCabinet(join(dir, "two.cab"), memoryInputs(fixture), {
    maxCabinetSize: 300_000,
    threads: 2,
  });
  t.is(one.cabinets.length, two.cabinets.length);
  for (const [i, c] of one.cabinets.entries()) {
    const a = await readFile(c.path);
    const b = await readFile(two.cabinets[i]!.path);
    // Only the set's own names (one*.cab vs two*.cab) differ.
    t.is(a.length, b.length);
    t.true(
      Buffer.from(a)
        .toString("latin1")
        .replace(/one(\d*)\.cab/g, "X$1") ===
        Buffer.from(b)
          .toString("latin1")
          .replace(/two(\d*)\.cab/g, "X$1"),
      `cabinet ${i} differs`,
    );
  }
});

test("a source failing in the middle of a set leaves no file", async (t) => {
  const dir = await tempDir(t);
  const out = join(dir, "out");
  const files = [
    ...memoryInputs([{ name: "ok.bin", data: content(500_000, "random", 5) }]),
    {
      name: "bad.bin",
      size: 500_000,
      date: new Date(0),
      source: () =>
        (async function* () {
          yield content(200_000, "random", 6);
          throw new Error("disk on fire");
        })(),
    },
  ];
  await t.throwsAsync(writeCabinet(join(out, "s.cab"), files, { maxCabinetSize: 150_000 }), {
    name: "CabError",
    message: /bad\.bin.*disk on fire/,
  });
  t.deepEqual(await readdir(out), []);
});

test("more than 65,535 files: a set whose cabinets stay within the 16-bit counts", async (t) => {
  const dir = await tempDir(t);
  const fixture: FixtureFile[] = Array.from({ length: 65_600 }, (_, i) => ({
    name: `d${i % 50}/f${i}`,
    data: new TextEncoder().encode(String(i)),
  }));
  const r = await writeCabinet(join(dir, "many.cab"), memoryInputs(fixture), {
    maxCabinetSize: 100_000_000,
  });
  t.is(r.cabinets.length, 2);
  for (const c of r.cabinets) {
    const h = new DataView((await readFile(c.path)).buffer);
    t.true(h.getUint16(26, true) <= 65_533, "folders");
    t.true(h.getUint16(28, true) <= 65_535, "files");
  }
  await testWith(t, "cabextract", r.cabinets[0]!.path);
});
