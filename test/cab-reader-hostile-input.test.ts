/**
 * The cabinet reader and hostile or self-contradicting input (issue 11). Cabinets are
 * made by gcab and then patched where a field is named; the near-header file is built
 * byte by byte. Cost is measured in bytes read (CabSource counts them), never in time.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { findCabinets } from "@cabwright/cab";
import test from "ava";
import { cabwright } from "./helpers/cli.js";
import { requirePeer, run, tempDir } from "./helpers/peers.js";
import { gcabFrom } from "./helpers/sfx.js";

const FILES: ReadonlyArray<readonly [string, string]> = [
  ["a.txt", "first file\n"],
  ["b.txt", "second file\n"],
];

async function gcabCabinet(dir: string, files = FILES): Promise<Buffer> {
  const cab = join(dir, "made.cab");
  await gcabFrom(join(dir, "in"), cab, files);
  return readFile(cab);
}

/** 4 MiB of near-headers, one every 64 bytes, each claiming 65,535 files that never parse. */
function nearHeaders(size: number): Buffer {
  const out = Buffer.alloc(size, 1);
  for (let at = 0; at + 64 <= size; at += 64) {
    const cabinetSize = size - at - 8;
    out.write("MSCF", at, "latin1");
    out.writeUInt32LE(0, at + 4);
    out.writeUInt32LE(cabinetSize, at + 8);
    out.writeUInt32LE(0, at + 12);
    out.writeUInt32LE(44, at + 16); // coffFiles: right after one CFFOLDER
    out.writeUInt32LE(0, at + 20);
    out[at + 24] = 3; // version 1.3
    out[at + 25] = 1;
    out.writeUInt16LE(1, at + 26); // cFolders
    out.writeUInt16LE(0xffff, at + 28); // cFiles
    out.writeUInt32LE(0, at + 30); // flags, setID
    out.writeUInt16LE(0, at + 34);
    out.writeUInt32LE(cabinetSize - 4, at + 36); // CFFOLDER: coffCabStart
    out.writeUInt16LE(1, at + 40);
    out.writeUInt16LE(0, at + 42);
  }
  return out;
}

test("--search over a file full of near-headers reads it a bounded number of times", async (t) => {
  const dir = await tempDir(t);
  const size = 4 << 20;
  const near = join(dir, "near.bin");
  const cab = await gcabCabinet(dir);
  await writeFile(near, Buffer.concat([nearHeaders(size), cab]));
  const stats = { bytesRead: 0 };
  const found = await findCabinets(near, { stats });
  t.deepEqual(found, [size], "the real cabinet after the near-headers is found");
  t.true(
    stats.bytesRead < 4 * (size + cab.length),
    `read ${stats.bytesRead} bytes of a ${size + cab.length}-byte file`,
  );
  const r = await cabwright(["cab", "list", "--search", near]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /2 files in 1 folders/);
});

test("cab list escapes control characters in names; --json keeps them exact", async (t) => {
  const dir = await tempDir(t);
  const evil = "evil\u001b[2Jname\u0007\u202e.txt";
  await gcabCabinet(dir, [[evil, "x"]]);
  const cab = join(dir, "made.cab");
  const r = await cabwright(["cab", "list", cab]);
  t.is(r.code, 0, r.stderr);
  t.false(/[\u0000-\u001f\u007f-\u009f\u202e]/.test(r.stdout.replaceAll("\n", "")), r.stdout);
  t.true(r.stdout.includes("evil\\x1b[2Jname\\x07\\u{202e}.txt"), r.stdout);
  const j = await cabwright(["cab", "list", "--json", cab]);
  t.is(JSON.parse(j.stdout).files[0].name, evil);
  const tested = await cabwright(["cab", "test", cab]);
  t.is(tested.code, 0, tested.stderr);
  t.false(tested.stdout.includes("\u001b"), tested.stdout);
});

test("cab test reports a file marked continued-from-previous in a single cabinet", async (t) => {
  const dir = await tempDir(t);
  const cab = await gcabCabinet(dir);
  const coffFiles = cab.readUInt32LE(16);
  cab.writeUInt16LE(0xfffd, coffFiles + 8); // first CFFILE's iFolder: continued from previous
  const path = join(dir, "contprev.cab");
  await writeFile(path, cab);
  const r = await cabwright(["cab", "test", path]);
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(
    r.stdout,
    /FAIL {2}a\.txt: is marked as starting in a previous cabinet, but this cabinet names none/,
  );
  t.regex(r.stdout, /OK {4}b\.txt/);
  t.regex(r.stderr, /cabwright: "a\.txt" is marked as starting in a previous cabinet.*not tested/);
});

test("a header that disagrees with itself extracts with a warning, as FDI reads it; libmspack refuses", async (t) => {
  const cabextract = requirePeer("cabextract");
  const dir = await tempDir(t);
  const good = await gcabCabinet(dir);
  const coff = Buffer.from(good);
  coff.writeUInt32LE(0x7fffffff, 16); // coffFiles far past the end
  const blocks = Buffer.from(good);
  blocks.writeUInt16LE(blocks.readUInt16LE(36 + 4) + 5, 36 + 4); // cCFData of folder 0: +5
  const cases: Array<[string, Buffer, RegExp]> = [
    [
      "coff.cab",
      coff,
      /coffFiles says the CFFILE table is at 0x7fffffff \(past the end of the file\)/,
    ],
    ["blocks.cab", blocks, /folder 0 says it has \d+ CFDATA blocks, but the file ends after \d+/],
  ];
  for (const [name, bytes, warning] of cases) {
    const path = join(dir, name);
    await writeFile(path, bytes);
    const out = join(dir, `out-${name}`);
    await mkdir(out);
    const r = await cabwright(["cab", "extract", path, "-C", out]);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, warning, name);
    for (const [f, data] of FILES) t.is(await readFile(join(out, f), "utf8"), data, `${name} ${f}`);
  }
  const tested = await cabwright(["cab", "test", join(dir, "coff.cab")]);
  t.regex(tested.stderr, /warning: .*coffFiles says/, "cab test shows the warning too");
  const peer = await run(cabextract, ["-t", join(dir, "coff.cab")]);
  t.not(peer.code, 0, "libmspack refuses the coffFiles one");
});
