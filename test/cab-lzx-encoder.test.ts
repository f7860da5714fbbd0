/**
 * The LZX encoder on its own: complete, length-limited Huffman codes; a folder split into
 * jobs (each with the window before it as history, offsets unknown at its start, its first
 * trees coded by the folder's writer) decodes to the input, through our decoder and
 * cabextract, for seeded random inputs, windows, job sizes, levels and E8; the same bytes
 * for any thread count; bad settings refused in one line.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import fc from "fast-check";
import { LzxFolderRecords } from "../builder/cab/codecs/lzx/compress.js";
import { createLzxDecoder } from "../builder/cab/codecs/lzx/decode.js";
import { encodeLzxJob, LZX_ENCODER_REVISION } from "../builder/cab/codecs/lzx/encode.js";
import { codeLengths } from "../builder/cab/codecs/shared/huffman-encode.js";
import { parseCompression, writeCabinet } from "../builder/cab/index.js";
import type { LzxLevel } from "../builder/cab/write/writer-types.js";
import { filler } from "../builder/demo/version-resource.js";
import { md5 } from "./helpers/cab-blocks.js";
import { buildTestCabFolders, type TestCabFolderSpec } from "./helpers/cab-build.js";
import { content, memoryInputs } from "./helpers/cab-fixtures.js";
import { wineDll } from "./helpers/lzx-inputs.js";
import { requirePeer, run, tempDir } from "./helpers/peers.js";

const FRAME = 32768;

function kraft(lens: Uint8Array): number {
  let k = 0;
  for (const l of lens) if (l > 0) k += 2 ** -l;
  return k;
}

test("code lengths are complete and within the limit, even for skewed counts", (t) => {
  // Fibonacci counts make a Huffman code as deep as there are symbols: the limit must cut.
  const fib = [1, 1];
  while (fib.length < 40) fib.push(fib.at(-1)! + fib.at(-2)!);
  for (const [freqs, max] of [
    [fib, 16],
    [fib.slice(0, 20), 7],
    [fib.slice(0, 20), 15],
  ] as const) {
    const lens = codeLengths(freqs, max);
    t.true(Math.max(...lens) <= max);
    t.is(kraft(lens), 1);
  }
  fc.assert(
    fc.property(fc.array(fc.nat(1000), { minLength: 2, maxLength: 656 }), (freqs) => {
      const lens = codeLengths(freqs, 16);
      const used = freqs.filter((f) => f > 0).length;
      if (used === 0) return lens.every((l) => l === 0);
      return Math.max(...lens) <= 16 && kraft(lens) === 1;
    }),
    { seed: 14, numRuns: 200 },
  );
  // One used symbol still gets a complete code: two codes of one bit.
  t.deepEqual([...codeLengths([0, 0, 5, 0], 16)], [1, 0, 1, 0]);
  t.deepEqual([...codeLengths([7, 0, 0], 16)], [1, 1, 0]);
});

interface Encoded {
  readonly frames: Uint8Array[];
  readonly sizes: number[];
}

/** Encode `data` as one folder in jobs of `jobFrames` frames (as the writer does). */
function encodeInJobs(
  data: Uint8Array,
  windowBits: number,
  level: LzxLevel,
  e8: boolean,
  jobFrames: number,
): Encoded {
  const records = new LzxFolderRecords(windowBits, 0);
  const frames: Uint8Array[] = [];
  const sizes: number[] = [];
  const job = jobFrames * FRAME;
  for (let at = 0; at < data.length || at === 0; at += job) {
    const part = data.slice(at, Math.min(data.length, at + job));
    const history = at === 0 ? undefined : data.slice(Math.max(0, at - 2 ** windowBits), at);
    const r = encodeLzxJob({ windowBits, level, e8, data: part, history, folderOffset: at });
    const rec = records.records(r, part.length);
    let p = 0;
    for (const size of rec.recordSizes) {
      const record = rec.bytes.subarray(p, p + size);
      frames.push(record.subarray(8));
      sizes.push(record[6]! | (record[7]! << 8));
      p += size;
    }
    if (data.length === 0) break;
  }
  return { frames, sizes };
}

function decodeOurs(e: Encoded, windowBits: number): Uint8Array {
  const decoder = createLzxDecoder(windowBits);
  const out = new Uint8Array(e.sizes.reduce((n, s) => n + s, 0));
  let at = 0;
  for (const [i, frame] of e.frames.entries()) {
    out.set(decoder.decompress(frame, e.sizes[i]!), at);
    at += e.sizes[i]!;
  }
  return out;
}

/** Seeded input: pieces of text, random bytes, zeros, copies of earlier bytes, x86 code. */
const pieceArb = fc.record({
  kind: fc.constantFrom("text", "random", "zeros", "copy", "dll"),
  size: fc.integer({ min: 1, max: 60_000 }),
  seed: fc.nat(),
});
const dll = wineDll("amsi-x64.dll");

function buildInput(pieces: readonly { kind: string; size: number; seed: number }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const p of pieces) {
    let piece: Uint8Array;
    if (p.kind === "copy" && total > 0) {
      const all = Buffer.concat(parts);
      const from = p.seed % all.length;
      piece = all.subarray(from, Math.min(all.length, from + p.size));
    } else if (p.kind === "dll") {
      const from = p.seed % dll.length;
      piece = dll.subarray(from, Math.min(dll.length, from + p.size));
    } else {
      piece = content(p.size, p.kind === "copy" ? "text" : (p.kind as "text"), p.seed);
    }
    parts.push(piece);
    total += piece.length;
  }
  return new Uint8Array(Buffer.concat(parts));
}

test("seeded property: random inputs, windows, job sizes, levels and E8 round-trip through our decoder and cabextract", async (t) => {
  const dir = await tempDir(t);
  const cases: { spec: TestCabFolderSpec; data: Uint8Array; label: string }[] = [];
  fc.assert(
    fc.property(
      fc.array(pieceArb, { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 15, max: 21 }),
      fc.constantFrom<LzxLevel>("fast", "best"),
      fc.boolean(),
      fc.integer({ min: 1, max: 6 }),
      (pieces, windowBits, level, e8, jobFrames) => {
        const data = buildInput(pieces);
        const label = `${data.length} bytes, window ${windowBits}, ${level}, e8 ${e8}, jobs of ${jobFrames} frames`;
        const e = encodeInJobs(data, windowBits, level, e8, jobFrames);
        for (const [i, f] of e.frames.entries()) {
          if (f.length > 38912) throw new Error(`${label}: frame ${i} is ${f.length} bytes`);
          if (i < e.frames.length - 1 && e.sizes[i] !== FRAME) throw new Error(`${label}: size`);
        }
        const back = decodeOurs(e, windowBits);
        if (md5(back) !== md5(data)) throw new Error(`${label}: our decoder differs`);
        cases.push({
          spec: {
            typeCompress: 3 | (windowBits << 8),
            frames: e.frames,
            sizes: e.sizes,
            fileName: `case${cases.length}.bin`,
          },
          data,
          label,
        });
      },
    ),
    { seed: 1414, numRuns: 16 },
  );
  // All cases as the folders of one cabinet: one cabextract run judges them all.
  const cab = join(dir, "property.cab");
  await writeFile(cab, buildTestCabFolders(cases.map((c) => c.spec)));
  const r = await run(requirePeer("cabextract"), ["-t", cab]);
  t.is(r.code, 0, r.stdout + r.stderr);
  for (const c of cases) {
    t.regex(r.stdout, new RegExp(`${c.spec.fileName}\\s+OK\\s+${md5(c.data)}`), c.label);
  }
});

test("more frames of literals than a block holds (16): the block ends and the next begins", async (t) => {
  const dir = await tempDir(t);
  // Random low nibbles: no match pays, so each frame is 32768 literal tokens.
  const data = filler(20 * FRAME + 123, "nibbles");
  const folders: TestCabFolderSpec[] = [];
  for (const level of ["fast", "best"] as const) {
    const e = encodeInJobs(data, 17, level, true, 24);
    t.is(md5(decodeOurs(e, 17)), md5(data), level);
    folders.push({ typeCompress: 3 | (17 << 8), ...e, fileName: `${level}.bin` });
  }
  const cab = join(dir, "literals.cab");
  await writeFile(cab, buildTestCabFolders(folders));
  const r = await run(requirePeer("cabextract"), ["-t", cab]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(`fast.bin\\s+OK\\s+${md5(data)}`));
  t.regex(r.stdout, new RegExp(`best.bin\\s+OK\\s+${md5(data)}`));
});

test("a folder of several jobs is the same bytes for 1, 2 and 3 threads", async (t) => {
  const dir = await tempDir(t);
  // Just over one 4 MiB job: the second job's trees are coded against the first's.
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 26; i++) parts.push(dll, content(30_000, "text", i));
  const data = new Uint8Array(Buffer.concat(parts)).subarray(0, 4 * 1024 * 1024 + 300_001);
  const files = [{ name: "big.bin", data }];
  const digests: string[] = [];
  for (const threads of [1, 2, 3]) {
    const cab = join(dir, `t${threads}.cab`);
    await writeCabinet(cab, memoryInputs(files), {
      compression: { type: "lzx", windowBits: 21, level: "fast" },
      threads,
    });
    digests.push(md5(new Uint8Array(await readFile(cab))));
  }
  t.is(new Set(digests).size, 1, digests.join(" "));
  const r = await run(requirePeer("cabextract"), ["-t", join(dir, "t2.cab")]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`big.bin\\s+OK\\s+${md5(data)}`));
});

/**
 * LZX bytes depend only on our encoder: these digests change only when its output does, and
 * then LZX_ENCODER_REVISION (builder/cab/codecs/lzx/encode.ts) must change with them (and the peer tests pass).
 */
const GOLDEN_LZX: Record<LzxLevel, string> = {
  fast: "faab343f7d196f898804d8380b3cab0683cac3fbb7331a9980294c477b92f694",
  best: "d7c48d2edbc6899e9731259e23bc58a18e5382906a6d88a374130707a269fedc",
};

test(`golden LZX:21 cabinets (encoder revision ${LZX_ENCODER_REVISION})`, async (t) => {
  const dir = await tempDir(t);
  const files = [
    { name: "amsi.dll", data: dll },
    { name: "notes.txt", data: content(20_000, "text", 5) },
  ];
  for (const level of ["fast", "best"] as const) {
    const cab = join(dir, `${level}.cab`);
    await writeCabinet(cab, memoryInputs(files), {
      compression: { type: "lzx", windowBits: 21, level },
      threads: 2,
    });
    const digest = createHash("sha256")
      .update(await readFile(cab))
      .digest("hex");
    t.is(digest, GOLDEN_LZX[level], `${level}: the encoder's output changed`);
  }
});

test("an unsupported window or level is refused: the library throws, the CLI exits 2 in one line", async (t) => {
  const dir = await tempDir(t);
  const files = memoryInputs([{ name: "a.txt", data: content(1000, "text", 1) }]);
  for (const compression of [
    { type: "lzx" as const, windowBits: 22 },
    { type: "lzx" as const, windowBits: 14 },
    { type: "lzx" as const, windowBits: 21, level: "max" as LzxLevel },
  ]) {
    await t.throwsAsync(writeCabinet(join(dir, "x.cab"), files, { compression }), {
      name: "CabError",
      message: /LZX (window must be 15\.\.21 bits|level must be fast or best)/,
    });
  }
  t.throws(() => parseCompression("lzx:23"), { message: /15\.\.21 bits, got 23/ });
  t.throws(() => parseCompression("lzx", { level: "2" }), { message: /fast or best/ });

  const repo = fileURLToPath(new URL("../../", import.meta.url));
  const cli = join(repo, "dist", "builder", "cli", "main.js");
  await writeFile(join(dir, "a.txt"), "a\n");
  for (const args of [
    ["--compression", "lzx:14"],
    ["--compression", "lzx:x"],
    ["--compression", "lzx", "--level", "9"],
    ["--compression", "mszip", "--level", "best"],
  ]) {
    const r = await run(process.execPath, [
      cli,
      "cab",
      "create",
      join(dir, "o.cab"),
      ...args,
      "-C",
      dir,
      "a.txt",
    ]);
    t.is(r.code, 2, args.join(" "));
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("cabwright"));
    t.is(lines.length, 1, r.stderr);
    t.notRegex(r.stderr, /\n\s+at /);
  }
});
