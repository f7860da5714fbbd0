import { readFileSync } from "node:fs";
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
  renderReport,
} from "cabwright";
import { runCli } from "./helpers/cli-capture.js";
import { completeDraft } from "./helpers/kb-draft.js";
import { tempDir } from "./helpers/peers.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const fixtures = `${repo}test/fixtures/kb/`;
const seedManifest = `${repo}manifest/fse-sp2-hr2.yaml`;

/** The CLI with its warnings kept out of the test output. */
const main = async (argv: string[]): Promise<number> => (await runCli(argv)).code;

const expected = (name: string) => readFileSync(`${fixtures}${name}.expected.tsv`, "utf8");

test("HTML page: two real tables, extra columns kept as notes, other tables ignored", async (t) => {
  const imp = await importKbFile(`${fixtures}ms10-061-xp-spooler.html`);
  t.is(importedRowsTsv(imp.rows), expected("ms10-061-xp-spooler"));
  t.deepEqual(
    imp.tables.map((x) => [x.format, x.rowCount]),
    [
      ["html", 3],
      ["html", 6],
    ],
  );
  t.deepEqual(imp.rows[1]!.extra, { "SP requirement": "SP3", "Service branch": "SP3QFE" });
  t.deepEqual(
    imp.tables[0]!.columns.filter((c) => c.kind === "extra").map((c) => c.heading),
    ["SP requirement", "Service branch"],
  );
  t.deepEqual(imp.warnings, []);
  t.is(
    imp.title,
    "MS10-061: Description of the security update for the Print Spooler service: September 14, 2010",
  );
});

test("tab-separated text in another column order, an empty platform cell reported", async (t) => {
  const imp = await importKbFile(`${fixtures}kb4499167-win10-tabs.txt`);
  t.is(importedRowsTsv(imp.rows), expected("kb4499167-win10-tabs"));
  t.is(imp.tables[0]!.format, "tabs");
  t.deepEqual(
    imp.warnings.map((w) => [w.kind, w.row, w.at]),
    [["no-platform", 8, "13:1"]],
  );
});

test("flat text: every split that had to be chosen is reported, settled by the common version", async (t) => {
  const imp = await importKbFile(`${fixtures}ms10-046-win7-flat.txt`);
  t.is(importedRowsTsv(imp.rows), expected("ms10-046-win7-flat"));
  const splits = imp.warnings.filter((w) => w.kind === "split");
  t.deepEqual(
    splits.map((w) => w.row),
    [1, 3, 4, 7, 8],
  );
  t.regex(
    splits[0]!.message,
    /version 6\.1\.7600\.16644 size 12,871,680 or .*version 6\.1\.7600\.1664 size 412,871,680/,
  );
  t.regex(
    splits[0]!.message,
    /other row\(s\) that read one way only have version 6\.1\.7600\.16644/,
  );
  // Rows 2 (another branch's version) and 5 read one way only: not reported.
  t.is(imp.rows[1]!.version, "6.1.7600.20770");
  t.is(imp.warnings.length, splits.length);
});

test("CSV as Microsoft publishes file information (quoted sizes, no Platform column)", async (t) => {
  const imp = await importKbFile(`${fixtures}kb5005565-win10-x64.csv`);
  t.is(importedRowsTsv(imp.rows), expected("kb5005565-win10-x64"));
  t.is(imp.tables[0]!.format, "csv");
  t.is(imp.warnings.filter((w) => w.kind === "no-platform").length, 5);
});

test("a pipe table without outer pipes, in the middle of prose", (t) => {
  const imp = importKbTable(
    "Intro.\n\nFile name | File version | File size | Date | Time | Platform\n---|---|--:|---|---|---\nA.dll | 1.0.0.1 | 1,024 | 01-Feb-2020 | 10:00 | x64\nB.sys | 1.0.0.1 | 2,048 | 01-Feb-2020 | 10:01 | arm64\n\nOutro | with a pipe.\n",
    "m.md",
  );
  t.is(
    importedRowsTsv(imp.rows),
    "name\tversion\tsize\tdate\ttime\tplatform\nA.dll\t1.0.0.1\t1024\t2020-02-01\t10:00\tx64\nB.sys\t1.0.0.1\t2048\t2020-02-01\t10:01\tarm64\n",
  );
});

test("flat cells in every date style and the x mojibake", (t) => {
  const head = "File nameFile versionFile sizeDateTimePlatform";
  const imp = importKbTable(
    `${head}A.dll1.0.0.01,00029-Jun-201018:08×86B.dll1.0.0.02,00006/29/201018:08×64C.dll1.0.0.03,0002010-06-2918:08IA-64D.datNot Applicable4,00029-Jun-201018:08Not Applicable.`,
    "flat.txt",
  );
  t.is(
    importedRowsTsv(imp.rows),
    "name\tversion\tsize\tdate\ttime\tplatform\n" +
      "A.dll\t1.0.0.0\t1000\t2010-06-29\t18:08\tx86\n" +
      "B.dll\t1.0.0.0\t2000\t2010-06-29\t18:08\tx64\n" +
      "C.dll\t1.0.0.0\t3000\t2010-06-29\t18:08\tIA-64\n" +
      "D.dat\tNot Applicable\t4000\t2010-06-29\t18:08\tNot Applicable\n",
  );
  t.deepEqual(imp.warnings, []);
});

test("unreadable rows are InputErrors with line:column", (t) => {
  const spaced =
    "  Date         Time   Version        Size       File name\n  14-Nov-2001  13:27  4.0.1381.7103  169,744  Gdi32.dll\n  14-Nov-2001  13:27  4.0.1381.71x3  169,744  User.dll\n";
  t.throws(() => importKbTable(spaced, "old.txt"), {
    instanceOf: InputError,
    message: /^old\.txt:3:23 "4\.0\.1381\.71x3" is not a 4-part file version/,
  });
  const tabs =
    "File name\tFile version\tFile size\tDate\tTime\tPlatform\nA.dll\t1.0.0.0\t12\t31-Jun-2010\t10:00\tx86\n";
  t.throws(() => importKbTable(tabs, "t.txt"), {
    instanceOf: InputError,
    message: /^t\.txt:2:18 Date: "31-Jun-2010" is not a date/,
  });
  const html =
    "<table><tr><th>File name</th><th>File version</th><th>Date</th></tr>\n<tr><td>a.dll</td><td>1.0.0.0</td><td>29-Jun-2010</td></tr>\n<tr><td>b.dll</td><td>1.0.0.0</td><td>yesterday</td></tr></table>";
  t.throws(() => importKbTable(html, "p.html"), {
    instanceOf: InputError,
    message: /^p\.html:3:39 Date: "yesterday" is not a date/,
  });
  const flat =
    "File nameFile versionFile sizeDateTimePlatformA.dll1.0.0.01,00029-Jun-201018:08x86B.dll1.0.0.02,00029-Jun-2010 x86";
  t.throws(() => importKbTable(flat, "f.txt"), {
    instanceOf: InputError,
    message: /^f\.txt:1:112 flat table row 2: expected a time/,
  });
});

test("hostile input stays cheap and is refused cleanly", (t) => {
  const junk = `File nameFile versionFile sizeDateTimePlatform${"1.1.1.1".repeat(2000)}`;
  t.throws(() => importKbTable(junk, "j.txt"), { instanceOf: InputError });
  const deep = `<table>${"<table>".repeat(5000)}</table>`;
  t.throws(() => importKbTable(deep, "d.html"), {
    instanceOf: InputError,
    message: /no File information table/,
  });
});

for (const format of ["html", "txt", "md"] as const) {
  test(`round trip: manifest -> report (${format}) -> import -> the same table`, async (t) => {
    const { manifest } = await loadManifest(seedManifest);
    const article = renderReport(manifest, format);
    const imp = importKbTable(article, `article.${format}`);
    t.is(importedRowsTsv(imp.rows), formatTable(manifestTableRows(manifest), "tsv"));
    t.deepEqual(imp.warnings, []);
  });
}

test.serial(
  "init --from-kb writes a manifest that check accepts and that prints the article's table",
  async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, "sub", "kb.yaml");
    const code = await main([
      "init",
      "--from-kb",
      `${fixtures}ms10-061-xp-spooler.html`,
      "-o",
      out,
    ]);
    t.is(code, 0);
    // The page names no product, company or copyright: the draft leaves them out, and check
    // says so until they are filled in.
    t.is(await main(["check", out]), 2);
    const draft = await readFile(out, "utf8");
    t.regex(draft, /^ {2}# company: the article does not say/m);
    t.notRegex(draft, /^\s*(company|copyright|product|restart):/m);
    await writeFile(
      out,
      draft.replace(/^package:\n/m, "package:\n  product: P\n  company: C\n  copyright: (c) C\n"),
    );
    t.is(await main(["check", out]), 0);
    const { manifest } = await loadManifest(out);
    const imp = await importKbFile(`${fixtures}ms10-061-xp-spooler.html`);
    t.is(formatTable(manifestTableRows(manifest), "tsv"), importedRowsTsv(imp.rows));
    t.is(manifest.package.kb, "2347290");
    t.is(manifest.files[1]!.description, "SP requirement: SP3; Service branch: SP3QFE");
    t.is(manifest.files[1]!.path, "2/Spoolsv.exe");
    const yaml = await readFile(out, "utf8");
    t.regex(yaml, /^defaults:\n {2}version: 5\.2\.3790\.4759\n/m);
  },
);

test.serial(
  "init refuses what the table cannot tell, and --platform/--year supply it",
  async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, "m.yaml");
    const corpus = `${repo}test/fixtures/kb-corpus/`;
    t.is(await main(["init", "--from-kb", `${corpus}06-iis-cgi-q281403.txt`, "-o", out]), 2);
    await t.throwsAsync(readFile(out), { code: "ENOENT" }, "nothing is written");
    t.is(
      await main([
        "init",
        "--from-kb",
        `${corpus}06-iis-cgi-q281403.txt`,
        "--platform",
        "x86",
        "-o",
        out,
      ]),
      0,
    );
    await writeFile(out, completeDraft(await readFile(out, "utf8")));
    t.is((await loadManifest(out)).manifest.files.length, 12);
    t.is(
      await main([
        "init",
        "--from-kb",
        `${corpus}06-iis-cgi-q281403.txt`,
        "--platform",
        "x86",
        "--strict",
        "-o",
        out,
      ]),
      2,
    );
    t.is(
      await main([
        "init",
        "--from-kb",
        `${corpus}04-sql2017-cu17-kb4515579-dq-dreplay.txt`,
        "--year",
        "2019",
        "-o",
        out,
      ]),
      0,
    );
    await writeFile(out, completeDraft(await readFile(out, "utf8")));
    t.is((await loadManifest(out)).manifest.files[0]!.date, "2019-09-14");
  },
);

test.serial(
  "report -o writes the article atomically; a bad template is an InputError naming it",
  async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, "a.html");
    t.is(await main(["report", seedManifest, "--format", "html", "-o", out]), 0);
    const html = await readFile(out, "utf8");
    t.regex(html, /<title>Hotfix Rollup 2 for Microsoft Forefront/);
    t.notRegex(html, /https?:\/\/(?!cabwright)/, "no network address in the page");
    const templates = join(dir, "tpl");
    await main(["report", seedManifest, "--format", "txt", "-o", join(dir, "a.txt")]);
    const { mkdir } = await import("node:fs/promises");
    await mkdir(templates);
    await writeFile(join(templates, "article.txt.hbs"), "{{#each files}}{{name}}\n");
    t.is(await main(["report", seedManifest, "--format", "txt", "--templates", templates]), 2);
    await writeFile(join(templates, "article.txt.hbs"), "{{fileCount}} files, {{restart.text}}\n");
    const err = t.throws(() => renderReport({} as never, "txt"));
    t.truthy(err);
  },
);

test("old text layout with a trailing Folder column: kept as a note, empty where blank", async (t) => {
  const imp = await importKbFile(`${fixtures}xp-sp2-folder-column.txt`);
  t.is(imp.rows.length, 4);
  t.deepEqual(
    imp.rows.map((r) => [r.name, r.version, r.size, r.date, r.time, r.extra]),
    [
      ["Shell32.dll", "6.0.2800.1649", 1163264, "2005-04-20", "21:09", { Folder: "SP1QFE" }],
      ["Shell32.dll", "6.0.2900.2668", 8453120, "2005-04-20", "21:58", { Folder: "SP2GDR" }],
      ["Shell32.dll", "6.0.2900.2668", 8453632, "2005-04-20", "21:58", { Folder: "SP2QFE" }],
      ["Browseui.dll", "6.0.2900.2668", 312320, "2005-04-20", "21:58", {}],
    ],
  );
  t.deepEqual(
    imp.tables[0]!.columns.map((c) => c.kind),
    ["date", "time", "version", "size", "name", "extra"],
  );
  t.is(
    imp.tables[0]!.caption,
    "Windows XP with Service Pack 1 (SP1) and Windows XP with Service Pack 2 (SP2)",
  );
  t.deepEqual(
    imp.warnings.map((w) => w.kind),
    ["no-platform", "no-platform", "no-platform", "no-platform"],
  );
});

test("flat text where every row is ambiguous: ties go to the longest version part, each row reported", (t) => {
  const rows = [
    ["Ntdll.dll", "1,732,032"],
    ["Kernel32.dll", "1,163,264"],
    ["Win32k.sys", "3,135,488"],
  ];
  const text = `File nameFile versionFile sizeDateTimePlatform${rows
    .map(([n, s]) => `${n}6.1.7601.17514${s}20-Nov-201013:27x64`)
    .join("")}`;
  const imp = importKbTable(text, "all.txt");
  t.deepEqual(
    imp.rows.map((r) => [r.name, r.version, r.size]),
    [
      ["Ntdll.dll", "6.1.7601.17514", 1732032],
      ["Kernel32.dll", "6.1.7601.17514", 1163264],
      ["Win32k.sys", "6.1.7601.17514", 3135488],
    ],
  );
  t.deepEqual(
    imp.warnings.map((w) => [w.kind, w.row]),
    [
      ["split", 1],
      ["split", 2],
      ["split", 3],
    ],
  );
  t.regex(imp.warnings[0]!.message, /no other row settles it \(the longest version part taken\)/);
});

test("articles saved as UTF-16 (with BOM) or Windows-1252 read like UTF-8", async (t) => {
  const dir = await tempDir(t);
  const text =
    "File nameFile versionFile sizeDateTimePlatformA.dll1.0.0.01,00029-Jun-201018:08\u00d786.";
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
  const cp1252 = Buffer.from(text, "latin1"); // "×" is D7 in both
  for (const [name, bytes] of [
    ["u16.txt", utf16],
    ["cp1252.txt", cp1252],
  ] as const) {
    await writeFile(join(dir, name), bytes);
    const imp = await importKbFile(join(dir, name));
    t.deepEqual(
      imp.rows.map((r) => [r.name, r.size, r.platform]),
      [["A.dll", 1000, "x86"]],
      name,
    );
  }
});
