/**
 * Files given later (CabLateFile: the size is known only when the writer reaches the file,
 * as the build streams its stage into the cabinet): the cabinet is byte for byte the one
 * the same files give with their sizes up front, whatever the compression and wherever
 * the files end (a chunk's edge, empty files at the end, all empty); a `ready` that fails
 * leaves no cabinet; what late files cannot do is refused.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type CabCompression,
  type CabInputFile,
  type CabLateFile,
  writeCabinet,
} from "@cabwright/cab";
import test from "ava";
import {
  content,
  FIXED_DATE,
  type FixtureFile,
  materialize,
  sha256,
  standardFixture,
} from "../../../test/helpers/cab-fixtures.js";
import { tempDir } from "../../../test/helpers/peers.js";

/** Each input as a late file whose `ready` resolves after a few turns of the event loop. */
function late(inputs: readonly CabInputFile[], delayMs = 1): CabLateFile[] {
  return inputs.map((f) => ({
    name: f.name,
    date: f.date,
    ready: async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      return { source: f.source, size: f.size };
    },
  }));
}

async function sameBytes(
  t: import("ava").ExecutionContext,
  dir: string,
  fixture: readonly FixtureFile[],
  compression: CabCompression,
  mix = false,
) {
  const inputs = await materialize(join(dir, "in"), fixture);
  const known = join(dir, "known.cab");
  const later = join(dir, "late.cab");
  const a = await writeCabinet(known, inputs, { compression, threads: 2 });
  // mix: every other file late, the rest with their sizes.
  const lateInputs = late(inputs);
  const given = mix ? inputs.map((f, i) => (i % 2 ? lateInputs[i]! : f)) : lateInputs;
  const b = await writeCabinet(later, given, { compression, threads: 2 });
  t.is(sha256(await readFile(later)), sha256(await readFile(known)));
  t.deepEqual(
    { ...b, cabinets: b.cabinets.map((c) => c.size) },
    { ...a, cabinets: a.cabinets.map((c) => c.size) },
  );
}

const chunkEdge = (): FixtureFile[] => [
  // 8 blocks (one MSZIP chunk) exactly, then empty files at the end.
  { name: "a.bin", data: content(5 * 32768, "text", 11) },
  { name: "b.bin", data: content(3 * 32768, "mixed", 12) },
  { name: "c.txt", data: new Uint8Array(0) },
  { name: "d.txt", data: new Uint8Array(0) },
];

for (const compression of [
  "none",
  "mszip",
  { type: "lzx", windowBits: 15 },
] as const satisfies readonly CabCompression[]) {
  const label = typeof compression === "string" ? compression : "lzx:15";
  test(`${label}: late files give the bytes of the same files with their sizes`, async (t) => {
    await sameBytes(t, await tempDir(t), await standardFixture(), compression);
  });
  test(`${label}: a folder ending on a chunk's edge, with empty files after it`, async (t) => {
    await sameBytes(t, await tempDir(t), chunkEdge(), compression);
  });
}

test("late and sized files mixed; a cabinet of empty files only", async (t) => {
  await sameBytes(t, await tempDir(t), await standardFixture(), "mszip", true);
  await sameBytes(
    t,
    await tempDir(t),
    [
      { name: "x", data: new Uint8Array(0) },
      { name: "y", data: new Uint8Array(0) },
    ],
    "mszip",
  );
});

test("late files: a large folder (more chunks than jobs in flight; LZX: two 4 MiB jobs)", async (t) => {
  const fixture = Array.from({ length: 14 }, (_, i) => ({
    name: `f${i}.bin`,
    data: content(300_000 + i * 7777, i % 2 ? "text" : "mixed", 20 + i),
  }));
  await sameBytes(t, await tempDir(t), fixture, "mszip");
  await sameBytes(t, await tempDir(t), fixture, { type: "lzx", windowBits: 17 });
});

test("a late file whose ready fails: the error, and no cabinet left", async (t) => {
  const dir = await tempDir(t);
  const inputs = await materialize(join(dir, "in"), await standardFixture());
  const given = late(inputs).map((f, i) =>
    i === 4
      ? {
          ...f,
          ready: async (): Promise<never> => {
            throw new Error("staging failed (simulated)");
          },
        }
      : f,
  );
  const out = join(dir, "out");
  await t.throwsAsync(writeCabinet(join(out, "x.cab"), given), {
    message: "staging failed (simulated)",
  });
  t.deepEqual(await readdir(out), []);
});

test("a late file's size is checked against its source, and late files refuse a set or folder size", async (t) => {
  const dir = await tempDir(t);
  const [one] = await materialize(join(dir, "in"), [
    { name: "a.bin", data: content(1000, "text", 1) },
  ]);
  const wrong: CabLateFile = {
    name: "a.bin",
    date: FIXED_DATE,
    ready: async () => ({ source: one!.source, size: 999 }),
  };
  await t.throwsAsync(writeCabinet(join(dir, "w.cab"), [wrong]), {
    name: "CabError",
    message: /gave more than the 999 bytes declared/,
  });
  const ok = late([one!]);
  await t.throwsAsync(writeCabinet(join(dir, "s.cab"), ok, { maxCabinetSize: 100_000 }), {
    name: "CabError",
    message: /one cabinet of one folder/,
  });
  await t.throwsAsync(writeCabinet(join(dir, "f.cab"), ok, { maxFolderSize: 100_000 }), {
    name: "CabError",
    message: /one cabinet of one folder/,
  });
  const negative: CabLateFile = { ...ok[0]!, ready: async () => ({ source: "", size: -1 }) };
  await t.throwsAsync(writeCabinet(join(dir, "n.cab"), [negative]), {
    name: "CabError",
    message: /size must be an integer >= 0, got -1/,
  });
});
