/**
 * The CLI's promise for user errors, across every command: exit 2 and one clear line
 * naming the file, never "internal error" or a stack trace.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { run, tempDir } from "./helpers/peers.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const cli = join(repo, "dist", "builder", "cli", "main.js");
const seed = join(repo, "manifest", "fse-sp2-hr2.yaml");

test("missing and wrong-kind inputs: exit 2, one line naming the file, no stack", async (t) => {
  const dir = await tempDir(t);
  const missing = (name: string) => join(dir, name);
  const text = join(dir, "notes.txt");
  await writeFile(text, "not a package, not a manifest\n");
  const cases: string[][] = [
    ["check", missing("m.yaml")],
    ["table", missing("m.yaml")],
    ["table", missing("p.exe")],
    ["table", missing("p.cab")],
    ["table", missing("p.build.json")],
    ["build", missing("m.yaml"), "--drop", dir],
    ["build", seed, "--drop", missing("drop")],
    ["verify", missing("p.exe"), "--manifest", seed],
    ["verify", missing("p.cab"), "--manifest", seed],
    ["verify", text, "--manifest", seed],
    ["diff", missing("a.yaml"), seed],
    ["diff", text, seed],
    ["cab", "list", missing("x.cab")],
    ["cab", "test", text],
    ["cab", "extract", missing("x.cab"), "-C", dir],
    ["cab", "create", join(dir, "out.cab"), missing("f.txt")],
    ["stamp", missing("f.dll"), "--version", "1.2.3.4"],
    ["stamp", text, "--version", "1.2.3.4"],
    ["inspect", missing("f.dll")],
    ["sfx", missing("x.cab"), "-o", join(dir, "x.exe")],
    ["locate", missing("p.exe")],
    ["init", "--from-kb", missing("kb.txt")],
    ["init", "--from-kb", text],
    ["init", "--from-drop", missing("drop")],
    ["report", missing("m.yaml")],
    ["report", text],
  ];
  for (const args of cases) {
    const r = await run(process.execPath, [cli, ...args]);
    const label = args.join(" ");
    t.is(r.code, 2, `${label}: ${r.stderr}`);
    // build's progress lines share stderr; the error is the one "cabwright:" line.
    const lines = r.stderr
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("cabwright"));
    t.is(lines.length, 1, `${label}: one line: ${r.stderr}`);
    t.notRegex(r.stderr, /internal error|\n\s+at /, `${label}: no stack trace`);
    t.true(
      r.stderr.includes(dir) || r.stderr.includes("notes.txt") || r.stderr.includes("m.yaml"),
      `${label}: names the file: ${r.stderr}`,
    );
  }
});

test("usage errors exit 2; --help and --version exit 0", async (t) => {
  for (const args of [["frob"], ["build"], ["table", seed, "--format", "xml"], ["cab", "list"]]) {
    const r = await run(process.execPath, [cli, ...args]);
    t.is(r.code, 2, args.join(" "));
    t.notRegex(r.stderr, /\n\s+at /);
  }
  for (const args of [["--help"], ["--version"], ["cab", "--help"], ["help", "build"]]) {
    const r = await run(process.execPath, [cli, ...args]);
    t.is(r.code, 0, args.join(" "));
    t.true(r.stdout.length > 0);
  }
});

test("a build whose --out is a file fails before any work with one line, exit 2", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "readme.txt"), "hello\n");
  const manifest = join(dir, "m.yaml");
  await writeFile(
    manifest,
    `package:
  name: tiny
  title: Tiny
  product: Tiny
  version: 1.0.0.0
  company: C
  copyright: X
files:
  - name: readme.txt
    version: Not Applicable
    platform: Not Applicable
    date: 2020-01-02
    time: "03:04"
`,
  );
  const notAFolder = join(dir, "out-file");
  await writeFile(notAFolder, "");
  const r = await run(process.execPath, [
    cli,
    "build",
    manifest,
    "--drop",
    dir,
    "--out",
    notAFolder,
  ]);
  t.is(r.code, 2, r.stderr);
  const lines = r.stderr
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("cabwright"));
  t.is(lines.length, 1, r.stderr);
  // The staging folder lives in --out, so it is refused before collecting anything.
  t.regex(
    lines[0]!,
    /out-file: cannot use it as the output folder \(EEXIST: it exists and is not a folder\)$/,
  );
  t.notRegex(r.stderr, /internal error|\n\s+at /);
});
