/**
 * bench kb: `init --from-kb`'s importer on 5,000-row articles in each layout (Learn's
 * Markdown with a table per component and two-digit years, the CSV of a Windows update,
 * tab-separated, flat scraped text), best of several runs; then the real corpus of
 * test/fixtures/kb/ (archived KB articles and Learn's SQL Server updates): how many
 * articles and tables import, with their rows, and how many are refused in one line.
 * BENCH_KB_CORPUS=DIR adds a folder of articles (e.g. every article of jeffpar/kbarchive
 * with a file table) to the corpus count.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeText, importKbTable } from "../builder/kb-import/index.js";
import { InputError } from "../builder/util/errors.js";

const ROWS = 5000;
const RUNS = 5;
const fixtures = fileURLToPath(new URL("../../test/fixtures/kb/", import.meta.url));

interface Row {
  name: string;
  version: string;
  size: number;
  day: number;
  time: string;
  platform: string;
}

function rows(n: number): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      name: `Component${i % 97}_file${i}.dll`,
      version: `2015.131.${5000 + (i % 7)}.${i % 3}`,
      size: 10_000 + ((i * 7919) % 9_000_000),
      day: 1 + (i % 28),
      time: `${String(i % 24).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}`,
      platform: i % 3 === 0 ? "x86" : "x64",
    });
  }
  return out;
}

/** Learn's layout: front matter, then a table per component of 250 rows, 22-Jul-19 dates. */
function learnMarkdown(rs: readonly Row[]): string {
  const parts = [
    "---\ntitle: Cumulative update 99 for SQL Server 2016 SP2 (KB9999999)\nappliesto:\n- SQL Server 2016 Developer\n- SQL Server 2016 Enterprise\n---\n\n# KB9999999 - Cumulative Update 99\n\n_Version:_ &nbsp; 13.0.5426.0\n\nYou might have to restart the computer after you apply this cumulative update package.\n",
  ];
  for (let i = 0; i < rs.length; i += 250) {
    parts.push(
      `\nSQL Server 2016 Component ${i / 250}\n\n|    File name   |   File version  | File size |    Date   |  Time | Platform |\n|:--------------:|:---------------:|:---------:|:---------:|:-----:|:--------:|\n`,
    );
    for (const r of rs.slice(i, i + 250)) {
      parts.push(
        `| ${r.name.replace(/_/g, "\\_")} | ${r.version} | ${r.size} | ${String(r.day).padStart(2, "0")}-Jul-19 | ${r.time} | ${r.platform} |\n`,
      );
    }
  }
  return parts.join("");
}

function csv(rs: readonly Row[]): string {
  const lines = ['"File name","File version","Date","Time","File size"'];
  for (const r of rs) {
    lines.push(
      `"${r.name}","${r.version}","${String(r.day).padStart(2, "0")}-Sep-2021","${r.time}","${r.size.toLocaleString("en-US")}"`,
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

function tabs(rs: readonly Row[]): string {
  const lines = ["File name\tFile version\tFile size\tDate\tTime\tPlatform"];
  for (const r of rs) {
    lines.push(
      [
        r.name,
        r.version,
        r.size.toLocaleString("en-US"),
        `${String(r.day).padStart(2, "0")}-Jun-2010`,
        r.time,
        r.platform,
      ].join("\t"),
    );
  }
  return `${lines.join("\n")}\n`;
}

function flat(rs: readonly Row[]): string {
  let s = "File nameFile versionFile sizeDateTimePlatform";
  for (const r of rs) {
    s += `${r.name}${r.version}${r.size.toLocaleString("en-US")}${String(r.day).padStart(2, "0")}-Jun-2010${r.time}${r.platform}`;
  }
  return `${s}\n`;
}

function best(text: string, file: string): { ms: number; rows: number } {
  let ms = Number.POSITIVE_INFINITY;
  let n = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    n = importKbTable(text, file).rows.length;
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, rows: n };
}

function articles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...articles(p));
    else if (/\.(md|txt|html|csv)$/i.test(name) && !/README|expected/i.test(p)) out.push(p);
  }
  return out.sort();
}

function corpus(label: string, files: readonly string[]): void {
  let ok = 0;
  let tables = 0;
  let rowCount = 0;
  const refused = new Map<string, number>();
  const t0 = performance.now();
  for (const f of files) {
    try {
      const imp = importKbTable(decodeText(readFileSync(f)), f);
      ok++;
      tables += imp.tables.length;
      rowCount += imp.rows.length;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const why = e.message
        .replace(/^\S+:\d+:\d+ /, "")
        .replace(/"[^"]*"/g, '"..."')
        .replace(/\(.*\)/, "(...)")
        .replace(/at \d+:\d+/g, "at L:C")
        .slice(0, 70);
      refused.set(why, (refused.get(why) ?? 0) + 1);
    }
  }
  const ms = performance.now() - t0;
  process.stdout.write(
    `${label}: ${files.length} articles, ${ok} import (${tables} tables, ${rowCount} rows), ${files.length - ok} refused in one positioned line; ${ms.toFixed(0)} ms in all\n`,
  );
  for (const [why, n] of [...refused].sort((a, b) => b[1] - a[1]).slice(0, 6)) {
    process.stdout.write(`    ${String(n).padStart(4)}  ${why}\n`);
  }
}

export function run(): void {
  const rs = rows(ROWS);
  const layouts: [string, string, string][] = [
    ["Learn Markdown, 20 component tables, 22-Jul-19", learnMarkdown(rs), "a.md"],
    ["CSV (Windows update file list)", csv(rs), "a.csv"],
    ["tab-separated", tabs(rs), "a.txt"],
    ["flat scraped text", flat(rs), "f.txt"],
  ];
  process.stdout.write(`import of ${ROWS} rows (best of ${RUNS}; target < 1 s):\n`);
  for (const [label, text, file] of layouts) {
    const { ms, rows: n } = best(text, file);
    if (n !== ROWS) throw new Error(`${label}: ${n} rows imported, expected ${ROWS}`);
    process.stdout.write(
      `  ${label.padEnd(48)} ${(ms / 1000).toFixed(3)} s  (${(text.length / 1024).toFixed(0)} KiB)\n`,
    );
  }
  corpus("corpus test/fixtures/kb", articles(fixtures));
  const extra = process.env.BENCH_KB_CORPUS;
  if (extra) corpus(`corpus ${extra}`, articles(extra));
}
