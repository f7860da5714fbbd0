/**
 * Tables whose cells are already cut out: HTML <td>s, Markdown pipes, tab-separated
 * lines. The heading row says what each column holds; other columns are kept as notes.
 */
import { InputError } from "../util/errors.js";
import { headingKind, readCell } from "./cells.js";
import type { PendingRow } from "./rows.js";
import type { Column, ColumnKind } from "./types.js";

export interface Cell {
  readonly text: string;
  /** Offset in the input. */
  readonly offset: number;
}

/**
 * The columns a heading row declares, or undefined when it is not a file table's.
 * `requireVersion` false finds the tables cabwright cannot import (no File version
 * column), to say so rather than "no table".
 */
export function columnsOf(
  headings: readonly string[],
  requireVersion = true,
): Column[] | undefined {
  const columns: Column[] = headings.map((h) => {
    const kind = headingKind(h);
    const heading = h.replace(/\s+/g, " ").trim();
    return kind ? { kind, heading } : { kind: "extra", heading };
  });
  const kinds = new Set(columns.map((c) => c.kind));
  const known = [...kinds].filter((k) => k !== "extra").length;
  if (!kinds.has("name") || (requireVersion && !kinds.has("version")) || known < 3) {
    return undefined;
  }
  // A kind twice is not a file table we understand.
  if (columns.filter((c) => c.kind !== "extra").length !== known) return undefined;
  return columns;
}

const DESCRIPTIONS: Readonly<Record<ColumnKind, string>> = {
  name: "a file name",
  version: 'a 4-part file version like 10.2.952.0 or "Not Applicable"',
  size: "a size in bytes like 421,232",
  date: "a date like 29-Jun-2010, 22-Jul-19, 06/29/2010 or 2010-06-29",
  time: "a time like 18:08 or 05:46p",
  platform: "a platform (x86, x64, IA-64, arm64, Not Applicable)",
};

export function describeKind(kind: ColumnKind): string {
  return DESCRIPTIONS[kind];
}

/**
 * Read one data row. Returns undefined when the row is not a file row at all (a section
 * heading inside the table, a caption); throws InputError when it is one but a cell
 * cannot be read.
 */
export function readDelimitedRow(
  columns: readonly Column[],
  cells: readonly Cell[],
  rowOffset: number,
  table: number,
  where: (offset: number) => string,
  file: string,
): PendingRow | undefined {
  if (cells.length !== columns.length) {
    if (cells.filter((c) => c.text.trim() !== "").length <= 1) return undefined;
  }
  const values = [];
  const kinds: ColumnKind[] = [];
  const extra: Record<string, string> = {};
  let readable = 0;
  let firstBad: { col: Column & { kind: ColumnKind }; cell: Cell | undefined } | undefined;
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    const cell = cells[i];
    const text = (cell?.text ?? "").replace(/\s+/g, " ").trim();
    if (col.kind === "extra") {
      if (text !== "") extra[col.heading] = text;
      continue;
    }
    if (text === "" && (col.kind === "platform" || col.kind === "size")) continue;
    const v = readCell(col.kind, text, false);
    if (v) {
      readable++;
      values.push(v);
      kinds.push(col.kind);
    } else if (!firstBad) firstBad = { col: col as Column & { kind: ColumnKind }, cell };
  }
  if (firstBad) {
    if (readable < 2) return undefined;
    const at = firstBad.cell?.offset ?? rowOffset;
    const found = firstBad.cell ? JSON.stringify(firstBad.cell.text.trim()) : "nothing";
    throw new InputError(
      `${file}:${where(at)} ${firstBad.col.heading}: ${found} is not ${describeKind(firstBad.col.kind)}`,
    );
  }
  return {
    readings: [values],
    kinds: columns.filter((c) => c.kind !== "extra").map((c) => c.kind as ColumnKind),
    extra,
    at: where(rowOffset),
    table,
    source: cells.map((c) => c.text.trim()).join(" | "),
  };
}
