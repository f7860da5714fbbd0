/**
 * Tables in text, one row a line: copied from a page (tab-separated), Markdown pipe
 * tables, and the old plain-text KB layouts (space-aligned "Date Time Version Size
 * File name [Platform]", blocks without a heading of their own after a blank line).
 */
import { InputError } from "../util/errors.js";
import { type Cell, columnsOf, describeKind, readDelimitedRow } from "./delimited.js";
import { headingText, markdownInline, splitPipes } from "./markdown.js";
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

type Delimited = "markdown" | "tabs" | "csv";

/** A line's cells for a delimited format, with their offsets. */
function cellsOf(line: Line, format: Delimited): Cell[] {
  const text = line.text;
  let from = text.length - text.trimStart().length;
  // Trailing tabs are empty cells, not blanks.
  let to = format === "tabs" ? text.replace(/[ \r]+$/, "").length : text.trimEnd().length;
  if (format === "markdown") {
    if (text[from] === "|") from++;
    if (to > from && text[to - 1] === "|") to--;
  }
  const cells: Cell[] = [];
  const push = (a: number, b: number, value?: string) => {
    const part = text.slice(a, b);
    const lead = part.length - part.trimStart().length;
    cells.push({ text: value ?? part.trim(), offset: line.offset + a + lead });
  };
  if (format === "markdown") {
    for (const [a, b] of splitPipes(text, from, to)) {
      const part = text.slice(a, b);
      const lead = part.length - part.trimStart().length;
      cells.push({ text: markdownInline(part.trim()).trim(), offset: line.offset + a + lead });
    }
    return cells;
  }
  if (format !== "csv") {
    const sep = "\t";
    for (let a = from; ; ) {
      const next = text.indexOf(sep, a);
      if (next === -1 || next >= to) {
        push(a, to);
        break;
      }
      push(a, next);
      a = next + 1;
    }
    return cells;
  }
  // CSV (RFC 4180): a quoted field may hold commas ("421,232") and doubled quotes.
  let a = from;
  while (a <= to) {
    let b = a;
    while (b < to && text[b] === " ") b++;
    if (text[b] === '"') {
      let value = "";
      let i = b + 1;
      for (; i < to; i++) {
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i++;
          } else break;
        } else value += text[i];
      }
      const comma = text.indexOf(",", i);
      const end = comma === -1 || comma >= to ? to : comma;
      cells.push({ text: value.trim(), offset: line.offset + b + 1 });
      a = end + 1;
      if (end === to) break;
    } else {
      const comma = text.indexOf(",", a);
      const end = comma === -1 || comma >= to ? to : comma;
      push(a, end);
      a = end + 1;
      if (end === to) break;
    }
  }
  return cells;
}

interface Heading {
  readonly format: Delimited | "spaces";
  readonly columns: Column[];
}

function headingOf(line: Line, requireVersion = true): Heading | undefined {
  const t = line.text.trim();
  if (t === "" || t.length > 400) return undefined;
  const delimited: [Delimited, boolean][] = [
    ["markdown", t.includes("|")],
    ["tabs", t.includes("\t")],
    ["csv", t.includes(",")],
  ];
  for (const [format, present] of delimited) {
    if (!present) continue;
    const columns = columnsOf(
      cellsOf(line, format).map((c) => c.text),
      requireVersion,
    );
    if (columns?.every((c) => c.heading.length <= 40)) return { format, columns };
  }
  const matches = [...t.matchAll(SPACED_HEADING_RE)];
  const last = matches[matches.length - 1];
  if (!last) return undefined;
  const residue = t
    .slice(0, last.index + last[0].length)
    .replace(SPACED_HEADING_RE, "")
    .trim();
  if (residue !== "") return undefined;
  // Headings after the known ones ("Folder", "SP requirement  Service branch") are kept
  // as notes; they must look like headings, apart by two blanks or a tab.
  const rest = t.slice(last.index + last[0].length).trim();
  const extras = rest === "" ? [] : rest.split(/\s{2,}|\t/);
  if (!extras.every((h) => /^[A-Za-z][A-Za-z ()/.-]{0,30}$/.test(h)) || extras.length > 4) {
    return undefined;
  }
  const columns = columnsOf([...matches.map((m) => m[0]), ...extras], requireVersion);
  return columns && { format: "spaces", columns };
}

const RULE_RE = /^[\s\-=_|:+]*$/;

/**
 * The first heading line of a file table with no File version column ("Date Time Size
 * File name Platform"), as its offset and headings; cabwright needs each file's version.
 */
export function versionlessHeading(
  text: string,
): { readonly offset: number; readonly headings: string } | undefined {
  for (const line of splitLines(text)) {
    const h = headingOf(line, false);
    if (h && !h.columns.some((c) => c.kind === "version")) {
      const lead = line.text.length - line.text.trimStart().length;
      return { offset: line.offset + lead, headings: h.columns.map((c) => c.heading).join(", ") };
    }
  }
  return undefined;
}

/**
 * Every heading-led table in `text`, in order; `unread` names the first heading under
 * which no row read (the message when nothing else is found).
 */
export function readTextTables(
  text: string,
  file: string,
  where: (offset: number) => string,
  firstTable: number,
): { tables: FoundTable[]; unread?: string } {
  const lines = splitLines(text);
  const found: FoundTable[] = [];
  let unread: { offset: number; message: string } | undefined;
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
    const extras = heading.columns.filter((c) => c.kind === "extra").map((c) => c.heading);
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
      let row: PendingRow | undefined;
      if (heading.format === "spaces") {
        if (headingOf(line)) break;
        row = spacedRow(line, kinds, tableNo, where, file, extras);
      } else {
        if (heading.format === "markdown" && !t.includes("|")) break;
        const cells = cellsOf(line, heading.format);
        // A new heading row: in a pipe table, its own cells say so (read once).
        if (heading.format === "markdown" ? columnsOf(cells.map((c) => c.text)) : headingOf(line)) {
          break;
        }
        if (cells.length === heading.columns.length) {
          row = readDelimitedRow(heading.columns, cells, cells[0]!.offset, tableNo, where, file);
        } else if (heading.format === "tabs") {
          row = spacedRow(line, kinds, tableNo, where, file);
        } else if (heading.format === "csv" && cells.length > 1) {
          throw new InputError(
            `${file}:${where(line.offset)} a CSV row of ${cells.length} fields; the heading has ${heading.columns.length}`,
          );
        }
      }
      if (!row) break;
      rows.push(row);
      last = line;
    }
    if (rows.length === 0 && !unread) {
      // A heading with no row under it that reads: kept to say so if nothing else is found.
      const next = lines.slice(i + 1, i + 6).find((l) => {
        const t = l.text.trim();
        return t !== "" && !(RULE_RE.test(t) && /[-=_]/.test(t));
      });
      if (next) {
        const lead = next.text.length - next.text.trimStart().length;
        unread = {
          offset: next.offset + lead,
          message: `no row under the table heading at ${where(headLine.offset)} reads: expected ${heading.columns
            .map((c) => c.heading)
            .join(", ")}; found ${JSON.stringify(next.text.trim().slice(0, 80))}`,
        };
      }
    }
    if (rows.length > 0) {
      const caption = captionAbove(lines, i);
      const component = caption && componentOf(caption);
      found.push({
        table: {
          format: heading.format as SourceFormat,
          columns: heading.columns,
          at: where(headLine.offset + headLine.text.length - headLine.text.trimStart().length),
          ...(caption ? { caption: caption.text } : {}),
          ...(component ? { component } : {}),
          rowCount: rows.length,
        },
        rows,
        start: headLine.offset,
        end: last.offset + last.text.length,
      });
    }
    i = j;
  }
  return {
    tables: found,
    ...(unread ? { unread: `${file}:${where(unread.offset)} ${unread.message}` } : {}),
  };
}

/** A row whose cells are apart by blanks; undefined when the line is not a file row. */
function spacedRow(
  line: Line,
  kinds: readonly ColumnKind[],
  table: number,
  where: (offset: number) => string,
  file: string,
  extras: readonly string[] = [],
): PendingRow | undefined {
  const lead = line.text.length - line.text.trimStart().length;
  const start = line.offset + lead;
  const body = line.text.trimStart();
  const m = matchRow(body, 0, kinds, "spaces", { trailing: extras.length > 0 });
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
    extra: trailingNotes(body.slice(m.readings[0]!.end).trim(), extras),
    at: where(start),
    table,
    source: body.trim(),
  };
}

interface Caption {
  /** The line as the reader sees it (Markdown and HTML markup undone). */
  readonly text: string;
  /** It is marked as a heading (`##`, `<summary>`, `<b>`, `**...**`). */
  readonly marked: boolean;
}

function captionAbove(lines: readonly Line[], headIndex: number): Caption | undefined {
  for (let k = headIndex - 1; k >= Math.max(0, headIndex - 3); k--) {
    const raw = lines[k]!.text.trim();
    if (raw === "" || RULE_RE.test(raw) || raw.startsWith("# AMBIGUOUS:")) continue;
    const text = headingText(raw);
    if (text === "" || text.length > 160) return undefined;
    const marked = /^(#{1,6}\s|<(summary|b|strong|h[1-6])\b|\*\*)/i.test(raw);
    return { text, marked };
  }
  return undefined;
}

/** The longest a line can be and still name a component ("SQL Server 2016 Writer"). */
const COMPONENT_MAX = 100;

/**
 * A caption names the component its table lists (SQL Server's cumulative updates print
 * one table per feature under its name) when it is a heading, or a short line that is
 * not a sentence leading into the table ("...the following file attributes or later:").
 */
function componentOf(caption: Caption): string | undefined {
  const t = caption.text;
  if (t.length > COMPONENT_MAX || /[:.]$/.test(t)) return undefined;
  if (!caption.marked && /\b(following|table|listed|attributes)\b/i.test(t)) return undefined;
  return t;
}

/** The text after a row's last known cell, under the extra headings. */
function trailingNotes(text: string, extras: readonly string[]): Record<string, string> {
  if (text === "" || extras.length === 0) return {};
  const parts = text.split(/\s{2,}|\t/);
  if (parts.length === extras.length) {
    return Object.fromEntries(extras.map((h, i) => [h, parts[i]!]));
  }
  return { [extras.join(" / ")]: text };
}
