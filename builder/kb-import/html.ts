/**
 * File tables in HTML pages: a small, dependency-free reader of <table> rows and cells
 * (a KB page's table is plain markup; a full HTML5 parser would add a dependency for no
 * gain here). Comments, <script> and <style> are skipped, entities decoded, nested
 * tables read as tables of their own.
 */
import { type Cell, columnsOf, readDelimitedRow } from "./delimited.js";
import { decodeEntities } from "./entities.js";
import type { PendingRow } from "./rows.js";
import type { FoundTable } from "./text.js";
import type { Column } from "./types.js";

interface HtmlRow {
  readonly offset: number;
  readonly cells: Cell[];
}
interface HtmlTable {
  readonly offset: number;
  readonly rows: HtmlRow[];
  caption: string;
}

const TAG_RE = /<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g;

/** Every <table> of the page with its rows and cells (text content, offsets). */
export function htmlTables(html: string): HtmlTable[] {
  const tables: HtmlTable[] = [];
  const stack: { table: HtmlTable; row?: HtmlRow; cell?: { start: number; parts: string[] } }[] =
    [];
  let textFrom = 0;
  let skipUntil: string | undefined;
  let captionOpen = false;
  const flushText = (to: number) => {
    const top = stack[stack.length - 1];
    const raw = html.slice(textFrom, to);
    if (top?.cell) top.cell.parts.push(raw);
    else if (top && captionOpen) top.table.caption += raw;
  };
  for (const m of html.matchAll(TAG_RE)) {
    const tag = m[2]?.toLowerCase();
    if (skipUntil) {
      if (m[1] === "/" && tag === skipUntil) {
        skipUntil = undefined;
        textFrom = m.index + m[0].length;
      }
      continue;
    }
    flushText(m.index);
    textFrom = m.index + m[0].length;
    if (!tag) continue; // a comment
    const closing = m[1] === "/";
    const top = stack[stack.length - 1];
    if (!closing && (tag === "script" || tag === "style")) {
      skipUntil = tag;
      continue;
    }
    const endCell = () => {
      if (top?.cell && top.row) {
        const text = decodeEntities(top.cell.parts.join("")).replace(/\s+/g, " ").trim();
        top.row.cells.push({ text, offset: top.cell.start });
        top.cell = undefined;
      }
    };
    switch (tag) {
      case "table":
        if (!closing) {
          const table: HtmlTable = { offset: m.index, rows: [], caption: "" };
          tables.push(table);
          stack.push({ table });
        } else if (top) {
          endCell();
          stack.pop();
        }
        break;
      case "caption":
        captionOpen = !closing;
        break;
      case "tr":
        if (!top) break;
        endCell();
        if (!closing) {
          top.row = { offset: m.index, cells: [] };
          top.table.rows.push(top.row);
        } else top.row = undefined;
        break;
      case "td":
      case "th":
        if (!top) break;
        endCell();
        if (!closing) {
          if (!top.row) {
            top.row = { offset: m.index, cells: [] };
            top.table.rows.push(top.row);
          }
          top.cell = { start: m.index + m[0].length, parts: [] };
        }
        break;
      case "br":
      case "p":
      case "div":
        if (top?.cell) top.cell.parts.push(" ");
        break;
    }
  }
  return tables;
}

/** The file tables among a page's tables. */
export function readHtmlTables(
  html: string,
  file: string,
  where: (offset: number) => string,
  firstTable: number,
): FoundTable[] {
  const found: FoundTable[] = [];
  for (const t of htmlTables(html)) {
    const headIndex = t.rows.findIndex((r) => columnsOf(r.cells.map((c) => c.text)));
    if (headIndex < 0) continue;
    const columns = columnsOf(t.rows[headIndex]!.cells.map((c) => c.text)) as Column[];
    const tableNo = firstTable + found.length;
    const rows: PendingRow[] = [];
    for (const r of t.rows.slice(headIndex + 1)) {
      if (columnsOf(r.cells.map((c) => c.text))) continue; // a repeated heading row
      const row = readDelimitedRow(columns, r.cells, r.offset, tableNo, where, file);
      if (row) rows.push(row);
    }
    if (rows.length === 0) continue;
    const caption = decodeEntities(t.caption).replace(/\s+/g, " ").trim();
    found.push({
      table: {
        format: "html",
        columns,
        at: where(t.rows[headIndex]!.offset),
        ...(caption ? { caption } : {}),
        rowCount: rows.length,
      },
      rows,
      start: t.offset,
      end: t.offset,
    });
  }
  return found;
}
