/**
 * Real articles: 389 old-layout KB articles archived by jeffpar/kbarchive (the file tables
 * of the plain-text era) and Microsoft Learn's SQL Server cumulative updates (Markdown).
 * Every article either imports with the table and row counts recorded in INDEX.tsv, or is
 * refused with the one positioned line recorded there. A sample is checked row for row
 * against parses made by hand (expected/*.tsv, made with expected/hand-parse.awk, which
 * shares nothing with cabwright). CABWRIGHT_UPDATE_GOLDEN=1 rewrites INDEX.tsv.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import test from "ava";
import { decodeText, InputError, importedRowsTsv, importKbFile, importKbTable } from "cabwright";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const archive = `${repo}test/fixtures/kb/kbarchive/`;
const learn = `${repo}test/fixtures/kb/learn/`;

interface Outcome {
  readonly file: string;
  readonly outcome: "ok" | "refused";
  readonly tables: number;
  readonly rows: number;
  /** For a refusal: the one line, without the file name. */
  readonly message: string;
}

function importOutcome(file: string, text: string): Outcome {
  try {
    const imp = importKbTable(text, file);
    return { file, outcome: "ok", tables: imp.tables.length, rows: imp.rows.length, message: "" };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { file, outcome: "refused", tables: 0, rows: 0, message: e.message };
  }
}

const line = (o: Outcome) => [o.file, o.outcome, o.tables, o.rows, o.message].join("\t");

test("389 archived KB articles: each imports with its recorded tables and rows, or is refused in one positioned line", (t) => {
  const files = readdirSync(`${archive}articles`).sort();
  t.true(files.length >= 300);
  const got = files.map((f) =>
    importOutcome(f, decodeText(readFileSync(`${archive}articles/${f}`))),
  );
  const index = `${archive}INDEX.tsv`;
  const header = "file\toutcome\ttables\trows\tmessage";
  const text = `${[header, ...got.map(line)].join("\n")}\n`;
  if (process.env.CABWRIGHT_UPDATE_GOLDEN === "1") writeFileSync(index, text);
  const want = readFileSync(index, "utf8").split("\n").slice(1, -1);
  t.deepEqual(
    got.map(line).filter((l, i) => l !== want[i]),
    [],
    "articles whose outcome differs from INDEX.tsv",
  );
  t.is(got.length, want.length);
  for (const o of got.filter((g) => g.outcome === "refused")) {
    t.regex(o.message, /^Q\d+\.md:\d+:\d+ \S/, `${o.file}: file:line:column, then what`);
    t.false(o.message.includes("\n"), `${o.file}: one line`);
  }
  const ok = got.filter((g) => g.outcome === "ok");
  const sum = (k: "tables" | "rows") => ok.reduce((s, o) => s + o[k], 0);
  t.log(
    `${ok.length} of ${got.length} articles import (${sum("tables")} tables, ${sum("rows")} rows); ${got.length - ok.length} refused`,
  );
  t.true(ok.length >= 250 && sum("tables") >= 290, "a few hundred tables import");
});

test("a sample of archived articles, row for row against parses made by hand", async (t) => {
  const samples = readdirSync(`${archive}expected`).filter((f) => f.endsWith(".tsv"));
  t.true(samples.length >= 5);
  let rows = 0;
  for (const s of samples) {
    const id = s.replace(/\.tsv$/, "");
    const want = readFileSync(`${archive}expected/${s}`, "utf8");
    const imp = await importKbFile(`${archive}articles/${id}.md`);
    t.is(importedRowsTsv(imp.rows), want, id);
    rows += imp.rows.length;
  }
  t.log(`${samples.length} articles, ${rows} rows checked`);
});

test("Learn's SQL Server cumulative updates, row for row against parses made by hand", async (t) => {
  const articles = readdirSync(learn).filter((n) => n.endsWith(".md") && n !== "README.md");
  t.is(articles.length, 5);
  for (const f of articles) {
    const imp = await importKbFile(`${learn}${f}`);
    t.is(
      importedRowsTsv(imp.rows),
      readFileSync(`${learn}${f.replace(/\.md$/, ".expected.tsv")}`, "utf8"),
      f,
    );
  }
});
