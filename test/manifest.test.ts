import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import test from "ava";
import { formatTable, loadManifest, manifestTableRows, parseManifest } from "cabwright";
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
  const months = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  for (const line of tsv) {
    const [name, version, size, date, time, platform] = line.split("\t") as string[];
    const [y, m, d] = date!.split("-");
    const flat = [
      name,
      version,
      Number(size).toLocaleString("en-US"),
      `${d}-${months[Number(m) - 1]}-${y}`,
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
  t.is(problems.length, 1, problems.join("\n")); // the schema pass catches the time first
  t.regex(problems[0]!, /^m\.yaml:20:11 files\[2\]\.time: "24:00" is not a UTC time/);
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
  t.deepEqual(problems, [
    'm.yaml:14:5 files[0].versoin: unknown key "versoin" (did you mean "version"?); expected one of name, path, source, version, size, date, time, platform, stamp, sign, productVersion, description, install, allowOutsideDrop',
    'm.yaml:16:15 files[1].platform: "x87" is not one of x86, x64, arm64, Not Applicable, IA-64, alpha',
    "m.yaml:17:11 files[1].size: -1 is not a size in bytes (a whole number from 0 to 4294967295, the largest file a cabinet holds)",
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
