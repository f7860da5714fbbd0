import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import test from "ava";
import { formatTable, InputError, loadManifest, manifestTableRows, parseManifest } from "cabwright";
import { MONTH_NAMES } from "../builder/manifest/validate-fields.js";
import { problemsOf } from "./helpers/manifest-problems.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const seedManifest = `${repo}manifest/fse-sp2-hr2.yaml`;
const seedArticle = `${repo}test/fixtures/seed/kb-article.txt`;

test("the seed manifest validates and has the article's 64 rows", async (t) => {
  const { manifest } = await loadManifest(seedManifest);
  t.is(manifest.files.length, 64);
  t.is(manifest.package.name, "fse-sp2-hr2");
});

test("the kb table reproduces the article's flat table, row for row and in order", async (t) => {
  const article = readFileSync(seedArticle, "utf8");
  const start = article.indexOf("File nameFile versionFile sizeDateTimePlatform");
  t.true(start > 0, "the seed article has its File information table");
  const { manifest } = await loadManifest(seedManifest);
  // The article's cells run together ("Adonavigator.dll10.2.952.0421,23229-Jun-201018:08×86").
  let at = start;
  const tsv = formatTable(manifestTableRows(manifest), "tsv").trimEnd().split("\n").slice(1);
  for (const line of tsv) {
    const [name, version, size, date, time, platform] = line.split("\t") as string[];
    const [y, m, d] = date!.split("-");
    const flat = [
      name,
      version,
      Number(size).toLocaleString("en-US"),
      `${d}-${MONTH_NAMES[Number(m) - 1]}-${y}`,
      time,
      platform!.replace(/^x/, "×"),
    ].join("");
    const found = article.indexOf(flat, at);
    t.true(
      found === at + (at === start ? "File nameFile versionFile sizeDateTimePlatform".length : 0),
      `row ${flat}`,
    );
    at = found + flat.length;
  }
  t.true(article.startsWith(".Note", at), "nothing follows the last row but the article's note");
});

const base = `package:
  name: p
  title: T
  product: P
  version: 1.0.0.0
  company: C
  copyright: X
defaults:
  date: 2010-06-29
  time: "18:08"
  platform: x86
files:
`;

test("a short version names file, line, column and field", (t) => {
  const problems = problemsOf(`${base}  - name: a.dll\n    version: 10.2.952\n`);
  t.deepEqual(problems, [
    'm.yaml:14:14 files[0].version: "10.2.952" is not a 4-part version like 10.2.952.0 (each part 0..65535) or "Not Applicable"',
  ]);
});

test("version parts over 65535, impossible dates and bad times are refused", (t) => {
  const problems = problemsOf(
    `${base}  - name: a.dll\n    version: 1.2.3.70000\n  - name: b.dll\n    version: 1.0.0.0\n    date: 2010-02-31\n  - name: c.dll\n    version: 1.0.0.0\n    time: "24:00"\n`,
  );
  // The schema's problem (the time) and the semantic ones (part range, calendar) in one run.
  t.is(problems.length, 3, problems.join("\n"));
  t.regex(problems[2]!, /^m\.yaml:20:11 files\[2\]\.time: "24:00" is not a UTC time/);
  const later = problemsOf(
    `${base}  - name: a.dll\n    version: 1.2.3.70000\n  - name: b.dll\n    version: 1.0.0.0\n    date: 2010-02-31\n`,
  );
  t.deepEqual(later, [
    'm.yaml:14:14 files[0].version: "1.2.3.70000" is not a 4-part version: part 70000 is over 65535',
    'm.yaml:17:11 files[1].date: "2010-02-31" is not a real date: Feb 2010 has 28 days',
  ]);
});

test("unknown keys, wrong types, unknown platforms and negative sizes", (t) => {
  const problems = problemsOf(
    `${base}  - name: a.dll\n    versoin: 1.0.0.0\n  - name: b.dll\n    platform: x87\n    size: -1\n  - name: c.dll\n    stamp: "yes"\n`,
  );
  // The base has no defaults.version: each file's missing version is reported too, in the
  // same run as the schema's problems (and not for a field the schema already refused).
  t.deepEqual(problems, [
    "m.yaml:13:5 files[0]: files[0] (a.dll) has no version; set it here or in defaults",
    'm.yaml:14:5 files[0].versoin: unknown key "versoin" (did you mean "version"?); expected one of name, path, source, version, size, date, time, platform, stamp, sign, productVersion, description, install, allowOutsideDrop',
    "m.yaml:15:5 files[1]: files[1] (b.dll) has no version; set it here or in defaults",
    'm.yaml:16:15 files[1].platform: "x87" is not one of x86, x64, arm64, Not Applicable, IA-64, alpha',
    "m.yaml:17:11 files[1].size: -1 is not a size in bytes (a whole number from 0 to 4294967295, the largest file a cabinet holds)",
    "m.yaml:18:5 files[2]: files[2] (c.dll) has no version; set it here or in defaults",
    'm.yaml:19:12 files[2].stamp: "yes" is a string; expected true or false',
  ]);
});

test("the same name and platform twice, or the same path twice, is refused", (t) => {
  const problems = problemsOf(
    `${base}  - name: a.dll\n    version: 1.0.0.0\n  - name: A.DLL\n    version: 1.0.0.0\n  - name: b.dll\n    version: 1.0.0.0\n    path: x/b.dll\n  - name: b.dll\n    version: 1.0.0.0\n    platform: x64\n    path: X/B.dll\n`,
  );
  t.is(problems.length, 2, problems.join("\n"));
  t.regex(
    problems[0]!,
    /^m\.yaml:15:11 files\[1\]\.name: "A\.DLL" for x86 is already files\[0\] \(m\.yaml:13:11\)/,
  );
  t.regex(
    problems[1]!,
    /^m\.yaml:23:11 files\[3\]\.path: package path "X\/B\.dll" is already used by files\[2\]/,
  );
});

test("YAML syntax errors and duplicate keys have positions", (t) => {
  t.regex(problemsOf("package:\n  name: [a\n")[0]!, /^m\.yaml:\d+:\d+ \(document\): YAML syntax: /);
  t.regex(problemsOf("package: {}\npackage: {}\n")[0]!, /^m\.yaml:2:1 \(document\): duplicate key/);
});

test("paths must stay inside the package", (t) => {
  for (const path of ["../evil.dll", "C:/x.dll", "/abs.dll", "a//b.dll", "a\\\\b.dll"]) {
    const problems = problemsOf(
      `${base}  - name: x.dll\n    version: 1.0.0.0\n    path: "${path}"\n`,
    );
    t.true(problems.length >= 1, path);
    t.regex(problems[0]!, /^m\.yaml:15:11 files\[0\]\.path: /, path);
  }
});

test("JSON manifests are accepted", (t) => {
  const json = JSON.stringify({
    package: {
      name: "p",
      title: "T",
      product: "P",
      version: "1.0.0.0",
      company: "C",
      copyright: "X",
    },
    files: [
      { name: "a.dll", version: "1.0.0.0", date: "2010-06-29", time: "18:08", platform: "x64" },
    ],
  });
  const { manifest } = parseManifest("m.json", json);
  t.is(manifest.files[0]!.platform, "x64");
  t.is(manifest.files[0]!.stamp, true);
});

test("check reports the schema's problems and the semantic ones in one run, each at its place", (t) => {
  const withEntry = base.replace(
    "  copyright: X\n",
    "  copyright: X\n  entry: { command: setupp.exe }\n",
  );
  const text = `${withEntry.replace("files:\n", "")}drop:
  exclude: ["*.pdb", "a\\\\b", "../up/*", 3, "{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b,c,d}{a,b}"]
  unclaimed: fail
files:
  - name: setup.exe
    version: 1.0.0.0
  - name: a.dll
    version: 1.0.0.0
    path: ../a.dll
  - name: b.dll
    version: 1.0.0.0
    size: -4
  - name: c.dll
    version: 1.2
    date: 2020-02-31
  - name: 7
`;
  const problems = problemsOf(text);
  const fields = problems.map((p) => p.replace(/^m\.yaml:\d+:\d+ /, "").replace(/:.*$/, ""));
  t.deepEqual(
    fields,
    [
      "package.entry.command",
      "drop.exclude[1]",
      "drop.exclude[2]",
      "drop.exclude[3]",
      "drop.exclude[4]",
      "drop.unclaimed",
      "files[1].path",
      "files[2].size",
      "files[3].version",
      "files[3].date",
      "files[4].name",
    ],
    problems.join("\n"),
  );
  for (const p of problems) t.regex(p, /^m\.yaml:\d+:\d+ /);
  t.regex(problems[0]!, /"setupp\.exe" is not a file of the package/);
  t.regex(problems[1]!, /holds a \\; expected \//);
  t.regex(problems[2]!, /has a \.\. segment/);
  t.regex(problems[4]!, /expands to 512 patterns through its braces; at most 256/);
});

test("a file refused by the schema still counts for the entry command, and a field it refused is not reported twice", (t) => {
  const withEntry = base.replace(
    "  copyright: X\n",
    "  copyright: X\n  entry: { command: setup.exe }\n",
  );
  const text = `${withEntry.replace("files:\n", "")}files:
  - name: setup.exe
    version: 1.0.0.0
    platform: x87
  - name: b.dll
    version: [1]
`;
  t.deepEqual(problemsOf(text), [
    'm.yaml:16:15 files[0].platform: "x87" is not one of x86, x64, arm64, Not Applicable, IA-64, alpha',
    'm.yaml:18:14 files[1].version: [1] is a list; expected a 4-part version like 10.2.952.0 (each part 0..65535) or "Not Applicable"',
  ]);
});

test("any value of the wrong type anywhere is reported, never a crash: the semantic pass runs beside the schema's", async (t) => {
  const { parse, stringify } = await import("yaml");
  const seed = parse(readFileSync(seedManifest, "utf8")) as Record<string, unknown>;
  // The bundled example (install section and all) with a drop section, and three files.
  const doc = {
    ...seed,
    files: (seed.files as unknown[]).slice(0, 3),
    drop: { exclude: ["*.pdb"], unclaimed: "warn" },
  };
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, [...path, i]);
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(doc, []);
  t.true(paths.length > 50, `${paths.length} places`);
  const wrong: unknown[] = [null, 7, "x", [], {}, true, [1, "a"], { a: 1 }];
  let runs = 0;
  for (const path of paths.slice(1)) {
    for (const value of wrong) {
      const copy = structuredClone(doc) as Record<string, unknown>;
      let at: Record<string | number, unknown> = copy;
      for (const seg of path.slice(0, -1)) at = at[seg] as Record<string | number, unknown>;
      at[path.at(-1)!] = value;
      runs++;
      try {
        parseManifest("m.yaml", stringify(copy));
      } catch (err) {
        if (err instanceof InputError) continue;
        t.fail(`${path.join(".")} = ${JSON.stringify(value)}: ${(err as Error).stack}`);
        return;
      }
    }
  }
  t.pass(`${runs} manifests`);
});
