/**
 * `cab extract -C DIR` and links planted in DIR (issue 11): a folder link on the way is
 * refused (exit 2) before anything is written; a file link is replaced by the extracted
 * file, its target left untouched; legal names that start with ".." extract. Cabinets are
 * made by gcab; the links are real symbolic links.
 */
import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { extractCabinet } from "@cabwright/cab";
import test from "ava";
import { run, tempDir } from "./helpers/peers.js";
import { gcabFrom } from "./helpers/sfx.js";

const cli = fileURLToPath(new URL("../builder/cli/main.js", import.meta.url));

const FILES: ReadonlyArray<readonly [string, string]> = [
  ["a.txt", "from the cabinet a\n"],
  ["sub/b.txt", "from the cabinet b\n"],
  ["sub/deep/c.txt", "from the cabinet c\n"],
];

async function cabinet(dir: string, files = FILES): Promise<string> {
  const cab = join(dir, "t.cab");
  await gcabFrom(join(dir, "in"), cab, files);
  return cab;
}

test("a folder link planted in the target is refused (exit 2, one line) and nothing is written", async (t) => {
  const dir = await tempDir(t);
  const cab = await cabinet(dir);
  const outside = join(dir, "outside");
  await mkdir(outside);
  for (const planted of ["sub", "sub/deep"]) {
    const out = join(dir, `out-${planted.replace("/", "-")}`);
    await mkdir(planted === "sub" ? out : join(out, "sub"), { recursive: true });
    await symlink(outside, join(out, planted));
    const r = await run(process.execPath, [cli, "cab", "extract", cab, "-C", out]);
    t.is(r.code, 2, r.stderr);
    t.is(r.stderr.trim().split("\n").length, 1, r.stderr);
    t.regex(r.stderr, /is a symbolic link or junction, which this extraction did not create/);
    t.notRegex(r.stderr, /internal error|\n\s+at /);
    t.deepEqual(await readdir(outside), [], `${planted}: nothing written through the link`);
    t.false(existsSync(join(out, "a.txt")), `${planted}: refused before anything is written`);
  }
});

test("a file link planted in the target is replaced by the file; its target is untouched", async (t) => {
  const dir = await tempDir(t);
  const cab = await cabinet(dir);
  const victim = join(dir, "victim.txt");
  await writeFile(victim, "precious\n");
  const out = join(dir, "out");
  await mkdir(join(out, "sub"), { recursive: true });
  await symlink(victim, join(out, "a.txt"));
  await symlink(join(dir, "absent.txt"), join(out, "sub", "b.txt")); // dangling
  const report = await extractCabinet(cab, out);
  t.is(report.files.length, 3);
  t.is(await readFile(victim, "utf8"), "precious\n");
  t.false(existsSync(join(dir, "absent.txt")), "a dangling link's target is not created");
  for (const [name, data] of FILES) {
    t.false((await lstat(join(out, name))).isSymbolicLink(), name);
    t.is(await readFile(join(out, name), "utf8"), data, name);
  }
});

test('names that start with ".." ("..profile", "...") extract, as cabextract does', async (t) => {
  const dir = await tempDir(t);
  const cab = await cabinet(dir, [
    ["..profile", "p\n"],
    ["...", "dots\n"],
    ["..d/x.txt", "x\n"],
  ]);
  const out = join(dir, "out");
  const report = await extractCabinet(cab, out);
  t.is(report.files.length, 3);
  t.is(await readFile(join(out, "..profile"), "utf8"), "p\n");
  t.is(await readFile(join(out, "..."), "utf8"), "dots\n");
  t.is(await readFile(join(out, "..d", "x.txt"), "utf8"), "x\n");
});
