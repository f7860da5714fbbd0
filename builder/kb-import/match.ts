/**
 * Where cells begin and end when nothing in the text says so: every reading of one row
 * of typed cells starting at a position, in "flat" text (cells run together, as pages
 * scraped without their markup give them) or in "spaces" text (cells apart by blanks,
 * a cell may hold single spaces: "Not Applicable", "5:46 PM").
 */
import { type CellValue, readCell } from "./cells.js";
import type { ColumnKind } from "./types.js";

export type MatchMode = "flat" | "spaces";

/** One complete reading of a row. */
export interface RowReading {
  readonly cells: readonly CellValue[];
  /** Offset of each cell's first character. */
  readonly starts: readonly number[];
  /** Offset just past the row's last cell. */
  readonly end: number;
  readonly penalty: number;
}

export interface RowMatch {
  readonly readings: readonly RowReading[];
  /** How many leading cells could be read at best, and where the next one failed. */
  readonly furthest: { readonly cells: number; readonly at: number };
}

/** The longest text a cell of each kind can have. */
const MAX_CELL: Readonly<Record<ColumnKind, number>> = {
  name: 255,
  version: 23,
  size: 20,
  date: 17,
  time: 11,
  platform: 14,
};

/** Stop enumerating after this many readings of one row (a hostile input stays cheap). */
const MAX_READINGS = 64;

/** How a cell of each kind can begin: a flat cell only ends where the next one can begin. */
const FIRST_CHAR: Readonly<Record<ColumnKind, RegExp>> = {
  name: /[^\s]/,
  version: /[0-9Nn]/,
  size: /[0-9]/,
  date: /[0-9]/,
  time: /[0-9]/,
  platform: /[xX\u00d7iIaAnN]/,
};

const NOT_IN_NAMES = /[\\/:*?"<>|\x00-\x1f]/;

/** Offsets where a cell of `kind` starting at `start` could end. */
function cellEnds(
  text: string,
  start: number,
  kind: ColumnKind,
  mode: MatchMode,
  next: ColumnKind | undefined,
  prune: boolean,
): number[] {
  const limit = Math.min(text.length, start + MAX_CELL[kind]);
  const ends: number[] = [];
  if (mode === "flat") {
    const first = prune && next ? FIRST_CHAR[next] : undefined;
    for (let e = start + 1; e <= limit; e++) {
      const c = text.charCodeAt(e - 1);
      if (c === 10 || c === 13) break;
      // A name cannot run past a character Windows forbids in names (the time's ":").
      if (kind === "name" && NOT_IN_NAMES.test(text[e - 1]!)) break;
      if (first && !first.test(text[skipBlanks(text, e)] ?? "")) continue;
      ends.push(e);
    }
    return ends;
  }
  // spaces: a cell ends before a blank (or the end of the line); inside a cell only
  // single spaces are allowed.
  for (let e = start + 1; e <= limit; e++) {
    const ch = text[e - 1]!;
    if (ch === "\n" || ch === "\r" || ch === "\t") break;
    if (ch === " " && text[e - 2] === " ") break;
    const next = text[e];
    if (next === undefined || next === " " || next === "\t" || next === "\n" || next === "\r") {
      if (ch !== " ") ends.push(e);
    }
  }
  return ends;
}

/** Past the blanks (spaces, tabs) at `at`. */
function skipBlanks(text: string, at: number): number {
  let i = at;
  while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  return i;
}

/** Every reading of one row of `kinds` starting at `start`. */
export function matchRow(
  text: string,
  start: number,
  kinds: readonly ColumnKind[],
  mode: MatchMode,
  options: {
    /** In "spaces" mode: text after the last cell is allowed (columns kept as notes). */
    readonly trailing?: boolean;
    /**
     * In "flat" mode: try a cell end only where the next cell can begin (fast). Off, every
     * end is tried, so that `furthest` names the cell that really fails (for errors).
     */
    readonly prune?: boolean;
  } = {},
): RowMatch {
  const trailing = options.trailing ?? false;
  const prune = options.prune ?? true;
  const readings: RowReading[] = [];
  let furthest = { cells: 0, at: start };
  const cells: CellValue[] = [];
  const starts: number[] = [];
  const flat = mode === "flat";

  const walk = (col: number, pos: number, penalty: number): void => {
    if (readings.length >= MAX_READINGS) return;
    if (col === kinds.length) {
      if (mode === "spaces") {
        const rest = skipBlanks(text, pos);
        if (!trailing && rest < text.length && text[rest] !== "\n" && text[rest] !== "\r") {
          if (col > furthest.cells || (col === furthest.cells && rest > furthest.at)) {
            furthest = { cells: col, at: rest };
          }
          return;
        }
      }
      readings.push({ cells: [...cells], starts: [...starts], end: pos, penalty });
      return;
    }
    const at = col === 0 ? pos : skipBlanks(text, pos);
    if (mode === "spaces" && col > 0 && at === pos) return; // cells need a blank between
    if (col > furthest.cells || (col === furthest.cells && at > furthest.at)) {
      furthest = { cells: col, at };
    }
    const kind = kinds[col]!;
    for (const end of cellEnds(text, at, kind, mode, kinds[col + 1], prune)) {
      const value = readCell(kind, text.slice(at, end), flat);
      if (!value) continue;
      cells.push(value);
      starts.push(at);
      walk(col + 1, end, penalty + value.penalty);
      cells.pop();
      starts.pop();
      if (readings.length >= MAX_READINGS) return;
    }
  };
  walk(0, start, 0);
  return { readings, furthest };
}
