/**
 * `cabwright cab create`: PATHs relative to -C DIR in the order given, folders recursively
 * in sorted order, dates and attributes from the files, atomic output, exit 2 on bad input.
 */
import { chmod, mkdir, readdir, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { main } from "../builder/cli/main.js";
import { FIXED_DATE } from "./helpers/cab-fixtures.js";
import { requirePeer, run, tempDir } from "./helpers/peers.js";

async function tree(dir: string): Promise<string> {
  const src = join(dir, "src");
  await mkdir(join(src, "dir", "a"), { recursive: true });
  const files: [string, string, number][] = [
    ["top.txt", "top\n", 0o444],
    ["run.sh", "#!/bin/sh\n", 0o755],
    ["dir/b.txt", "b\n", 0o644],
    ["dir/a/c.bin", "c".repeat(40_000), 0o644],
    ["dir/Z.txt", "z\n", 0o644],
  ];
  for (const [name, data, mode] of files) {
    const p = join(src, name);
    await writeFile(p, data);
    await chmod(p, mode);
    await utimes(p, FIXED_DATE, FIXED_DATE);
  }
  return src;
}

/** gcab -lv rows: name, size, date, time, attributes. */
async function listing(cab: string): Promise<string[][]> {
  const r = await run(requirePeer("gcab"), ["-lv", cab]);
  return r.stdout
    .trim()
    .split("\n")
    .map((l) => l.split(" "));
}

test("cab create: order, recursion, dates and attributes from the files", async (t) => {
  const dir = await tempDir(t);
  const src = await tree(dir);
  const out = join(dir, "out", "pkg.cab");
  const code = await main(["cab", "create", out, "-C", src, "top.txt", "dir", "run.sh"]);
  t.is(code, 0);
  const rows = await listing(out);
  t.deepEqual(
    rows.map((r) => r[0]),
    ["top.txt", "dir\\Z.txt", "dir\\a\\c.bin", "dir\\b.txt", "run.sh"],
  );
  t.deepEqual(
    rows.map((r) => r.slice(2, 4).join(" ")),
    Array(5).fill("2018-01-06 15:19:42"),
  );
  // archive 0x20, + read-only 0x01 for top.txt, + exec 0x40 for run.sh
  t.deepEqual(
    rows.map((r) => r[4]),
    ["0x21", "0x20", "0x20", "0x20", "0x60"],
  );
  const x = await run(requirePeer("cabextract"), ["-t", out]);
  t.is(x.code, 0, x.stderr);
  t.deepEqual(await readdir(join(dir, "out")), ["pkg.cab"]);
});

test("cab create --compression none --max-size: a set of small cabinets", async (t) => {
  const dir = await tempDir(t);
  const src = await tree(dir);
  const out = join(dir, "set.cab");
  const code = await main([
    "cab",
    "create",
    out,
    "-C",
    src,
    "--compression",
    "none",
    "--max-size",
    "40000",
    "dir",
  ]);
  t.is(code, 0);
  const names = (await readdir(dir)).filter((n) => n.endsWith(".cab")).sort();
  t.deepEqual(names, ["set.cab", "set2.cab"]);
  const x = await run(requirePeer("cabextract"), ["-t", out]);
  t.is(x.code, 0, x.stdout + x.stderr);
});

for (const [what, args] of [
  ["a missing PATH", ["nope.txt"]],
  ["a PATH outside DIR", ["../elsewhere"]],
  ["a bad --max-size", ["--max-size", "lots", "top.txt"]],
  ["a bad --compression", ["--compression", "lzx:22", "top.txt"]],
] as const) {
  test(`cab create with ${what}: exit 2, no output`, async (t) => {
    const dir = await tempDir(t);
    const src = await tree(dir);
    const out = join(dir, "out");
    await mkdir(out);
    const code = await main(["cab", "create", join(out, "x.cab"), "-C", src, ...args]);
    t.is(code, 2);
    t.deepEqual(await readdir(out), []);
  });
}

test("cab create: a symlink loop is refused with exit 2", async (t) => {
  const dir = await tempDir(t);
  const src = await tree(dir);
  await symlink("..", join(src, "dir", "a", "up"));
  const out = join(dir, "loop.cab");
  t.is(await main(["cab", "create", out, "-C", src, "dir"]), 2);
  t.deepEqual(
    (await readdir(dir)).filter((n) => n.includes("loop")),
    [],
  );
});
