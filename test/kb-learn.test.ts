/**
 * Articles as Microsoft publishes them today: Learn's Markdown (escapes, entities,
 * alignment rows, two-digit years, a table per component), the CSV file lists of Windows
 * updates by header, and what the article says besides its table (title, KB, product,
 * version, restart, prerequisite, fixes), each decision reported once.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import {
  formatTable,
  InputError,
  importedRowsTsv,
  importKbFile,
  importKbTable,
  loadManifest,
  manifestTableRows,
  markdownInline,
  summarizeWarnings,
} from "cabwright";
import { runCli } from "./helpers/cli-capture.js";
import { completeDraft } from "./helpers/kb-draft.js";
import { tempDir } from "./helpers/peers.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const learn = `${repo}test/fixtures/kb/learn/`;
const sql2016 = `${learn}sql2016-sp2-cu8-kb4505830.md`;
const sql2022 = `${learn}sql2022-cu21-kb5065865.md`;

const main = runCli;

test("Markdown cells as the reader sees them", (t) => {
  t.is(markdownInline("Sql\\_common\\_core\\_keyfile.dll"), "Sql_common_core_keyfile.dll");
  t.is(markdownInline("**Sqlservr.exe**"), "Sqlservr.exe");
  t.is(markdownInline("`Msmdsrv.exe`"), "Msmdsrv.exe");
  t.is(markdownInline("[Setup.exe](https://example.invalid/a_b)"), "Setup.exe");
  t.is(markdownInline('<a id="12975677">[12975677](#12975677)</a>'), "12975677");
  t.is(markdownInline("Not&nbsp;applicable"), "Not applicable");
  t.is(markdownInline("a\\*b\\*c"), "a*b*c", "escaped emphasis stays literal");
  t.is(
    markdownInline("Sql_as_keyfile.dll"),
    "Sql_as_keyfile.dll",
    "underscores inside a word stay",
  );
  t.is(markdownInline("Line \\<LineNumber> x"), "Line <LineNumber> x");
});

test("SQL Server 2016 SP2 CU8: six component tables, two-digit years reported once, facts read with their positions", async (t) => {
  const imp = await importKbFile(sql2016);
  t.is(imp.rows.length, 88);
  t.deepEqual(
    imp.tables.map((x) => [x.format, x.component, x.rowCount]),
    [
      ["markdown", "SQL Server 2016 Browser Service", 4],
      ["markdown", "SQL Server 2016 Writer", 9],
      ["markdown", "SQL Server 2016 Analysis Services", 30],
      ["markdown", "SQL Server 2016 Database Services Common Core", 33],
      ["markdown", "SQL Server 2016 sql_dreplay_client", 6],
      ["markdown", "SQL Server 2016 sql_dreplay_controller", 6],
    ],
  );
  t.true(imp.rows.every((r) => r.component !== undefined));
  // 22-Jul-19 and 06-Jul-18: every row's decision is one and the same.
  t.is(imp.warnings.length, 88);
  const summary = summarizeWarnings(imp.warnings);
  t.is(summary.length, 1);
  t.is(summary[0]!.kind, "date-century");
  t.is(summary[0]!.at, "69:3");
  t.is(summary[0]!.rows, 88);
  t.regex(
    summary[0]!.message,
    /^88 rows \(1-88\): a two-digit year is read in the years 1980\.\.2079/,
  );
  t.is(imp.rows.find((r) => r.name === "Microsoft.applicationinsights.dll")!.date, "2018-07-06");

  const a = imp.article;
  t.is(a.title?.value, "KB4505830 - Cumulative Update 8 for SQL Server 2016 SP2");
  t.is(imp.kb, "4505830");
  t.is(a.version?.value, "13.0.5426.0");
  t.deepEqual([a.platform?.value, a.platform?.at], ["x64", "63:1"], '"x64-based versions"');
  t.deepEqual([a.restart?.value, a.restart?.at], ["may-be-required", "45:5"]);
  t.is(
    a.restart?.said,
    "You might have to restart the computer after you apply this cumulative update package.",
  );
  t.is(
    a.prerequisite?.value,
    "To apply this cumulative update package, you must be running SQL Server 2016 SP2.",
  );
  t.is(a.product?.value, "SQL Server 2016");
  t.is(a.fixes.length, 5);
  t.is(
    a.fixes[3]!.value.title,
    'FIX: "No valid credentials provided" occurs after you restart PolyBase in SQL Server 2016 and 2017 (KB4502658)',
  );
  t.is(a.company, undefined, "the article names no company");
  t.is(a.copyright, undefined);
  t.deepEqual(
    imp.articleWarnings.map((w) => [w.kind, w.at]),
    [["article", "7:3"]],
    "the product is derived from the applies-to list, and said so",
  );
});

test("SQL Server 2022 CU21: escaped names, the hash and bug tables are not file tables, an escaped pipe stays in its cell", async (t) => {
  const imp = await importKbFile(sql2022);
  t.deepEqual(
    imp.tables.map((x) => x.rowCount),
    [21, 4, 11, 16],
  );
  t.deepEqual(
    imp.rows.filter((r) => /keyfile/.test(r.name)).map((r) => r.name),
    [
      "Sql_common_core_keyfile.dll",
      "Sql_dqc_keyfile.dll",
      "Sql_dq_keyfile.dll",
      "Sql_engine_core_inst_keyfile.dll",
    ],
  );
  t.deepEqual(imp.warnings, [], "four-digit years, every cell read one way");
  t.is(
    imp.article.product?.value,
    "SQL Server 2022",
    "'on Windows' / 'on Linux' share 'SQL Server 2022'",
  );
  t.is(imp.article.restart, undefined, "the excerpt says nothing of a restart");
  t.is(imp.article.fixes.length, 4);
  t.regex(imp.article.fixes[1]!.value.title, /ThreadId\) \|\| \(trace->Elements/);
});

test.serial(
  "init --from-kb of a Learn article: the fields it says, comments for the rest, one line per decision, components as folders",
  async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, "kb.yaml");
    const r = await main(["init", "--from-kb", sql2016, "-o", out]);
    t.is(r.code, 0, r.stderr);
    const warnings = r.stderr.split("\n").filter((l) => l.includes("warning:"));
    t.is(warnings.filter((l) => /two-digit year/.test(l)).length, 1, r.stderr);
    t.regex(r.stderr, /sql2016-sp2-cu8-kb4505830\.md:69:3 88 rows \(1-88\)/);
    t.regex(r.stderr, /does not say package\.company, package\.copyright/);
    const yaml = await readFile(out, "utf8");
    t.regex(yaml, /^ {2}restart: may-be-required$/m);
    t.regex(yaml, /^ {2}product: SQL Server 2016$/m);
    t.regex(yaml, /^ {2}version: 13\.0\.5426\.0$/m);
    t.regex(yaml, /^ {2}kb: "4505830"$/m);
    t.regex(
      yaml,
      /^ {2}platform: x64$/m,
      "the article's x64-based package, not the files' most common platform",
    );
    t.notRegex(yaml, /^ {2}(company|copyright):/m, "never invented");
    t.regex(yaml, /^ {2}# company: the article does not say/m);
    t.regex(
      yaml,
      /^ {2}# prerequisite: 38:1 the article says "To apply this cumulative update package, you must be running SQL Server 2016 SP2\."/m,
    );
    t.regex(yaml, /^fixes:\n {2}- title: "FIX: DAX query/m);
    t.is((await main(["check", out])).code, 2, "check needs company and copyright");

    await writeFile(out, completeDraft(yaml));
    const { manifest } = await loadManifest(out);
    t.is(
      formatTable(manifestTableRows(manifest), "tsv"),
      await readFile(`${learn}sql2016-sp2-cu8-kb4505830.expected.tsv`, "utf8"),
    );
    t.is(manifest.package.restart, "may-be-required");
    t.is(manifest.fixes.length, 5);
    // One name under three components and two platforms: each its own file.
    t.deepEqual(
      manifest.files.filter((f) => f.name === "Sqldumper.exe").map((f) => f.path),
      [
        "SQL Server 2016 Browser Service/Sqldumper.exe",
        "SQL Server 2016 Writer/Sqldumper.exe",
        "SQL Server 2016 Analysis Services/Sqldumper.exe",
        "SQL Server 2016 Analysis Services/x64/Sqldumper.exe",
        "SQL Server 2016 Database Services Common Core/Sqldumper.exe",
        "SQL Server 2016 Database Services Common Core/x64/Sqldumper.exe",
      ],
    );
    // The same name twice in one table with one platform (two times): numbered.
    t.deepEqual(
      manifest.files
        .filter((f) => f.name === "Microsoft.powerbi.adomdclient.dll")
        .map((f) => f.path),
      [
        "SQL Server 2016 Analysis Services/Microsoft.powerbi.adomdclient.dll",
        "SQL Server 2016 Analysis Services/2/Microsoft.powerbi.adomdclient.dll",
      ],
    );
  },
);

test("restart as the article words it; a conditional restart is may-be-required, reported", (t) => {
  const table =
    "\n\n| File name | File version | File size | Date | Time | Platform |\n|---|---|---|---|---|---|\n| A.dll | 1.0.0.0 | 1 | 01-Jan-2020 | 10:00 | x64 |\n";
  const restart = (text: string) => {
    const imp = importKbTable(`# T\n\n${text}${table}`, "r.md");
    return [
      imp.article.restart?.value,
      imp.articleWarnings.filter((w) => /restart/.test(w.message)).length,
    ];
  };
  t.deepEqual(restart("You must restart the computer after you apply this update."), [
    "required",
    0,
  ]);
  t.deepEqual(
    restart(
      "You might have to restart the computer after you apply this cumulative update package.",
    ),
    ["may-be-required", 0],
  );
  t.deepEqual(restart("You don't have to restart the computer after you apply this update."), [
    "not-required",
    0,
  ]);
  t.deepEqual(restart("You do not have to restart the computer after you apply this hotfix."), [
    "not-required",
    0,
  ]);
  t.deepEqual(restart("This update does not require a restart."), ["not-required", 0]);
  t.deepEqual(
    restart(
      "If you are using Windows Server 2008, you must restart the computer after you apply this update. Users of other versions don't have to restart the computer.",
    ),
    ["may-be-required", 1],
  );
  t.deepEqual(restart("Install the update on the active node (requires a service restart)."), [
    undefined,
    0,
  ]);
  t.deepEqual(restart("Nothing about it."), [undefined, 0]);
});

test("old-layout facts: Article Q-number, Product(s), copyright, SYMPTOMS and CAUSE", async (t) => {
  const imp = await importKbFile(`${repo}test/fixtures/kb/kbarchive/articles/Q293131.md`);
  t.is(imp.kb, "293131");
  t.is(imp.article.product?.value, "Internet Information Server");
  t.is(imp.article.fixes.length, 1);
  t.regex(
    imp.article.fixes[0]!.value.symptoms ?? "",
    /^When you are running Internet Information Server \(IIS\)/,
  );
  t.regex(
    imp.article.fixes[0]!.value.cause ?? "",
    /^Under certain conditions, IIS may misinterpret/,
  );
  const withCopyright = importKbTable(
    "Title\nCOPYRIGHT NOTICE: (c) 2007 Contoso Ltd. All rights reserved.\n\n| File name | File version | Date |\n|---|---|---|\n| A.dll | 1.0.0.0 | 01-Jan-2020 |\n",
    "c.md",
  );
  t.is(withCopyright.article.copyright?.value, "(c) 2007 Contoso Ltd. All rights reserved.");
  t.is(withCopyright.article.company?.value, "Contoso Ltd.");
  t.deepEqual(
    withCopyright.articleWarnings.map((w) => w.message),
    ['company "Contoso Ltd.": the holder its copyright notice names'],
  );
});

test("CSV file lists by header, in any order, with a BOM, CRLF, an extra column and 'Not applicable' in any case", (t) => {
  const csv =
    '\ufeff"File size","Platform","File name","SHA-256","Time","File version","Date"\r\n' +
    '"10,854,760","x64","Ntoskrnl.exe","AB12","05:02","10.0.19041.1237","07-Sep-2021"\r\n' +
    '"1,873","NOT APPLICABLE","Update.mum","CD34","06:12","not applicable","07-Sep-2021"\r\n';
  const imp = importKbTable(csv, "x64.csv");
  t.is(imp.tables[0]!.format, "csv");
  t.is(
    importedRowsTsv(imp.rows),
    "name\tversion\tsize\tdate\ttime\tplatform\nNtoskrnl.exe\t10.0.19041.1237\t10854760\t2021-09-07\t05:02\tx64\nUpdate.mum\tNot Applicable\t1873\t2021-09-07\t06:12\tNot Applicable\n",
  );
  t.deepEqual(imp.rows[0]!.extra, { "SHA-256": "AB12" });
  t.deepEqual(imp.warnings, []);
});

test.serial(
  "bad input: a cell that cannot be read is one positioned line; an article with no file table exits 2 saying so",
  async (t) => {
    const bad =
      "# T\n\nSQL Server 2019 Writer\n\n| File name | File version | File size | Date | Time | Platform |\n|:---:|:---:|:---:|:---:|:---:|:---:|\n| A.dll | 1.0.0.0 | 1 | 22-Jul-19 | 06:58 | x86 |\n| B.dll | 1.0.0.0 | 2 | 32-Jul-19 | 06:58 | x86 |\n";
    const err = t.throws(() => importKbTable(bad, "bad.md"), { instanceOf: InputError });
    t.is(
      err!.message,
      'bad.md:8:25 Date: "32-Jul-19" is not a date like 29-Jun-2010, 22-Jul-19, 06/29/2010 or 2010-06-29',
    );

    const dir = await tempDir(t);
    const none = join(dir, "none.md");
    await writeFile(
      none,
      await readFile(sql2022, "utf8").then((s) => s.slice(0, s.indexOf("x64-based versions"))),
    );
    const r = await main(["init", "--from-kb", none]);
    t.is(r.code, 2);
    t.regex(r.stderr, /none\.md:1:1 no File information table found/);
    t.is(r.stdout, "");

    const versionless =
      "  Date      Time    Size    File name     Platform\n  ------------------------------------------------\n  05/29/97  06:20p  259,920 Rdr.sys       x86\n";
    const e2 = t.throws(() => importKbTable(versionless, "v.txt"), { instanceOf: InputError });
    t.regex(
      e2!.message,
      /^v\.txt:1:3 a file table without a File version column \(Date, Time, Size, File name, Platform\)/,
    );
  },
);

test("old tables' rounded sizes (152 KB) are left out, one decision for all their rows", (t) => {
  const text =
    "  Date      Time    Version         Size     File name  Platform\n  -------------------------------------------------------------\n  9/17/1999  2:47PM  4.0.1381.32901  152 KB   Nwrdr.sys  Intel\n  9/17/1999  2:53PM  4.0.1381.32901  272 KB   Nwrdr.sys  Alpha\n";
  const imp = importKbTable(text, "q.txt");
  t.deepEqual(
    imp.rows.map((r) => [r.name, r.size, r.date, r.time, r.platform]),
    [
      ["Nwrdr.sys", undefined, "1999-09-17", "14:47", "x86"],
      ["Nwrdr.sys", undefined, "1999-09-17", "14:53", "alpha"],
    ],
  );
  const lines = summarizeWarnings(imp.warnings).filter((w) => w.kind === "size-rounded");
  t.is(lines.length, 1);
  t.regex(
    lines[0]!.message,
    /^2 rows \(1-2\): sizes printed in kilobytes \(152 KB\) are rounded, not byte counts: left out/,
  );
});

test.serial(
  "Learn articles of other products: Original KB number and product, a may-restart, platform sections as folders",
  async (t) => {
    const vs = await importKbFile(`${learn}vs2013-update4-kb3018885.md`);
    t.is(vs.kb, "3018885");
    t.is(vs.article.product?.value, "Visual Studio 2013");
    t.deepEqual([vs.article.restart?.value, vs.article.restart?.at], ["may-be-required", "54:5"]);
    t.is(
      vs.article.prerequisite?.value,
      "To apply this update, you must be running Visual Studio 2013 Update 4.",
    );

    const win7 = await importKbFile(`${learn}win7-ldap-filters-kb976398.md`);
    t.is(win7.kb, "976398");
    t.is(win7.article.restart?.value, "not-required");
    t.is(win7.article.platform, undefined, "x86, x64 and IA-64 packages: no one platform");
    t.is(
      win7.article.product,
      undefined,
      "two products with no common name: left out, and said so",
    );
    t.regex(
      win7.articleWarnings[0]!.message,
      /^product left out: the article applies to 2 products/,
    );
    t.is(
      win7.article.prerequisite?.value,
      "To apply this hotfix, your computer must be running Windows Server 2008 R2 or Windows 7.",
    );
    t.deepEqual(win7.rows[1]!.extra, { "Service branch": "Not Applicable" });
    const r = await main(["init", "--from-kb", `${learn}win7-ldap-filters-kb976398.md`]);
    t.is(r.code, 0, r.stderr);
    t.regex(
      r.stdout,
      /^ {4}path: For all supported x64-based versions of Windows 7 and of Windows Server 2008 R2\/Gpprefcl\.dll$/m,
    );
    t.regex(
      r.stdout,
      /^ {4}path: For all supported x64-based versions of Windows 7 and of Windows Server 2008 R2\/x86\/Gpprefcl\.dll$/m,
    );

    // No Platform column: one line for the 8 rows that lack one, not 8.
    const dtc = await main(["init", "--from-kb", `${learn}dtcping-kb918331.md`]);
    t.is(dtc.code, 2);
    t.is(dtc.stderr.split("\n").filter((l) => /lacks a platform/.test(l)).length, 1, dtc.stderr);
    t.regex(
      dtc.stderr,
      /dtcping-kb918331\.md:45:2 row 1 \(Dtcping\.exe\) lacks a platform \(give --platform\), and so do 7 more rows \(2-8\)/,
    );
  },
);

test("a restart section says it: a restart named elsewhere (a fix's) is about something else", (t) => {
  const table =
    "\n\n| File name | File version | File size | Date | Time | Platform |\n|---|---|---|---|---|---|\n| A.dll | 1.0.0.0 | 1 | 01-Jan-2020 | 10:00 | x64 |\n";
  const imp = importKbTable(
    `# T\n\n| Bug reference | Description |\n|---|---|\n| 1 | Fixes an issue in which a change requires a restart of the service. |\n\n## Restart information\n\nYou don't have to restart the computer after you apply this update.\n\n## File information${table}`,
    "r.md",
  );
  t.is(imp.article.restart?.value, "not-required");
  t.is(imp.article.restart?.at, "9:5");
  t.deepEqual(imp.articleWarnings, []);
  t.deepEqual(
    imp.article.fixes.map((f) => f.value.title),
    ["Fixes an issue in which a change requires a restart of the service."],
  );
});

test("a CSV file list has no title line: the title is left out, not its heading row", (t) => {
  const imp = importKbTable(
    '"File name","File version","Date","Time","File size"\n"A.dll","1.0.0.0","07-Sep-2021","05:02","1,024"\n',
    "x64.csv",
  );
  t.is(imp.title, undefined);
  t.is(imp.article.title, undefined);
});

test("hostile article text stays cheap: statements without end, endless lists, a front matter of 100,000 lines", (t) => {
  const table =
    "\n\n| File name | File version | Date |\n|---|---|---|\n| A.dll | 1.0.0.0 | 01-Jan-2020 |\n";
  const texts = [
    `To apply this update${" word,".repeat(2000)}${"\nline, more, words".repeat(20000)}`,
    "you might have to restart the computer ".repeat(20000),
    "## Restart\nyou must restart the computer\n".repeat(20000),
    `(c) 2007 ${"A".repeat(50)} `.repeat(5000),
    `_Applies to:_ ${"a, ".repeat(100000)}`,
    `---\n${"k: v\n- x\n".repeat(50000)}---\n`,
    `T\nSYMPTOMS\n========\n${"AAAA    \n".repeat(20000)}`,
  ];
  for (const text of texts) {
    const imp = importKbTable(text + table, "h.md");
    t.is(imp.rows.length, 1);
  }
});
