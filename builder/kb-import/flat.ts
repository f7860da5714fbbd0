/**
 * Tables scraped flat: the heading cells and every row's cells run together on one line
 * ("File nameFile versionFile sizeDateTimePlatformAdonavigator.dll10.2.952.0421,232...").
 * Where a row can be cut more than one way, every reading is kept for rows.ts to settle.
 */
import { InputError } from "../util/errors.js";
import { columnsOf, describeKind } from "./delimited.js";
import { matchRow, type RowMatch, type RowReading } from "./match.js";
import type { PendingRow } from "./rows.js";
import type { FoundTable } from "./text.js";
import type { ColumnKind } from "./types.js";

/** Four or more headings with at most blanks between them. */
const RUN_RE = /(?:(?:File ?name|File ?version|File ?size|Date|Time|Platform)[ \t]*){4,}/gi;
const ONE_HEADING_RE = /File ?name|File ?version|File ?size|Date|Time|Platform/gi;

export function readFlatTables(
  text: string,
  file: string,
  where: (offset: number) => string,
  firstTable: number,
  taken: (offset: number) => boolean,
): FoundTable[] {
  const found: FoundTable[] = [];
  for (const m of text.matchAll(RUN_RE)) {
    const headStart = m.index;
    const headEnd = headStart + m[0].length;
    if (taken(headStart)) continue;
    // Flat only when the data runs on from the heading on the same line.
    const next = text[headEnd];
    if (next === undefined || next === "\n" || next === "\r") continue;
    const headings = [...m[0].matchAll(ONE_HEADING_RE)].map((h) => h[0]);
    const columns = columnsOf(headings);
    if (!columns) continue;
    const kinds = columns.map((c) => c.kind as ColumnKind);
    const tableNo = firstTable + found.length;
    const rows: PendingRow[] = [];
    // Each row is matched once: settleEnds looks ahead at the next row, which the loop
    // then reads from this cache.
    const cache = new Map<number, RowMatch>();
    const matchAt = (p: number): RowMatch => {
      let m = cache.get(p);
      if (!m) {
        m = matchRow(text, p, kinds, "flat");
        cache.clear();
        cache.set(p, m);
      }
      return m;
    };
    let pos = headEnd;
    for (;;) {
      while (pos < text.length && /\s/.test(text[pos]!)) pos++;
      const match = matchAt(pos);
      if (match.readings.length === 0) {
        // Matched again trying every cell end, to see how far the row really reads and
        // name the cell that fails.
        const { furthest } = matchRow(text, pos, kinds, "flat", { prune: false });
        if (rows.length === 0 || furthest.cells >= 2) {
          const kind = kinds[furthest.cells]!;
          const at = furthest.at;
          throw new InputError(
            `${file}:${where(at)} flat table row ${rows.length + 1}: expected ${describeKind(kind)} at ${JSON.stringify(text.slice(at, at + 24))}`,
          );
        }
        break;
      }
      const readings = settleEnds(text, match.readings, matchAt);
      const end = readings[0]!.end;
      rows.push({
        readings: readings.map((r) => r.cells),
        kinds,
        extra: {},
        at: where(pos),
        table: tableNo,
        source: text.slice(pos, Math.max(...readings.map((r) => r.end))),
      });
      pos = end;
    }
    found.push({
      table: { format: "flat", columns, at: where(headStart), rowCount: rows.length },
      rows,
      start: headStart,
      end: pos,
    });
  }
  return found;
}

/**
 * Readings of one row may end at different places; keep those after which the next row
 * reads (or the table ends), and of those the ones ending where most of them do.
 */
function settleEnds(
  text: string,
  readings: readonly RowReading[],
  matchAt: (offset: number) => RowMatch,
): RowReading[] {
  const ends = [...new Set(readings.map((r) => r.end))];
  if (ends.length === 1) return [...readings];
  const continues = ends.filter((e) => {
    let p = e;
    while (p < text.length && /\s/.test(text[p]!)) p++;
    return matchAt(p).readings.length > 0;
  });
  // Prefer the earliest end that lets the table go on (a later end would swallow the
  // next row's first cell); after the last row, the longest reading of the last cell.
  const end = continues.length > 0 ? Math.min(...continues) : Math.max(...ends);
  return readings.filter((r) => r.end === end);
}
