/**
 * `cab.test()` on several threads (read/parallel-test.ts, issue 18) reports exactly what
 * the one-thread test does, for a sound MSZIP folder and for damaged ones: a block that
 * does not decode, a failed checksum before it, a cabinet cut short. cabextract agrees
 * on which are damaged.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type CabInputFile, openCabinet, writeCabinet } from "@cabwright/cab";
import test from "ava";
import { requirePeer, run, tempDir } from "./helpers/peers.js";

const DATE = new Date(Date.UTC(2012, 0, 2, 3, 4, 6));

/** Seeded bytes with some repetition: MSZIP blocks that refer back into their history. */
function bytes(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed + 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = i > 64 && x % 3 === 0 ? out[i - 1 - (x % 60)]! : 65 + ((x >>> 20) % 40);
  }
  return out;
}

/** Each CFDATA's offset in a one-folder cabinet without reserves. */
function blockOffsets(cab: Uint8Array): number[] {
  const view = new DataView(cab.buffer, cab.byteOffset, cab.byteLength);
  let pos = view.getUint32(36, true); // CFFOLDER.coffCabStart
  const count = view.getUint16(40, true); // CFFOLDER.cCFData
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(pos);
    pos += 8 + view.getUint16(pos + 4, true);
  }
  return out;
}

async function reports(path: string) {
  const out = [];
  for (const threads of [1, 2, 3]) {
    const cab = await openCabinet(path);
    try {
      out.push(await cab.test({ threads }));
    } finally {
      await cab.close();
    }
  }
  return out;
}

test("a test on several threads reports what the one-thread test does, sound or damaged", async (t) => {
  const cabextract = requirePeer("cabextract");
  const dir = await tempDir(t);
  const files: CabInputFile[] = [];
  // Letters first (they deflate to several batches, so workers take some), then bytes
  // whose blocks refer far back into their history.
  for (let i = 0; i < 12; i++) {
    const data = i < 3 ? letters(i, 1_500_000) : bytes(i, 900_000 + i * 7_777);
    files.push({
      name: `f${i}.bin`,
      source: () =>
        (async function* () {
          yield data;
        })(),
      size: data.length,
      date: DATE,
    });
  }
  const good = join(dir, "good.cab");
  await writeCabinet(good, files);
  const sound = await readFile(good);
  const at = blockOffsets(sound);
  t.true(at.length >= 300, `${at.length} blocks: enough for the threaded test`);

  const variants: [string, Uint8Array][] = [["sound", sound]];
  // Block 290's deflate bytes garbled, its checksum set to 0 ("none"): only decoding sees it.
  const garbled = Uint8Array.from(sound);
  garbled.fill(0, at[290]!, at[290]! + 4);
  garbled.fill(0xff, at[290]! + 12, at[290]! + 60);
  variants.push(["a block that does not decode", garbled]);
  // And block 7's checksum wrong as well: the earlier failure is the one reported.
  const both = Uint8Array.from(garbled);
  both[at[7]!] = both[at[7]!]! ^ 1;
  variants.push(["a bad checksum before it", both]);
  // Cut in the middle of block 299.
  variants.push(["cut short", sound.subarray(0, at[299]! + 100)]);

  for (const [label, bytes_] of variants) {
    const path = join(dir, `${label.replace(/ /g, "-")}.cab`);
    await writeFile(path, bytes_);
    const [one, two, three] = await reports(path);
    t.deepEqual(two, one, `${label}: 2 threads`);
    t.deepEqual(three, one, `${label}: 3 threads`);
    const r = await run(cabextract, ["-q", "-t", path]);
    t.is(one!.ok, r.code === 0, `${label}: cabextract -t agrees (${r.stderr.trim()})`);
    if (label === "a bad checksum before it") t.regex(one!.errors[0]!, /CFDATA 7 .*checksum/);
    if (label === "a block that does not decode") {
      t.regex(one!.errors[0]!, /CFDATA 290 of folder 0 at offset 0x[0-9a-f]+: MSZIP block/);
    }
  }
});

/** Seeded letters that deflate only to about 70%: many batches of compressed bytes. */
function letters(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed + 1;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = 65 + ((x >>> 16) % 40);
  }
  return out;
}

test("the workers decode their share: each thread names itself in the batches it answers", async (t) => {
  const dir = await tempDir(t);
  const files: CabInputFile[] = [];
  for (let i = 0; i < 6; i++) {
    const data = letters(100 + i, 2_000_000);
    files.push({
      name: `w${i}.bin`,
      source: () =>
        (async function* () {
          yield data;
        })(),
      size: data.length,
      date: DATE,
    });
  }
  const path = join(dir, "workers.cab");
  await writeCabinet(path, files);
  t.true((await readFile(path)).length > 4 << 20, "several batches of compressed bytes");
  for (const threads of [1, 2, 3]) {
    const byThread = new Map<number, number>();
    const cab = await openCabinet(path);
    let report: Awaited<ReturnType<typeof cab.test>>;
    try {
      report = await cab.test({
        threads,
        onBatch: ({ threadId, blocks }) =>
          byThread.set(threadId, (byThread.get(threadId) ?? 0) + blocks),
      });
    } finally {
      await cab.close();
    }
    t.true(report.ok, `${threads} threads: ${report.errors[0]}`);
    // Every block is answered once, by the calling thread (id 0) or a worker (its own id).
    const answered = [...byThread.values()].reduce((a, b) => a + b, 0);
    t.is(answered, report.blocks, `${threads} threads: every block answered once`);
    t.is(byThread.size, threads, `${threads} threads: ${[...byThread.keys()]} answered`);
    for (const [id, blocks] of byThread) {
      t.true(blocks > 0, `${threads} threads: thread ${id} decoded ${blocks} blocks`);
      if (threads === 1) t.is(id, 0);
    }
  }
});
