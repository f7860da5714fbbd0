/**
 * Cabinets from our LZX encoder, for every window (15..21), E8 translation on and off and
 * both levels (28 cabinets of the same ~440 KB: Wine DLLs, random bytes, zeros, text, files
 * across frames, 40 small files), read by every reader that shares no code with it:
 * cabextract (its MD5s), 7-Zip, Wine's extrac32 (bytes compared: it exits 0 on a checksum
 * error) and the package stub under wine64 and wine32 (cabinet.dll's FDI, which decodes
 * each CFDATA with a fresh bit reader), and by our own decoder. Plus the structure the
 * format asks for: every cbUncomp 32768 but the last, every cbData <= 38912, random frames
 * as uncompressed blocks.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extractCabinet, type LzxLevel, openCabinet, writeCabinet } from "@cabwright/cab";
import anyTest, { type TestFn } from "ava";
import { assembleSfx } from "../builder/index.js";
import { walkCab } from "./helpers/cab-blocks.js";
import { expectedDigests, memoryInputs, treeDigests } from "./helpers/cab-fixtures.js";
import { sameTree } from "./helpers/cab-peers.js";
import { lzxTestContents } from "./helpers/lzx-inputs.js";
import { requirePeer, run, wineEnv, winePath } from "./helpers/peers.js";

interface Config {
  readonly windowBits: number;
  readonly e8: boolean;
  readonly level: LzxLevel;
  readonly name: string;
  readonly cab: string;
}

interface Ctx {
  dir: string;
  configs: Config[];
  want: Map<string, string>;
}
const test = anyTest as TestFn<Ctx>;

const FILES = lzxTestContents();

const cleanup: string[] = [];
test.after.always(() => Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true }))));

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "cabwright-lzx-peers-"));
  cleanup.push(dir);
  const configs: Config[] = [];
  for (let windowBits = 15; windowBits <= 21; windowBits++) {
    for (const e8 of [true, false]) {
      for (const level of ["fast", "best"] as const) {
        const name = `w${windowBits}-${e8 ? "e8" : "noe8"}-${level}`;
        const cab = join(dir, `${name}.cab`);
        await writeCabinet(cab, memoryInputs(FILES), {
          compression: { type: "lzx", windowBits, level, e8 },
          threads: 2,
        });
        configs.push({ windowBits, e8, level, name, cab });
      }
    }
  }
  t.context = { dir, configs, want: expectedDigests(FILES) };
});

test("every cbUncomp is 32768 but the last, every cbData <= 38912, random frames are uncompressed blocks", async (t) => {
  // random.bin starts at 65536 (after 64 KiB of text): frames 2 and 3 are all random.
  for (const c of t.context.configs) {
    const cab = walkCab(new Uint8Array(await readFile(c.cab)));
    t.is(cab.folders.length, 1);
    const folder = cab.folders[0]!;
    t.is(folder.typeCompress, 3 | (c.windowBits << 8), c.name);
    const blocks = folder.blocks;
    for (const [i, b] of blocks.entries()) {
      if (i < blocks.length - 1) t.is(b.uncompressedSize, 32768, `${c.name} block ${i}`);
      t.true(b.data.length <= 38912, `${c.name} block ${i}: cbData ${b.data.length}`);
    }
    for (const i of [2, 3]) {
      const d = blocks[i]!.data;
      // Block type 3 in the first 3 bits, 24-bit size 32768, pad, R0..R2, the bytes.
      t.is(d[1]! >>> 5, 3, `${c.name} frame ${i} is an uncompressed block`);
      t.is(d.length, 4 + 12 + 32768, `${c.name} frame ${i} size`);
    }
  }
});

test("our own decoder reads every cabinet back", async (t) => {
  for (const c of t.context.configs) {
    const cab = await openCabinet(c.cab);
    try {
      t.true((await cab.test()).ok, c.name);
    } finally {
      await cab.close();
    }
    const out = join(t.context.dir, `ours-${c.name}`);
    await extractCabinet(c.cab, out);
    sameTree(t, "cabextract", await treeDigests(out), t.context.want);
  }
});

test("cabextract -t passes every cabinet with the right MD5s", async (t) => {
  const cabextract = requirePeer("cabextract");
  for (const c of t.context.configs) {
    const r = await run(cabextract, ["-t", c.cab]);
    t.is(r.code, 0, `${c.name}: ${r.stderr}`);
    t.regex(r.stdout, /All done, no errors/);
    const got = new Map<string, string>();
    for (const m of r.stdout.matchAll(/^\s+(\S+)\s+OK\s+([0-9a-f]{32})$/gm)) {
      got.set(m[1]!.replaceAll("\\", "/"), m[2]!);
    }
    sameTree(t, "cabextract", got, t.context.want);
  }
});

test("7-Zip tests every cabinet", async (t) => {
  const sevenZip = requirePeer("7zz");
  for (const c of t.context.configs) {
    const r = await run(sevenZip, ["t", c.cab]);
    t.is(r.code, 0, `${c.name}: ${r.stdout}`);
    t.regex(r.stdout, /Everything is Ok/);
  }
});

test("Wine's extrac32 and the package stub (wine64 and wine32, cabinet.dll FDI) extract the same bytes", async (t) => {
  const wine = requirePeer("wine");
  const { dir, configs, want } = t.context;
  const lines = ["@echo off"];
  const outs: { label: string; dir: string }[] = [];
  for (const c of configs) {
    const x = join(dir, "wine", `extrac32-${c.name}`);
    await mkdir(x, { recursive: true });
    lines.push(`extrac32 /E /L ${winePath(x)} ${winePath(c.cab)}`);
    outs.push({ label: `extrac32 ${c.name}`, dir: x });
    for (const platform of ["x64", "x86"] as const) {
      const exe = join(dir, `${c.name}-${platform}.exe`);
      await assembleSfx({ platform, cabinetPath: c.cab, outPath: exe });
      const s = join(dir, "wine", `stub-${platform}-${c.name}`);
      lines.push(`${winePath(exe)} /quiet /x:${winePath(s)}`);
      outs.push({ label: `${platform} stub ${c.name}`, dir: s });
    }
  }
  const script = join(dir, "all.cmd");
  await writeFile(script, `${lines.join("\r\n")}\r\n`);
  const r = await run(wine, ["cmd", "/c", winePath(script)], { env: await wineEnv(), cwd: dir });
  t.is(r.code, 0, r.stderr);
  for (const o of outs) {
    const got = await treeDigests(o.dir).catch(() => new Map<string, string>());
    t.is(got.size, want.size, `${o.label}: ${got.size} of ${want.size} files`);
    sameTree(t, "wine", got, want);
  }
});
