/**
 * One CLI (issue 16): --json on every command that reports, each object with its `schema`;
 * --quiet prints only problems and the data asked for, with the same exit code; output
 * folders are --out and output files -o/--output; a build's log lists each file once and
 * ends with one summary line.
 */
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { build } from "cabwright";
import { assertOneLine, cabwright, cliPath, tinyManifest } from "./helpers/cli.js";
import { run, tempDir } from "./helpers/peers.js";
import { SMALL_FILES, smallCase } from "./helpers/small-build.js";

/** The CLI with no CI service's variables (each test sets the ones it means). */
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.GITHUB_ACTIONS;
  delete env.TF_BUILD;
  delete env.CI;
  return { ...env, ...extra };
}

const cli = (args: readonly string[], env: NodeJS.ProcessEnv = plainEnv()) =>
  run(process.execPath, [cliPath, ...args], { env, timeout: 120_000 });

async function smallPackage(t: ExecutionContext) {
  const c = await smallCase(await tempDir(t));
  const r = await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  return { c, r };
}

/** Two problems: a three-part version (line 15, column 14) and an unknown key (16:5). */
const BAD_MANIFEST = tinyManifest("  - name: a.txt\n    version: 1.2.3\n    sise: 3\n", "bad");

test("check --json: ok with the package, or every problem as {file, line, column, message}", async (t) => {
  const dir = await tempDir(t);
  const { manifest } = await smallCase(dir);
  const ok = await cli(["check", manifest, "--json"]);
  t.is(ok.code, 0, ok.stderr);
  t.deepEqual(JSON.parse(ok.stdout), {
    schema: "cabwright.check/1",
    file: manifest,
    ok: true,
    package: "small",
    files: 3,
    plan: null,
    problems: [],
  });

  const bad = join(dir, "bad.yaml");
  await writeFile(bad, BAD_MANIFEST);
  const r = await cli(["check", bad, "--json"]);
  t.is(r.code, 2, "bad input keeps its exit code with --json");
  const report = JSON.parse(r.stdout) as {
    schema: string;
    ok: boolean;
    problems: { file: string; line: number; column: number; message: string }[];
  };
  t.like(report, { schema: "cabwright.check/1", ok: false });
  t.true(report.problems.length >= 2, r.stdout);
  for (const p of report.problems) {
    t.deepEqual(Object.keys(p), ["file", "line", "column", "message"]);
    t.is(p.file, bad);
    t.true(Number.isInteger(p.line) && p.line > 0 && Number.isInteger(p.column));
  }
  const version = report.problems.find((p) => p.message.includes("version"));
  t.like(version, { line: 15, column: 14 });
  t.regex(version?.message ?? "", /^files\[0\]\.version: /);
  const sise = report.problems.find((p) => p.message.includes("sise"));
  t.like(sise, { line: 16, column: 5 });
  // The same problems are the stderr lines, one each, as without --json.
  const lines = r.stderr.trim().split("\n");
  t.is(lines.length, report.problems.length);
  t.true(lines.every((l) => l.startsWith(`cabwright: ${bad}:`)));
});

test("--quiet: nothing on success, the problems on failure, the same exit codes", async (t) => {
  const { c, r } = await smallPackage(t);
  const dll = join(c.dir, "copy.dll");
  await copyFile(join(c.drop, "app.dll"), dll);
  const quietOk = [
    ["check", c.manifest, "--quiet"],
    ["verify", r.layout.exe, "-q"],
    ["cab", "test", r.layout.exe, "--quiet"],
    ["cab", "extract", r.layout.exe, "--out", join(c.dir, "x"), "--quiet"],
    ["stamp", dll, "--version", "1.2.3.5", "--quiet"],
    ["sfx", r.layout.cab, "-o", join(c.dir, "again.exe"), "--quiet"],
    ["cab", "create", join(c.dir, "new.cab"), "-C", c.drop, "readme.txt", "--quiet"],
  ];
  for (const args of quietOk) {
    const q = await cli(args);
    t.is(q.code, 0, `${args.join(" ")}: ${q.stderr}`);
    t.is(q.stdout, "", `${args.join(" ")}: nothing on stdout`);
    t.is(q.stderr, "", `${args.join(" ")}: nothing on stderr`);
  }
  // A build: no progress, no warning (Thumbs.db is unclaimed: a warning without -q), no summary.
  await writeFile(join(c.drop, "Thumbs.db"), "x");
  const b = await cli(["build", c.manifest, "--drop", c.drop, "--out", join(c.dir, "o2"), "-q"]);
  t.is(b.code, 0, b.stderr);
  t.is(b.stdout + b.stderr, "");
  // The data asked for still comes: --json, and a table.
  const j = await cli(["verify", r.layout.exe, "--json", "--quiet"]);
  t.is(j.code, 0);
  t.is(JSON.parse(j.stdout).schema, "cabwright.verify/2");
  const table = await cli(["table", c.manifest, "--format", "tsv", "--quiet"]);
  t.is(table.stdout.split("\n")[0], "name\tversion\tsize\tdate\ttime\tplatform");
  // A failure is as loud as ever, with its exit code.
  const bad = join(c.dir, "bad.yaml");
  await writeFile(bad, BAD_MANIFEST);
  const failed = await cli(["check", bad, "--quiet"]);
  t.is(failed.code, 2);
  t.regex(failed.stderr, /^cabwright: .*bad\.yaml:15:14 files\[0\]\.version: /m);
});

test("--json on build, cab test, cab extract, cab create, sfx and locate: one document with its schema", async (t) => {
  const { c, r } = await smallPackage(t);
  const parse = async (args: string[]) => {
    const res = await cli(args);
    t.is(res.code, 0, `${args.join(" ")}: ${res.stderr}`);
    return JSON.parse(res.stdout) as Record<string, unknown> & { schema: string };
  };
  const built = await parse([
    "build",
    c.manifest,
    "--drop",
    c.drop,
    "--out",
    join(c.dir, "b"),
    "--json",
  ]);
  t.is(built.schema, "cabwright.build/1");
  const record = built.record as {
    schema: string;
    files: { size: number }[];
    executable: { size: number };
  };
  t.is(record.schema, "cabwright.build-record/1");
  const summary = built.summary as Record<string, number>;
  t.deepEqual(Object.keys(summary), ["files", "bytesIn", "bytesOut", "ratio", "seconds"]);
  t.is(summary.files, 3);
  t.is(
    summary.bytesIn,
    record.files.reduce((n, f) => n + f.size, 0),
  );
  t.is(summary.bytesOut, record.executable.size);
  t.is(summary.ratio, Math.round((summary.bytesOut! / summary.bytesIn!) * 1000) / 1000);
  t.true(summary.seconds! >= 0);

  const tested = await parse(["cab", "test", r.layout.exe, "--json"]);
  t.like(tested, { schema: "cabwright.cab-test/1", ok: true, folders: 1 });
  t.deepEqual(
    (tested.files as { name: string; ok: boolean }[]).map((f) => [f.name, f.ok]),
    SMALL_FILES.map((n) => [n, true]),
  );
  const extracted = await parse([
    "cab",
    "extract",
    r.layout.exe,
    "--out",
    join(c.dir, "x"),
    "--json",
  ]);
  t.like(extracted, { schema: "cabwright.cab-extract/1", failed: [] });
  t.is((extracted.files as unknown[]).length, 3);
  const created = await parse([
    "cab",
    "create",
    join(c.dir, "n.cab"),
    "-C",
    c.drop,
    "readme.txt",
    "--json",
  ]);
  t.like(created, { schema: "cabwright.cab-create/1", fileCount: 1, folderCount: 1 });
  const listed = await parse(["cab", "list", r.layout.exe, "--json"]);
  t.is(listed.schema, "cabwright.cab-list/1");
  const sfx = await parse(["sfx", r.layout.cab, "-o", join(c.dir, "s.exe"), "--json"]);
  t.like(sfx, { schema: "cabwright.sfx/1", path: join(c.dir, "s.exe") });
  t.regex(String(sfx.payloadCrc), /^[0-9a-f]{8}$/);
  const located = await parse(["locate", r.layout.exe, "--json"]);
  t.like(located, { schema: "cabwright.locate/1", foundBy: "header", offset: listed.offset });
  // Without --json, locate says it in words.
  const words = await cli(["locate", r.layout.exe]);
  t.regex(words.stdout, /: cabinet at byte \d+, \d+ bytes \(where the package header says\)\n$/);
});

test("output folders are --out, output files -o/--output: sfx --out is refused, cab extract -C still works", async (t) => {
  const { c, r } = await smallPackage(t);
  assertOneLine(
    t,
    await cabwright(["sfx", r.layout.cab, "--out", join(c.dir, "p.exe")]),
    /^cabwright: sfx --out .*p\.exe: the package file is -o\/--output FILE \(--out names a folder in every command\)$/,
  );
  assertOneLine(t, await cabwright(["sfx", r.layout.cab]), /-o FILE/);
  const long = await cabwright(["sfx", r.layout.cab, "--output", join(c.dir, "p.exe")]);
  t.is(long.code, 0, long.stderr);
  const old = await cabwright(["cab", "extract", r.layout.exe, "-C", join(c.dir, "old")]);
  t.is(old.code, 0, old.stderr);
  t.regex(old.stdout, /extracted 3 files .* to .*old\n$/);
  const both = await cabwright(["cab", "extract", r.layout.exe, "-C", "a", "--out", "b"]);
  t.is(both.code, 2);
  t.regex(both.stderr, /cannot be used with option '--out/);
});

test("a build's CI log lists each file once and ends with one summary line", async (t) => {
  const { c } = await smallPackage(t);
  const r = await cli(
    ["build", c.manifest, "--drop", c.drop, "--out", join(c.dir, "ci")],
    plainEnv({ CI: "true" }),
  );
  t.is(r.code, 0, r.stderr);
  for (const name of [...SMALL_FILES, "small.exe", "small.cab", "small.build.json", "small.html"]) {
    const listed = r.stderr.split("\n").filter((l) => l.trim().startsWith(`${name} (`));
    t.is(listed.length, 1, `${name} once: ${r.stderr}`);
  }
  // Every stage starts and ends once, with its time.
  for (const stage of ["validate", "collect", "stage", "cabinet", "sfx", "verify", "publish"]) {
    t.regex(r.stderr, new RegExp(`^${stage}: done(, [\\d.]+ MB)? in [\\d.]+ s$`, "m"));
  }
  const out = r.stdout.trim().split("\n");
  t.is(out.length, 1, r.stdout);
  t.regex(
    out[0]!,
    /^built .*small\.exe: 3 files, [\d.]+ MB in \(\d+ bytes\), [\d.]+ MB out \(\d+ bytes\), [\d.]+% of the input, [\d.]+ s, sha256 [0-9a-f]{64}$/,
  );
});
