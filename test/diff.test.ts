import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import {
  buildRecordSide,
  type DiffSide,
  diffSides,
  type FileFacts,
  formatDiff,
  InputError,
  parseFailOn,
  RULE_IDS,
  RuleId,
} from "cabwright";
import fc from "fast-check";
import { main } from "../builder/cli/main.js";
import { referenceVersion } from "../builder/diff/rules.js";
import { requirePeer, run, tempDir } from "./helpers/peers.js";
import { buildVersionedPe } from "./helpers/versioned-pe.js";

const hex = (c: string) => c.repeat(64);

function file(over: Partial<FileFacts> & { name: string }): FileFacts {
  return {
    path: over.name,
    version: "10.2.952.0",
    size: 1000,
    date: "2010-06-29",
    time: "18:08:00",
    platform: "x86",
    ...over,
  };
}

function side(files: FileFacts[], over: Partial<DiffSide> = {}): DiffSide {
  return { kind: "build-record", label: "s", files, ...over };
}

const rulesOf = (a: DiffSide, b: DiffSide) =>
  diffSides(a, b).findings.map((f) => `${f.rule} ${f.path}`);

test("identical sides: nothing added, removed, changed or found", (t) => {
  const s = side([file({ name: "A.dll", sha256: hex("a") }), file({ name: "B.dll" })]);
  const r = diffSides(s, s);
  t.deepEqual([r.added, r.removed, r.changed, r.findings], [[], [], [], []]);
  t.is(r.unchanged, 2);
});

test("added and removed files; paths match case-insensitively, and with either slash", (t) => {
  const a = side([file({ name: "A.dll", path: "x64/A.dll" }), file({ name: "Gone.dll" })]);
  const b = side([file({ name: "a.DLL", path: "X64\\a.dll" }), file({ name: "New.dll" })]);
  const r = diffSides(a, b);
  t.deepEqual(
    r.added.map((f) => f.name),
    ["New.dll"],
  );
  t.deepEqual(
    r.removed.map((f) => f.name),
    ["Gone.dll"],
  );
  t.deepEqual(r.changed, []);
});

test("files without paths match by name and platform", (t) => {
  const { path: _a, ...noPath } = file({ name: "F.dll" });
  const a = side([noPath, { ...noPath, platform: "x64" }]);
  const b = side([file({ name: "f.dll", path: "x64/F.dll", platform: "x64", size: 1200 })]);
  const r = diffSides(a, b);
  t.is(r.removed.length, 1);
  t.is(r.removed[0]!.platform, "x86");
  t.deepEqual(r.changed[0]?.fields, { size: [1000, 1200] });
  t.is(r.changed[0]?.sizeDelta, 200);
  t.is(r.changed[0]?.path, "x64/F.dll");
});

test("every field that differs is reported as [before, after], size with its delta", (t) => {
  const a = side([file({ name: "A.dll", sha256: hex("1"), signed: true })]);
  const b = side([
    file({
      name: "A.dll",
      version: "10.2.953.0",
      size: 900,
      date: "2010-07-01",
      time: "09:00:00",
      platform: "x64",
      sha256: hex("2"),
      signed: false,
    }),
  ]);
  const [c] = diffSides(a, b).changed;
  t.deepEqual(c?.fields, {
    version: ["10.2.952.0", "10.2.953.0"],
    size: [1000, 900],
    date: ["2010-06-29", "2010-07-01"],
    time: ["18:08:00", "09:00:00"],
    platform: ["x86", "x64"],
    sha256: [hex("1"), hex("2")],
    signed: [true, false],
  });
  t.is(c?.sizeDelta, -100);
});

test("a fact one side does not know is not a change", (t) => {
  const { size: _s, ...noSize } = file({ name: "A.dll" });
  const r = diffSides(side([noSize]), side([file({ name: "A.dll", sha256: hex("3") })]));
  t.deepEqual(r.changed, []);
  t.is(r.unchanged, 1);
});

test(`rule ${RuleId.rebuiltWithoutVersionBump}: by SHA-256, else by size; not for unversioned files`, (t) => {
  const a = side([
    file({ name: "A.dll", sha256: hex("1") }),
    file({ name: "B.dll", size: 10 }),
    file({ name: "data.xml", version: "Not Applicable", sha256: hex("1") }),
  ]);
  const b = side([
    file({ name: "A.dll", sha256: hex("2") }),
    file({ name: "B.dll", size: 12 }),
    file({ name: "data.xml", version: "Not Applicable", sha256: hex("2") }),
  ]);
  t.deepEqual(rulesOf(a, b), [
    "rebuilt-without-version-bump A.dll",
    "rebuilt-without-version-bump B.dll",
  ]);
});

test(`rule ${RuleId.rebuiltWithoutVersionBump}: content is the neutral digest where both sides have it`, (t) => {
  const restamped = {
    a: file({ name: "A.dll", sha256: hex("1"), neutralSha256: hex("9") }),
    b: file({ name: "A.dll", sha256: hex("2"), neutralSha256: hex("9") }),
  };
  const rebuilt = {
    a: file({ name: "B.dll", sha256: hex("1"), neutralSha256: hex("8") }),
    b: file({ name: "B.dll", sha256: hex("2"), neutralSha256: hex("7") }),
  };
  const r = diffSides(side([restamped.a, rebuilt.a]), side([restamped.b, rebuilt.b]));
  t.deepEqual(
    r.findings.map((f) => `${f.rule} ${f.path}`),
    ["rebuilt-without-version-bump B.dll"],
  );
  t.regex(r.findings[0]!.message, /neutral SHA-256 8{12}… -> 7{12}…/);
  t.deepEqual(
    r.changed.map((c) => [c.path, Object.keys(c.fields), c.contentChanged]),
    [
      ["A.dll", ["sha256"], false],
      ["B.dll", ["sha256"], true],
    ],
  );
  // One side without the neutral digest (an old build record): SHA-256 decides.
  const { neutralSha256: _n, ...old } = restamped.a;
  t.deepEqual(rulesOf(side([old]), side([restamped.b])), ["rebuilt-without-version-bump A.dll"]);
});

test(`rule ${RuleId.staleVersion}: a restamped or re-signed file is carried over, not touched`, (t) => {
  const pkg = { packageVersion: "4.1.3125.0" };
  const old = (over: Partial<FileFacts>) =>
    file({ name: "A.dll", version: "4.1.3120.0", neutralSha256: hex("9"), ...over });
  const a = side([old({ sha256: hex("1"), signed: false })], { packageVersion: "4.1.3120.0" });
  // The package moved on; A.dll's bytes differ only in its version resource and signature.
  const restamped = side([old({ sha256: hex("2"), signed: true, signer: "CN=C" })], pkg);
  t.deepEqual(rulesOf(a, restamped), []);
  // Rebuilt without a bump: touched, so stale against the package version too.
  const rebuilt = side([old({ sha256: hex("3"), neutralSha256: hex("6") })], pkg);
  t.deepEqual(rulesOf(a, rebuilt), ["rebuilt-without-version-bump A.dll", "stale-version A.dll"]);
  // Sides that cannot tell content (manifests with sizes): a size change is a touch.
  const m = (size: number) => side([file({ name: "A.dll", version: "4.1.3120.0", size })], pkg);
  t.deepEqual(rulesOf(m(10), m(12)), ["rebuilt-without-version-bump A.dll", "stale-version A.dll"]);
});

test(`rule ${RuleId.droppedFile}: every file of A that B no longer ships; a move is named`, (t) => {
  const a = side([
    file({ name: "Kept.dll" }),
    file({ name: "Gone.dll" }),
    file({ name: "Moved.dll", path: "x64/Moved.dll", platform: "x64" }),
  ]);
  const b = side([
    file({ name: "Kept.dll" }),
    file({ name: "Moved.dll", path: "bin/Moved.dll", platform: "x64" }),
  ]);
  const r = diffSides(a, b);
  t.deepEqual(
    r.findings.map((f) => `${f.rule} ${f.path}`),
    ["dropped-file Gone.dll", "dropped-file x64/Moved.dll"],
  );
  t.regex(r.findings[0]!.message, /cumulative update/);
  t.regex(r.findings[1]!.message, /B has bin\/Moved\.dll/);
  t.deepEqual(
    rulesOf(
      side([file({ name: "Kept.dll" })]),
      side([file({ name: "Kept.dll" }), file({ name: "New.dll" })]),
    ),
    [],
    "adding a file is no finding",
  );
});

test("package-level changes: only facts both sides know; none on one side is absent", (t) => {
  const full = (over: Record<string, string | null> = {}): Partial<DiffSide> => ({
    package: {
      name: "p",
      title: "Update 1",
      product: "P",
      version: "4.1.3120.0",
      kb: null,
      prerequisite: "Service Pack 2 (>=4.1.0 <4.2.0)",
      entry: null,
      restart: "not-required",
      platform: "x86",
      ...over,
    },
  });
  const files = [file({ name: "A.dll" })];
  const r = diffSides(
    side(files, full()),
    side(
      files,
      full({
        version: "4.1.3125.0",
        title: "Update 2",
        kb: "5031234",
        prerequisite: null,
        entry: "bin\\setup.exe /quiet",
        restart: "required",
      }),
    ),
  );
  t.deepEqual(r.package, [
    { field: "title", before: "Update 1", after: "Update 2" },
    { field: "version", before: "4.1.3120.0", after: "4.1.3125.0" },
    { field: "kb", after: "5031234" },
    { field: "prerequisite", before: "Service Pack 2 (>=4.1.0 <4.2.0)" },
    { field: "entry", after: "bin\\setup.exe /quiet" },
    { field: "restart", before: "not-required", after: "required" },
  ]);
  t.deepEqual(r.findings, [], "a package change is shown, not a finding");
  const text = formatDiff(r, "text");
  t.regex(text, /package: 6 field\(s\) changed/);
  t.regex(text, /Package:\n {2}~ title +Update 1 -> Update 2\n/);
  t.regex(text, /~ kb +\(none\) -> 5031234/);
  for (const format of ["md", "html"] as const) {
    t.true(formatDiff(r, format).includes("5031234"), format);
  }
  // A side that cannot know a fact (a bare .cab knows none) compares nothing.
  const cab = side(files);
  t.deepEqual(diffSides(side(files, full()), cab).package, []);
  // packageVersion alone (hand-made sides) still counts as the version.
  t.deepEqual(diffSides(side(files, { packageVersion: "1.0.0.0" }), side(files, full())).package, [
    { field: "version", before: "1.0.0.0", after: "4.1.3120.0" },
  ]);
});

test(`rule ${RuleId.versionOnlyChange}: the neutral digests agree`, (t) => {
  const a = side([file({ name: "A.dll", sha256: hex("1"), neutralSha256: hex("9") })]);
  const b = side([
    file({ name: "A.dll", version: "10.2.953.0", sha256: hex("2"), neutralSha256: hex("9") }),
  ]);
  t.deepEqual(rulesOf(a, b), ["version-only-change A.dll"]);
  const rebuilt = side([
    file({ name: "A.dll", version: "10.2.953.0", sha256: hex("2"), neutralSha256: hex("8") }),
  ]);
  t.deepEqual(rulesOf(a, rebuilt), [], "a real rebuild with a bump is what should happen");
});

test(`rule ${RuleId.versionBackwards}`, (t) => {
  const a = side([file({ name: "A.dll" }), file({ name: "B.dll", version: "6.3.16.0" })]);
  const b = side([
    file({ name: "A.dll", version: "10.2.951.9" }),
    file({ name: "B.dll", version: "6.3.15.0" }),
  ]);
  t.deepEqual(rulesOf(a, b), ["version-backwards A.dll", "version-backwards B.dll"]);
});

test(`rule ${RuleId.staleVersion}: the package version of the same line, else a strict majority`, (t) => {
  const b = (files: FileFacts[], packageVersion?: string) =>
    side(files, packageVersion ? { packageVersion } : {});
  const empty = side([]);
  // Package version of the same major.minor is the reference.
  t.deepEqual(
    rulesOf(
      empty,
      b(
        [
          file({ name: "Old.dll", version: "10.2.945.0" }),
          file({ name: "Other.dll", version: "6.3.1.0" }),
        ],
        "10.2.952.0",
      ),
    ),
    ["stale-version Old.dll"],
    "6.3.1.0 is another product line, never stale",
  );
  // Without a package version: the strict majority of the other files of the line.
  const many = ["A", "B", "C"].map((n) => file({ name: `${n}.dll` }));
  t.deepEqual(rulesOf(empty, b([...many, file({ name: "Old.dll", version: "10.2.900.0" })])), [
    "stale-version Old.dll",
  ]);
  // No version held by a strict majority of the others: no reference, no finding.
  t.deepEqual(
    rulesOf(
      empty,
      b([
        file({ name: "A.dll" }),
        file({ name: "B.dll", version: "10.2.951.0" }),
        file({ name: "C.dll", version: "10.2.900.0" }),
        file({ name: "D.dll", version: "10.2.900.0" }),
      ]),
    ),
    [],
  );
  // Only files this diff touched: a stale file already in A, unchanged, is not reported.
  const stale = side([...many, file({ name: "Old.dll", version: "10.2.900.0" })]);
  t.deepEqual(rulesOf(stale, stale), []);
});

test(`rule ${RuleId.platformChanged}`, (t) => {
  const a = side([file({ name: "A.dll", path: "A.dll" })]);
  const b = side([file({ name: "A.dll", path: "A.dll", platform: "x64" })]);
  t.deepEqual(rulesOf(a, b), ["platform-changed A.dll"]);
});

test(`rule ${RuleId.pairVersionMismatch}: same name on x86 and x64, versions disagree`, (t) => {
  const x86 = file({ name: "Perf.dll", path: "Perf.dll" });
  const x64 = file({ name: "Perf.dll", path: "x64/Perf.dll", platform: "x64" });
  const a = side([x86, x64]);
  const b = side([x86, { ...x64, version: "10.2.953.0" }]);
  t.deepEqual(rulesOf(a, b), ["pair-version-mismatch x64/Perf.dll"]);
  const onlyX86Touched = side([{ ...x86, version: "10.2.953.0" }, x64]);
  t.deepEqual(rulesOf(a, onlyX86Touched), ["pair-version-mismatch x64/Perf.dll"]);
});

test(`rule ${RuleId.signatureRemoved}; unknown signing is no finding`, (t) => {
  const a = side([file({ name: "A.dll", signed: true }), file({ name: "B.dll", signed: true })]);
  const { signed: _s, ...unknown } = file({ name: "B.dll" });
  const b = side([file({ name: "A.dll", signed: false }), unknown]);
  t.deepEqual(rulesOf(a, b), ["signature-removed A.dll"]);
});

test("every rule id is covered by a test above and documented", async (t) => {
  const { readFile } = await import("node:fs/promises");
  const docs = await readFile(new URL("../../docs/diff.md", import.meta.url), "utf8");
  for (const id of RULE_IDS) t.true(docs.includes(`\`${id}\``), `docs/diff.md documents ${id}`);
});

test("--fail-on parsing: ids, any, and an unknown id is bad input", (t) => {
  t.deepEqual(
    [...parseFailOn("version-backwards, stale-version")],
    ["version-backwards", "stale-version"],
  );
  t.is(parseFailOn("any").size, RULE_IDS.length);
  t.throws(() => parseFailOn("nope"), { instanceOf: InputError, message: /unknown rule "nope"/ });
  t.throws(() => parseFailOn(","), { instanceOf: InputError });
});

test("the four formats show the same content; html is escaped and self-contained", (t) => {
  const a = side([file({ name: "A.dll" }), file({ name: "<Gone>.dll" })], { label: "a<b>" });
  const b = side([
    file({ name: "A.dll", version: "10.2.951.0", size: 1500 }),
    file({ name: "New.dll" }),
  ]);
  const r = diffSides(a, b);
  const json = JSON.parse(formatDiff(r, "json"));
  t.deepEqual(Object.keys(json), [
    "schema",
    "a",
    "b",
    "added",
    "removed",
    "changed",
    "unchanged",
    "findings",
    "plan",
    "package",
  ]);
  t.is(json.schema, "cabwright.diff/2");
  t.deepEqual(json.changed[0], {
    path: "A.dll",
    name: "A.dll",
    platform: "x86",
    fields: { version: ["10.2.952.0", "10.2.951.0"], size: [1000, 1500] },
    sizeDelta: 500,
    contentChanged: true,
  });
  // Every list names a file by "path": added, removed, changed and findings alike.
  for (const list of ["added", "removed", "changed", "findings"]) {
    for (const item of json[list]) t.is(typeof item.path, "string", list);
    for (const item of json[list]) t.false("file" in item, list);
  }
  const text = formatDiff(r, "text");
  const md = formatDiff(r, "md");
  const html = formatDiff(r, "html");
  for (const out of [text, md, html]) {
    t.true(out.includes("New.dll"));
    t.true(out.includes("10.2.951.0"));
    t.true(out.includes("+500"));
    t.true(out.includes("version-backwards"));
    t.true(out.includes("dropped-file"));
  }
  t.true(text.includes("<Gone>.dll"));
  t.true(html.includes("&lt;Gone&gt;.dll") && !html.includes("<Gone>"));
  t.false(/<(script|link|img)\b/.test(html), "no external resources");
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => {
    out += s;
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => {
    err += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

const MANIFEST = (files: string) => `package:
  name: p
  title: T
  product: P
  version: 10.2.952.0
  company: C
  copyright: X
defaults:
  version: 10.2.952.0
  date: 2010-06-29
  time: "18:08"
  platform: x86
files:
${files}`;

test.serial("cli: manifest vs manifest, exit codes with and without --fail-on", async (t) => {
  const dir = await tempDir(t);
  const a = join(dir, "a.yaml");
  const b = join(dir, "b.yaml");
  await writeFile(a, MANIFEST("  - name: A.dll\n    size: 100\n  - name: Gone.dll\n"));
  await writeFile(
    b,
    MANIFEST(
      '  - name: A.dll\n    size: 120\n    version: 10.2.950.0\n  - name: New.dll\n    time: "18:09"\n',
    ),
  );
  const plain = await cli(["diff", a, b]);
  t.is(plain.code, 0, plain.err);
  t.regex(plain.out, /1 added, 1 removed, 1 changed, 0 unchanged; 3 findings/);
  const json = await cli(["diff", a, b, "--json"]);
  const r = JSON.parse(json.out);
  t.deepEqual(
    r.findings.map((f: { rule: string; path: string }) => `${f.rule} ${f.path}`),
    ["version-backwards A.dll", "stale-version A.dll", "dropped-file Gone.dll"],
  );
  t.deepEqual(r.added[0], {
    path: "New.dll",
    name: "New.dll",
    version: "10.2.952.0",
    date: "2010-06-29",
    time: "18:09:00",
    platform: "x86",
  });
  const fail = await cli(["diff", a, b, "--fail-on", "stale-version"]);
  t.is(fail.code, 1);
  t.regex(fail.err, /matched --fail-on \(stale-version\)/);
  t.is((await cli(["diff", a, b, "--fail-on", "signature-removed"])).code, 0);
  const dropped = await cli(["diff", a, b, "--fail-on", "dropped-file"]);
  t.is(dropped.code, 1, "a dropped file can fail the diff");
  t.regex(dropped.err, /1 finding matched --fail-on \(dropped-file\)/);
  t.is((await cli(["diff", b, a, "--fail-on", "dropped-file"])).code, 1, "New.dll dropped");
  t.is((await cli(["diff", a, a, "--fail-on", "any"])).code, 0);
  const out = join(dir, "report.html");
  t.is((await cli(["diff", a, b, "--format", "html", "-o", out])).code, 0);
});

test.serial("cli: bad input exits 2 with one clear line", async (t) => {
  const dir = await tempDir(t);
  const a = join(dir, "a.yaml");
  await writeFile(a, MANIFEST("  - name: A.dll\n"));
  const cases: [string[], RegExp][] = [
    [["diff", a, join(dir, "missing.yaml")], /missing\.yaml: cannot read it \(ENOENT\)/],
    [["diff", a, dir], /is a folder/],
    [["diff", a, a, "--fail-on", "typo"], /unknown rule "typo"/],
  ];
  const odd = join(dir, "notes.txt");
  await writeFile(odd, "hello");
  cases.push([["diff", a, odd], /unknown kind; expected a manifest/]);
  const badRecord = join(dir, "x.build.json");
  await writeFile(
    badRecord,
    JSON.stringify({
      schema: "cabwright.build-record/1",
      package: { version: "1.0.0.0" },
      files: [{ name: 3 }],
    }),
  );
  cases.push([["diff", a, badRecord], /x\.build\.json: tool: expected an object/]);
  const badJson = join(dir, "y.json");
  await writeFile(badJson, "{ nope");
  cases.push([["diff", a, badJson], /y\.json: is not valid JSON/]);
  const fakeCab = join(dir, "z.cab");
  await writeFile(fakeCab, "not a cabinet");
  cases.push([["diff", a, fakeCab], /z\.cab: is not a package/]);
  // A real cabinet cut short, and an .exe that holds no cabinet.
  const gcab = requirePeer("gcab");
  await writeFile(join(dir, "f.txt"), "x".repeat(5000));
  const cab = join(dir, "ok.cab");
  const made = await run(gcab, ["-c", "-z", "-n", cab, join(dir, "f.txt")]);
  t.is(made.code, 0, made.stderr);
  const cut = join(dir, "cut.cab");
  await writeFile(cut, (await readFile(cab)).subarray(0, 60));
  cases.push([["diff", a, cut], /cut\.cab/]);
  const noCab = await buildVersionedPe(dir, { name: "plain.exe", arch: "x64", version: "1.0.0.0" });
  cases.push([["diff", a, noCab], /plain\.exe: no cabinet/]);
  for (const [args, message] of cases) {
    const r = await cli(args);
    t.is(r.code, 2, args.join(" "));
    t.regex(r.err, message);
    t.is(r.err.trim().split("\n").length, 1, `one line: ${r.err}`);
    t.notRegex(r.err, /\n\s+at /, "no stack trace");
  }
});

test("a hostile build record is bad input or a side, never a crash", (t) => {
  const good = {
    schema: "cabwright.build-record/1",
    package: { version: "10.2.952.0" },
    files: [
      {
        name: "A.dll",
        path: "A.dll",
        version: "10.2.952.0",
        size: 10,
        date: "2010-06-29",
        time: "18:08",
        platform: "x86",
        after: { size: 10, sha256: hex("a") },
        neutralSha256: hex("b"),
        signed: false,
      },
    ],
  };
  const values = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.integer(),
    fc.double(),
    fc.string(),
    fc.boolean(),
    fc.array(fc.integer(), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
  );
  const keys = [
    "schema",
    "package",
    "files",
    "0",
    "name",
    "path",
    "version",
    "size",
    "time",
    "platform",
    "after",
    "sha256",
    "neutralSha256",
    "signed",
  ];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...keys), values), { minLength: 1, maxLength: 3 }),
      (edits) => {
        const record = structuredClone(good) as Record<string, unknown>;
        for (const [key, value] of edits) {
          // Set the key wherever it occurs in the record.
          const visit = (o: unknown) => {
            if (typeof o !== "object" || o === null) return;
            const obj = o as Record<string, unknown>;
            for (const k of Object.keys(obj)) {
              if (k === key) obj[k] = value;
              else visit(obj[k]);
            }
          };
          visit(record);
        }
        try {
          const side = buildRecordSide("r.build.json", record);
          return side.files.every((f) => typeof f.name === "string" && typeof f.size === "number");
        } catch (err) {
          return (
            err instanceof InputError &&
            err.message.startsWith("r.build.json: ") &&
            !err.message.includes("\n")
          );
        }
      },
    ),
    { seed: 11, numRuns: 500 },
  );
  t.pass();
});

test("stale reference: the counted form agrees with the definition, on random sides", (t) => {
  const naive = (s: DiffSide, f: FileFacts): string | undefined => {
    const line = (v: string) => v.split(".").slice(0, 2).join(".");
    if (f.version === "Not Applicable") return undefined;
    if (s.packageVersion && line(s.packageVersion) === line(f.version)) return s.packageVersion;
    const others = s.files.filter(
      (g) => g !== f && g.version !== "Not Applicable" && line(g.version) === line(f.version),
    );
    if (others.length < 2) return undefined;
    return others.find(
      (g) => others.filter((h) => h.version === g.version).length * 2 > others.length,
    )?.version;
  };
  const version = fc.oneof(
    fc.constant("Not Applicable"),
    fc
      .tuple(fc.constantFrom(1, 2), fc.constantFrom(0, 1), fc.nat(3))
      .map(([a, b, c]) => `${a}.${b}.${c}.0`),
  );
  fc.assert(
    fc.property(
      fc.array(version, { maxLength: 12 }),
      fc.option(version, { nil: undefined }),
      (versions, pkg) => {
        const s = side(
          versions.map((v, i) => file({ name: `f${i}.dll`, version: v })),
          pkg && pkg !== "Not Applicable" ? { packageVersion: pkg } : {},
        );
        return s.files.every((f) => referenceVersion(s, f) === naive(s, f));
      },
    ),
    { seed: 5, numRuns: 500 },
  );
  t.pass();
});

test("a cabinet's worth of files (65,535 on each side) diffs without trouble", (t) => {
  const many = (bump: boolean) =>
    side(
      Array.from({ length: 65535 }, (_, i) =>
        file({
          name: `F${i}.dll`,
          path: `d${i % 100}/F${i}.dll`,
          platform: i % 2 ? "x64" : "x86",
          version: bump && i % 1000 === 0 ? "10.2.900.0" : "10.2.952.0",
        }),
      ),
    );
  const r = diffSides(many(false), many(true));
  t.is(r.changed.length, 66);
  t.is(r.findings.filter((f) => f.rule === "stale-version").length, 66);
});
