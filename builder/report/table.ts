/**
 * The KB "File information" table in every format `cabwright table` prints.
 * Pure: rows in, text out. Rows come from a manifest, a package or a build record.
 */

import type { Manifest, TableRow } from "../manifest/types.js";
import { MONTH_NAMES } from "../manifest/validate-fields.js";
import type { BuildRecord } from "../pipeline/record.js";

export const TableFormat = {
  kb: "kb",
  md: "md",
  csv: "csv",
  tsv: "tsv",
  json: "json",
} as const;
export type TableFormat = (typeof TableFormat)[keyof typeof TableFormat];
export const TABLE_FORMATS: readonly TableFormat[] = Object.values(TableFormat);

/** The machine-readable columns, in order (tsv header, csv header, json keys). */
export const TABLE_COLUMNS = ["name", "version", "size", "date", "time", "platform"] as const;
/** The article's column headings, in the same order. */
export const KB_HEADINGS = [
  "File name",
  "File version",
  "File size",
  "Date",
  "Time",
  "Platform",
] as const;

/** A manifest file (its size may be left out) or a build record's file. */
export type TableRowSource = Omit<TableRow, "size"> & { readonly size?: number | undefined };

/** The table's fields of a manifest file or a build record's file, and nothing else. */
export function tableRow(f: TableRowSource): TableRow {
  return {
    name: f.name,
    path: f.path,
    version: f.version,
    size: f.size,
    date: f.date,
    time: f.time,
    platform: f.platform,
  };
}

/** The table a manifest declares. */
export function manifestTableRows(manifest: Manifest): TableRow[] {
  return manifest.files.map(tableRow);
}

/** The table of what a build made, from its build record. */
export function recordTableRows(record: BuildRecord): TableRow[] {
  return record.files.map(tableRow);
}

/** 421232 -> "421,232" */
export function formatSizeKb(size: number | undefined): string {
  return size === undefined ? "" : size.toLocaleString("en-US");
}

/** 2010-06-29 -> "29-Jun-2010" */
export function formatDateKb(date: string): string {
  const [y, m, d] = date.split("-");
  return `${d}-${MONTH_NAMES[Number(m) - 1]}-${y}`;
}

/** "18:08:30" -> "18:08": the table shows minutes. */
export function formatTimeKb(time: string): string {
  return time.slice(0, 5);
}

function machineCells(r: TableRow): string[] {
  return [
    r.name,
    r.version,
    r.size === undefined ? "" : String(r.size),
    r.date,
    formatTimeKb(r.time),
    r.platform,
  ];
}

function kbCells(r: TableRow): string[] {
  return [
    r.name,
    r.version,
    formatSizeKb(r.size),
    formatDateKb(r.date),
    formatTimeKb(r.time),
    r.platform,
  ];
}

export function formatTable(rows: readonly TableRow[], format: TableFormat): string {
  switch (format) {
    case "tsv":
      return lines([TABLE_COLUMNS.join("\t"), ...rows.map((r) => machineCells(r).join("\t"))]);
    case "csv":
      return lines(
        [TABLE_COLUMNS.join(","), ...rows.map((r) => machineCells(r).map(csvCell).join(","))],
        "\r\n",
      );
    case "json":
      return `${JSON.stringify(
        rows.map((r) => ({
          name: r.name,
          version: r.version,
          size: r.size ?? null,
          date: r.date,
          time: formatTimeKb(r.time),
          platform: r.platform,
          path: r.path,
        })),
        null,
        2,
      )}\n`;
    case "md":
      return lines([
        `| ${KB_HEADINGS.join(" | ")} |`,
        "|---|---|--:|---|---|---|",
        ...rows.map((r) => `| ${kbCells(r).map(mdCell).join(" | ")} |`),
      ]);
    case "kb":
      return alignedText([[...KB_HEADINGS], ...rows.map(kbCells)], new Set([2]));
  }
}

function lines(ls: string[], eol = "\n"): string {
  return ls.map((l) => l + eol).join("");
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

/** Columns padded to width, two spaces apart; numeric columns right-aligned. */
function alignedText(table: string[][], rightAligned: Set<number>): string {
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const out = table.map((row) =>
    row
      .map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
  out.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return lines(out);
}
