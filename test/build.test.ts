import { copyFile, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import {
  build,
  defaultToolkit,
  formatTable,
  InputError,
  loadManifest,
  manifestTableRows,
  neutralDigest,
  packageRows,
  type Toolkit,
  verifyPackage,
} from "cabwright";
import { checkBuildRecord } from "../builder/pipeline/record-check.js";
import { demoBuild, removeDemoBuild, repo, seedManifest } from "./helpers/demo-build.js";
import { run, tempDir } from "./helpers/peers.js";

test.after.always(removeDemoBuild);

test("the demo package verifies, and its own table is the seed article's", async (t) => {
  const { result } = await demoBuild();
  const loaded = await loadManifest(seedManifest);
  const tk = defaultToolkit();
  const report = await verifyPackage(result.layout.exe, loaded, tk);
  t.deepEqual(report.mismatches, []);
  t.true(report.ok);
  t.is(report.files, 64);
  const want = formatTable(manifestTableRows(loaded.manifest), "tsv");
  t.is(formatTable(await packageRows(result.layout.exe, tk), "tsv"), want);
  t.is(formatTable(await packageRows(result.layout.cab, tk), "tsv"), want);
  t.is(formatTable(await packageRows(result.layout.record, tk), "tsv"), want);
  const article = await readFile(result.layout.article, "utf8");
  t.regex(article, /Adonavigator\.dll/);
  t.regex(article, /Hotfix Rollup 2/);
});

test("the build record: digests before and after stamping, tool and compressor", async (t) => {
  const { result, drop } = await demoBuild();
  const r = JSON.parse(await readFile(result.layout.record, "utf8"));
  t.is(r.schema, "cabwright.build-record/1");
  t.is(r.files.length, 64);
  t.truthy(r.tool.compressor.name);
  t.truthy(r.tool.compressor.version);
  // The bundled manifest asks for LZX:21 (fast): the record says so, and whose encoder.
  t.is(r.cabinet.compression, "lzx:21 fast");
  t.is(r.tool.compressor.name, "cabwright-lzx");
  const stamped = r.files.find((f: { name: string }) => f.name === "Adonavigator.dll");
  t.not(stamped.before.sha256, stamped.after.sha256);
  t.is(stamped.after.size, 421232);
  t.is(stamped.before.size, (await stat(join(drop, "Adonavigator.dll"))).size);
  t.regex(stamped.neutralSha256, /^[0-9a-f]{64}$/, "a PE has a neutral digest");
  const cab = r.files.find((f: { name: string }) => f.name === "Localenginemapping.cab");
  t.is(cab.neutralSha256, undefined, "a cabinet is not a PE: no neutral digest");
  // Stamping changed nothing but the version stamp: the drop file's neutral digest is the
  // shipped file's (diff's neutralDigest, a walk of its own over the PE).
  for (const f of r.files as { source: string; neutralSha256?: string }[]) {
    t.is(neutralDigest(await readFile(join(drop, f.source))), f.neutralSha256, f.source);
  }
  const asIs = r.files.find((f: { name: string }) => f.name === "Updspapi.dll");
  t.deepEqual(asIs.before, asIs.after);
  const exe = await readFile(result.layout.exe);
  const { createHash } = await import("node:crypto");
  t.is(r.executable.sha256, createHash("sha256").update(exe).digest("hex"));
  t.is(r.executable.size, exe.length);
  const text = JSON.stringify(r);
  t.false(text.includes("cabwright-build-"), "no staging path in the record");
  t.false(text.includes(drop), "no absolute drop path in the record");
});

test("two builds of the same manifest and drop are byte-identical", async (t) => {
  const first = await demoBuild();
  const out2 = await tempDir(t);
  const second = await build({ manifest: seedManifest, drop: first.drop, out: out2 });
  for (const name of [
    "fse-sp2-hr2.exe",
    "fse-sp2-hr2.cab",
    "fse-sp2-hr2.build.json",
    "fse-sp2-hr2.html",
  ]) {
    const a = await readFile(join(first.out, "fse-sp2-hr2", name));
    const b = await readFile(join(out2, "fse-sp2-hr2", name));
    t.true(a.equals(b), `${name} differs between two builds`);
  }
  t.deepEqual(
    (await readdir(join(out2, "fse-sp2-hr2"))).sort(),
    (await readdir(join(first.out, "fse-sp2-hr2"))).sort(),
  );
  const m = (await stat(second.layout.exe)).mtime.toISOString();
  t.is(m, "2010-07-14T15:31:00.000Z", "published mtime is the manifest's latest date");
});

test("a byte changed inside one file fails verify naming that file (and only it)", async (t) => {
  const { result } = await demoBuild();
  const dir = await tempDir(t);
  const exe = join(dir, "tampered.exe");
  const bytes = Buffer.from(await readFile(result.layout.exe));
  // 100 bytes from the end lie in the last data block, which holds only Updspapi.dll's end
  // (MSZIP blocks build on each other, so damage earlier in a folder also spoils what follows).
  const at = bytes.length - 100;
  bytes[at] = bytes[at]! ^ 0x55;
  await writeFile(exe, bytes);
  const report = await verifyPackage(exe, await loadManifest(seedManifest), defaultToolkit());
  t.false(report.ok);
  // The stub's own check comes first: the payload CRC-32 no longer matches (it exits 13).
  t.deepEqual(
    report.mismatches.map((m) => [m.path, m.field]),
    [
      ["tampered.exe", "payloadCrc"],
      ["Updspapi.dll", "data"],
    ],
    JSON.stringify(report.mismatches),
  );
});

test("a truncated cabinet fails verify naming the files whose data is gone", async (t) => {
  const { result } = await demoBuild();
  const dir = await tempDir(t);
  const cab = join(dir, "truncated.cab");
  const bytes = await readFile(result.layout.cab);
  await writeFile(cab, bytes.subarray(0, Math.floor(bytes.length * 0.95)));
  const report = await verifyPackage(cab, await loadManifest(seedManifest), defaultToolkit());
  t.false(report.ok);
  t.true(
    report.mismatches.some((m) => m.path === "Updspapi.dll" && m.field === "data"),
    JSON.stringify(report.mismatches.slice(0, 3)),
  );
  t.false(report.mismatches.some((m) => m.path === "Adonavigator.dll"));
});

/** A copy of the demo drop with three files, and a manifest for them. */
async function smallCase(t: Parameters<typeof tempDir>[0], rows: string) {
  const { drop } = await demoBuild();
  const dir = await tempDir(t);
  const small = join(dir, "drop");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(join(small, "bin"), { recursive: true });
  await copyFile(join(drop, "Adonavigator.dll"), join(small, "bin", "Adonavigator.dll"));
  await copyFile(join(drop, "Adonavigator64.dll"), join(small, "bin", "Adonavigator64.dll"));
  await copyFile(join(drop, "Updspapi.dll"), join(small, "Updspapi.dll"));
  await writeFile(join(small, "readme.txt"), "not claimed\n");
  const manifest = join(dir, "small.yaml");
  await writeFile(
    manifest,
    `package:
  name: small
  title: Small
  product: P
  version: 10.2.952.0
  company: C
  copyright: (c) C
defaults:
  version: 10.2.952.0
  date: 2010-06-29
  time: "18:08"
  platform: x86
files:
${rows}`,
  );
  return { dir, drop: small, manifest, out: join(dir, "out") };
}

const goodRows = `  - name: Adonavigator.dll
    source: bin/Adonavigator.dll
    size: 421232
  - name: Adonavigator64.dll
    source: bin/adonavigator64.DLL
    platform: x64
    size: 716144
  - name: Updspapi.dll
    version: 6.3.16.0
    size: 463720
    platform: x64
    stamp: false
`;

test("a small drop builds; unclaimed files are warnings", async (t) => {
  const c = await smallCase(t, goodRows);
  const warnings: string[] = [];
  const progress = { begin() {}, advance() {}, end() {}, warn: (m: string) => warnings.push(m) };
  const r = await build({ manifest: c.manifest, drop: c.drop, out: c.out, progress });
  t.is(r.record.files.length, 3);
  t.deepEqual(r.unclaimed, ["readme.txt"]);
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /readme\.txt is in the drop but no manifest entry claims it/);
});

const collectCases: [string, string, RegExp][] = [
  [
    "missing source",
    goodRows.replace("bin/Adonavigator.dll", "bin/Nothere.dll"),
    /^.*small\.yaml:\d+:\d+ files\[0\] \(Adonavigator\.dll\): source "bin\/Nothere\.dll" matches no file/,
  ],
  [
    "ambiguous glob",
    goodRows.replace("bin/Adonavigator.dll", "bin/*.dll"),
    /files\[0\] \(Adonavigator\.dll\): source "bin\/\*\.dll" matches 2 files in the drop \(bin\/Adonavigator\.dll, bin\/Adonavigator64\.dll\)/,
  ],
  [
    "wrong platform",
    goodRows.replace("    platform: x64\n    size: 716144", "    size: 716144"),
    /files\[1\] \(Adonavigator64\.dll\): platform is x86 in the manifest, but the file is a x64 PE/,
  ],
  [
    "wrong size (stamped)",
    goodRows.replace("size: 421232", "size: 421000"),
    /files\[0\] \(Adonavigator\.dll\): size is 421000 bytes in the manifest, but the stamped file has 421232 \(\+232\)/,
  ],
  [
    "wrong size (not stamped)",
    goodRows.replace("size: 463720", "size: 463721"),
    /files\[2\] \(Updspapi\.dll\): size is 463721 bytes in the manifest, but the drop's .* file has 463720 \(-1\)/,
  ],
];

for (const [what, rows, expected] of collectCases) {
  test(`collect: ${what} is one clear line naming the file and its manifest position`, async (t) => {
    const c = await smallCase(t, rows);
    const err = await t.throwsAsync(build({ manifest: c.manifest, drop: c.drop, out: c.out }), {
      instanceOf: InputError,
    });
    t.regex(err!.message, expected);
    t.false(err!.message.includes("\n"));
    t.deepEqual((err as InputError).details, []);
    await t.throwsAsync(stat(c.out), undefined, "nothing published");
  });
}

test("a failed build leaves the previous good output untouched", async (t) => {
  const c = await smallCase(t, goodRows);
  const first = await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  const dir = first.layout.dir;
  const snapshot = async () => {
    const names = (await readdir(dir)).sort();
    return Promise.all(
      names.map(async (n) => ({
        n,
        bytes: (await readFile(join(dir, n))).toString("base64"),
        mtime: (await stat(join(dir, n))).mtimeMs,
      })),
    );
  };
  const before = await snapshot();
  // A later stage failing (the SFX assembly) after earlier stages succeeded.
  const real = defaultToolkit();
  const failing: Toolkit = {
    ...real,
    assembleSfx: async () => {
      throw new Error("disk full (simulated)");
    },
  };
  await t.throwsAsync(build({ manifest: c.manifest, drop: c.drop, out: c.out, toolkit: failing }), {
    message: /^build failed in the sfx stage \(.*small was left as it was\): disk full/,
  });
  t.deepEqual(await snapshot(), before);
  // An early stage failing: the drop's file is now the wrong platform.
  await writeFile(
    join(c.drop, "bin", "Adonavigator.dll"),
    await readFile(join(c.drop, "Updspapi.dll")),
  );
  await t.throwsAsync(build({ manifest: c.manifest, drop: c.drop, out: c.out }), {
    instanceOf: InputError,
  });
  t.deepEqual(await snapshot(), before);
});

const cli = join(repo, "dist", "builder", "cli", "main.js");

test("CLI: table PACKAGE, verify (ok, and exit 1 with one line per mismatch), --json shapes", async (t) => {
  const { result } = await demoBuild();
  const node = process.execPath;
  const table = await run(node, [cli, "table", result.layout.exe, "--format", "tsv"]);
  const want = await run(node, [cli, "table", seedManifest, "--format", "tsv"]);
  t.is(table.code, 0, table.stderr);
  t.is(table.stdout, want.stdout);
  const ok = await run(node, [cli, "verify", result.layout.exe, "--manifest", seedManifest]);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /: ok \(64 files match /);

  const dir = await tempDir(t);
  const bad = join(dir, "bad.exe");
  const bytes = Buffer.from(await readFile(result.layout.exe));
  bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 1;
  await writeFile(bad, bytes);
  const v = await run(node, [cli, "verify", bad, "--manifest", seedManifest]);
  t.is(v.code, 1);
  t.regex(v.stdout, /^Updspapi\.dll: data: expected intact, found .*checksum/m);
  const j = await run(node, [cli, "verify", bad, "--manifest", seedManifest, "--json"]);
  t.is(j.code, 1);
  const report = JSON.parse(j.stdout);
  t.deepEqual(Object.keys(report), [
    "schema",
    "package",
    "manifest",
    "ok",
    "files",
    "mismatches",
    "plan",
    "checks",
    "contents",
  ]);
  t.like(report, { schema: "cabwright.verify/2", ok: false, files: 64 });
  t.deepEqual(Object.keys(report.mismatches[0]), ["path", "field", "expected", "found"]);
});

test("CLI: build --json prints the summary and the record; a bad drop is exit 2 with one line", async (t) => {
  const c = await smallCase(t, goodRows);
  const node = process.execPath;
  const b = await run(node, [cli, "build", c.manifest, "--drop", c.drop, "--out", c.out, "--json"]);
  t.is(b.code, 0, b.stderr);
  const printed = JSON.parse(b.stdout);
  t.is(printed.schema, "cabwright.build/1");
  const record = printed.record;
  t.is(record.schema, "cabwright.build-record/1");
  t.is(record.files.length, 3);
  t.regex(b.stderr, /^warning: .*readme\.txt is in the drop but no manifest entry claims it$/m);
  t.regex(b.stderr, /^cabinet: done/m, "plain progress lines when stderr is not a terminal");
  const missing = await run(node, [cli, "build", c.manifest, "--drop", join(c.dir, "nope")]);
  t.is(missing.code, 2);
  const errors = missing.stderr.split("\n").filter((l) => l.startsWith("cabwright:"));
  t.is(errors.length, 1, missing.stderr);
  t.regex(errors[0]!, /nope: the build drop is not a folder/);
});

test("SOURCE_DATE_EPOCH sets the published files' time and is recorded", async (t) => {
  const c = await smallCase(t, goodRows);
  const r = await build({
    manifest: c.manifest,
    drop: c.drop,
    out: c.out,
    sourceDateEpoch: "1700000000",
  });
  t.is(r.record.sourceDateEpoch, 1700000000);
  for (const f of [r.layout.exe, r.layout.cab, r.layout.record]) {
    t.is((await stat(f)).mtime.toISOString(), "2023-11-14T22:13:20.000Z", f);
  }
  await t.throwsAsync(
    build({ manifest: c.manifest, drop: c.drop, out: c.out, sourceDateEpoch: "soon" }),
    { instanceOf: InputError, message: /SOURCE_DATE_EPOCH is "soon"; expected whole seconds/ },
  );
});

test("verify against a manifest that differs names each file, field, expected and found", async (t) => {
  const { result } = await demoBuild();
  const dir = await tempDir(t);
  const text = await readFile(seedManifest, "utf8");
  const changed = text
    .replace(
      "  - name: Adonavigator.dll\n    size: 421232",
      "  - name: Adonavigator.dll\n    size: 421233",
    )
    .replace("version: 6.3.16.0", "version: 6.3.17.0")
    .replace('    date: 2010-07-14\n    time: "15:31"', '    date: 2010-07-15\n    time: "15:32"');
  t.not(changed, text);
  const m = join(dir, "changed.yaml");
  await writeFile(m, changed);
  const report = await verifyPackage(result.layout.exe, await loadManifest(m), defaultToolkit());
  t.deepEqual(
    report.mismatches.map((x) => [x.path, x.field, x.expected, x.found]),
    [
      ["Adonavigator.dll", "size", "421233", "421232"],
      ["Sfxcab.exe", "date", "2010-07-15", "2010-07-14"],
      ["Sfxcab.exe", "time", "15:32:00", "15:31:00"],
      ["Updspapi.dll", "version", "6.3.17.0", "6.3.16.0"],
    ],
  );
});

test("verify and table refuse what is not a package, in one line", async (t) => {
  const dir = await tempDir(t);
  const notPe = join(dir, "notes.exe");
  await writeFile(notPe, "just text\n");
  const node = process.execPath;
  for (const args of [
    ["verify", notPe, "--manifest", seedManifest],
    ["table", notPe],
    ["table", join(dir, "missing.cab")],
  ]) {
    const r = await run(node, [cli, ...args]);
    t.is(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    t.is(r.stderr.trim().split("\n").length, 1, r.stderr);
    t.false(r.stderr.includes("    at "), "no stack trace");
  }
});

test("a damaged build record is one line naming the field, for table, report and diff alike", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, "x.build.json");
  await writeFile(file, JSON.stringify({ schema: "cabwright.build-record/1", tool: {} }));
  for (const args of [
    ["table", file],
    ["report", file],
    ["diff", file, file],
  ]) {
    const r = await run(process.execPath, [cli, ...args]);
    t.is(r.code, 2, args.join(" "));
    t.is(r.stderr.trim().split("\n").length, 1, r.stderr);
    t.regex(r.stderr, /x\.build\.json: tool\.version: expected a string/);
  }
});

test("a build record whose optional package facts have the wrong type is one line naming the field", async (t) => {
  const { result } = await demoBuild();
  const record = result.record as unknown as { package: Record<string, unknown> };
  t.notThrows(() => checkBuildRecord("r.build.json", record));
  for (const [key, value, expected] of [
    ["kb", 982146, "a string of digits"],
    ["restart", true, "a string"],
    ["prerequisite", { product: "x" }, "an object with product and range"],
    ["entry", { command: "setup.exe", args: [1] }, "an object with command and args"],
  ] as const) {
    const bad = { ...record, package: { ...record.package, [key]: value } };
    t.throws(() => checkBuildRecord("r.build.json", bad), {
      message: `r.build.json: package.${key}: expected ${expected}`,
    });
  }
});
