import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import test from "ava";
import {
  formatTable,
  InputError,
  importedRowsTsv,
  importKbFile,
  importKbTable,
  loadManifest,
  manifestFromImport,
  manifestTableRows,
  parseManifest,
} from "cabwright";
import { completeDraft } from "./helpers/kb-draft.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const seedManifest = `${repo}manifest/fse-sp2-hr2.yaml`;
const seedArticle = `${repo}test/fixtures/seed/kb-article.txt`;
const corpus = `${repo}test/fixtures/kb-corpus/`;

test("the seed article's flat table imports as the 64 rows of the seed manifest", async (t) => {
  const imp = await importKbFile(seedArticle);
  const { manifest } = await loadManifest(seedManifest);
  t.is(imp.rows.length, 64);
  t.is(importedRowsTsv(imp.rows), formatTable(manifestTableRows(manifest), "tsv"));
  t.deepEqual(imp.warnings, [], "every cell of the seed table reads one way only");
  t.is(imp.tables[0]!.format, "flat");
});

test("init's manifest of the seed table validates and prints the same table", async (t) => {
  const imp = await importKbFile(seedArticle);
  const yaml = manifestFromImport(imp);
  const { manifest } = parseManifest("seed.yaml", yaml);
  const { manifest: seed } = await loadManifest(seedManifest);
  t.is(
    formatTable(manifestTableRows(manifest), "tsv"),
    formatTable(manifestTableRows(seed), "tsv"),
  );
  t.is(formatTable(manifestTableRows(manifest), "kb"), formatTable(manifestTableRows(seed), "kb"));
  // Defaults factored out: the common values are not repeated per file.
  t.regex(
    yaml,
    /defaults:\n {2}version: 10\.2\.952\.0\n {2}date: 2010-06-29\n {2}time: "18:08"\n {2}platform: x86\n/,
  );
  t.is(yaml.match(/version: 10\.2\.952\.0/g)!.length, 2, "package.version and defaults.version");
  t.regex(yaml, /- name: Fscperfmonitor\.dll\n {4}path: x64\/Fscperfmonitor\.dll\n/);
});

const expectedCorpus = readdirSync(corpus)
  .filter((f) => f.endsWith(".expected.tsv"))
  .map((f) => f.replace(/\.expected\.tsv$/, ""));

for (const name of expectedCorpus) {
  test(`corpus ${name}: rows agree with the expected TSV`, async (t) => {
    const imp = await importKbFile(`${corpus}${name}.txt`);
    t.is(importedRowsTsv(imp.rows), readFileSync(`${corpus}${name}.expected.tsv`, "utf8"));
    t.true(
      imp.warnings.some((w) => w.kind === "note"),
      "the # AMBIGUOUS note is reported",
    );
  });
}

test("corpus 05: the US date, the missing platform and the Alpha rows are reported", async (t) => {
  const imp = await importKbFile(`${corpus}05-iis5-iis4-q293131.txt`);
  const kinds = (row: number) => imp.warnings.filter((w) => w.row === row).map((w) => w.kind);
  t.deepEqual(kinds(1), ["date-order", "no-platform"]);
  for (let row = 2; row <= 12; row++) t.deepEqual(kinds(row), [], `row ${row} is x86, plain`);
  for (let row = 13; row <= 23; row++) t.deepEqual(kinds(row), ["platform-label"]);
  t.deepEqual(
    imp.tables.map((x) => [x.format, x.rowCount]),
    [
      ["spaces", 1],
      ["spaces", 22],
    ],
  );
});

test("corpus 06: every row lacks a platform; 1/3/2001 is flagged, 02/16/2001 is not", async (t) => {
  const imp = await importKbFile(`${corpus}06-iis-cgi-q281403.txt`);
  const rowWarnings = imp.warnings.filter((w) => w.row !== undefined);
  t.is(rowWarnings.filter((w) => w.kind === "no-platform").length, 12);
  t.deepEqual(
    rowWarnings.filter((w) => w.kind === "date-order").map((w) => w.row),
    [1],
  );
});

test("corpus 07: Intel and Alpha rows are reported, with the label as printed", async (t) => {
  const imp = await importKbFile(`${corpus}07-nt4-shutdown-q312576.txt`);
  const rows = imp.warnings.filter((w) => w.kind === "platform-label");
  t.is(rows.length, 16);
  t.regex(rows[0]!.message, /"Intel" read as x86/);
  t.regex(rows[15]!.message, /"Alpha" kept as alpha/);
});

test("corpus 04: the truncated dates are reported, and read with a year only when given", async (t) => {
  const file = `${corpus}04-sql2017-cu17-kb4515579-dq-dreplay.txt`;
  const imp = await importKbFile(file);
  t.is(imp.rows.length, 23);
  t.is(imp.tables.length, 4);
  t.true(imp.tables.every((x) => x.format === "markdown"));
  t.is(imp.kb, "4515579");
  t.true(imp.rows.every((r) => r.date === undefined));
  t.is(imp.warnings.filter((w) => w.kind === "date-year").length, 23);
  const err = t.throws(() => manifestFromImport(imp), { instanceOf: InputError });
  t.regex(err!.message, /:5:3 row 1 \(Dumpbin\.exe\) lacks a date with a year \(give --year\)/);

  const withYear = await importKbFile(file, { year: 2019 });
  t.true(withYear.rows.every((r) => r.date === "2019-09-14"));
  t.is(withYear.warnings.filter((w) => w.kind === "date-year").length, 23);
  const draft = manifestFromImport(withYear);
  // The excerpt names no product, company or copyright: the draft leaves them to a person.
  t.regex(draft, /^ {2}# company: the article does not say/m);
  const { manifest } = parseManifest("sql.yaml", completeDraft(draft));
  t.is(manifest.files.length, 23);
  // Dreplaycommon.dll is listed under two components: each component is a folder.
  t.deepEqual(
    manifest.files.filter((f) => f.name === "Dreplaycommon.dll").map((f) => f.path),
    [
      "SQL Server 2017 sql_dreplay_client/Dreplaycommon.dll",
      "SQL Server 2017 sql_dreplay_controller/Dreplaycommon.dll",
    ],
  );
  t.is(rowPaths(manifest.files).size, 23);
});

function rowPaths(files: readonly { path: string }[]): Set<string> {
  return new Set(files.map((f) => f.path.toLowerCase()));
}

test("no table at all is an InputError at 1:1", (t) => {
  const err = t.throws(() => importKbTable("Nothing to see here.\n", "x.txt"), {
    instanceOf: InputError,
  });
  t.regex(err!.message, /^x\.txt:1:1 no File information table found/);
});
