/**
 * Tables in text, one row a line: copied from a page (tab-separated), Markdown pipe
 * tables, and the old plain-text KB layouts (space-aligned "Date Time Version Size
 * File name [Platform]", blocks without a heading of their own after a blank line).
 */
import { InputError } from "../util/errors.js";
import { type Cell, columnsOf, describeKind, readDelimitedRow } from "./delimited.js";
import { matchRow } from "./match.js";
import type { PendingRow } from "./rows.js";
import type { Column, ColumnKind, ImportedTable, SourceFormat } from "./types.js";

export interface FoundTable {
  readonly table: ImportedTable;
  readonly rows: PendingRow[];
  /** Offset range the table covers in the input (for not reading it twice). */
  readonly start: number;
  readonly end: number;
}

interface Line {
  readonly text: string;
  readonly offset: number;
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  let offset = 0;
  for (const raw of text.split("\n")) {
    out.push({ text: raw.replace(/\r$/, ""), offset });
    offset += raw.length + 1;
  }
  return out;
}

/** Headings a space-aligned heading line may hold, longest first. */
const SPACED_HEADING_RE =
  /file\s+name|file\s+version|file\s+size|filename|version|size|date(?:\s*\(utc\))?|time(?:\s*\(utc\))?|platform|name/gi;

/** Cells of a line cut at a one-character separator, with their offsets. */
function cut(line: Line, sep: "|" | "\t", trimPipes: boolean): Cell[] {
  let body = line.text;
  let base = line.offset;
  if (trimPipes) {
    const lead = body.indexOf("|");
    base += lead + 1;
    body = body.slice(lead + 1).replace(/\|\s*$/, "");
  }
  const cells: Cell[] = [];
  let from = 0;
  for (;;) {
    const next = body.indexOf(sep, from);
    const part = body.slice(from, next === -1 ? body.length : next);
    const lead = part.length - part.trimStart().length;
    cells.push({ text: part.trim(), offset: base + from + lead });
    if (next === -1) break;
    from = next + 1;
  }
  return cells;
}

type Heading =
  | { readonly format: "markdown" | "tabs"; readonly columns: Column[] }
  | { readonly format: "spaces"; readonly columns: Column[] };

function headingOf(line: Line): Heading | undefined {
  const t = line.text.trim();
  if (t === "" || t.length > 400) return undefined;
  if (t.startsWith("|")) {
    const columns = columnsOf(cut(line, "|", true).map((c) => c.text));
    return columns && { format: "markdown", columns };
  }
  if (t.includes("\t")) {
    const columns = columnsOf(t.split(/\t+/));
    if (columns?.every((c) => c.heading.length <= 40)) {
      return { format: "tabs", columns };
    }
  }
  const found = [...t.matchAll(SPACED_HEADING_RE)].map((m) => m[0]);
  const residue = t.replace(SPACED_HEADING_RE, "").trim();
  if (residue !== "") return undefined;
  const columns = columnsOf(found);
  return columns && { format: "spaces", columns };
}

const RULE_RE = /^[\s\-=_|:+]*$/;

/** Every heading-led table in `text`, in order. */
export function readTextTables(
  text: string,
  file: string,
  where: (offset: number) => string,
  firstTable: number,
): FoundTable[] {
  const lines = splitLines(text);
  const found: FoundTable[] = [];
  let i = 0;
  while (i < lines.length) {
    const heading = headingOf(lines[i]!);
    if (!heading) {
      i++;
      continue;
    }
    const headLine = lines[i]!;
    const tableNo = firstTable + found.length;
    const rows: PendingRow[] = [];
    const kinds = heading.columns
      .filter((c) => c.kind !== "extra")
      .map((c) => c.kind as ColumnKind);
    let j = i + 1;
    let last = headLine;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      const t = line.text.trim();
      if (t.startsWith("# AMBIGUOUS:")) continue;
      if (t === "") {
        if (heading.format === "markdown") break;
        continue;
      }
      if (RULE_RE.test(t) && /[-=_]/.test(t)) continue;
      if (headingOf(line)) break;
      let row: PendingRow | undefined;
      if (heading.format === "markdown" || heading.format === "tabs") {
        const cells =
          heading.format === "markdown"
            ? t.startsWith("|")
              ? cut(line, "|", true)
              : []
            : cut(trimmedStart(line), "\t", false);
        if (cells.length === heading.columns.length) {
          row = readDelimitedRow(heading.columns, cells, cells[0]!.offset, tableNo, where, file);
        } else if (heading.format === "tabs") {
          row = spacedRow(line, kinds, tableNo, where, file);
        }
      } else {
        row = spacedRow(line, kinds, tableNo, where, file);
      }
      if (!row) break;
      rows.push(row);
      last = line;
    }
    if (rows.length > 0) {
      const caption = captionAbove(lines, i);
      found.push({
        table: {
          format: heading.format as SourceFormat,
          columns: heading.columns,
          at: where(headLine.offset + headLine.text.length - headLine.text.trimStart().length),
          ...(caption ? { caption } : {}),
          rowCount: rows.length,
        },
        rows,
        start: headLine.offset,
        end: last.offset + last.text.length,
      });
    }
    i = j;
  }
  return found;
}

/** A row whose cells are apart by blanks; undefined when the line is not a file row. */
function spacedRow(
  line: Line,
  kinds: readonly ColumnKind[],
  table: number,
  where: (offset: number) => string,
  file: string,
): PendingRow | undefined {
  const lead = line.text.length - line.text.trimStart().length;
  const start = line.offset + lead;
  const body = line.text.trimStart();
  const m = matchRow(body, 0, kinds, "spaces");
  if (m.readings.length === 0) {
    // A line that reads as the first cells of a row, then fails, is a broken row.
    if (m.furthest.cells >= 2) {
      const kind = kinds[m.furthest.cells];
      const at = start + m.furthest.at;
      const found = body.slice(m.furthest.at).split(/\s{2,}|\t/)[0] ?? "";
      throw new InputError(
        kind
          ? `${file}:${where(at)} ${JSON.stringify(found)} is not ${describeKind(kind)} (column ${m.furthest.cells + 1} of the table)`
          : `${file}:${where(at)} ${JSON.stringify(found)} after the row's last column`,
      );
    }
    return undefined;
  }
  return {
    readings: m.readings.map((r) => r.cells),
    kinds,
    extra: {},
    at: where(start),
    table,
    source: body.trim(),
  };
}

function trimmedStart(line: Line): Line {
  const text = line.text.trimStart();
  return { text, offset: line.offset + line.text.length - text.length };
}

function captionAbove(lines: readonly Line[], headIndex: number): string | undefined {
  for (let k = headIndex - 1; k >= Math.max(0, headIndex - 3); k--) {
    const t = lines[k]!.text.trim();
    if (t === "" || RULE_RE.test(t)) continue;
    return t.length <= 160 ? t : undefined;
  }
  return undefined;
}
