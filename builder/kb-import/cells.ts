/**
 * Cell readers: one cell's text (already cut out) to a typed value, or undefined when
 * the text is not such a cell. Pure; the table readers decide where cells begin and end.
 */

import { NOT_APPLICABLE, Platform } from "../manifest/types.js";
import { MONTH_NAMES } from "../manifest/validate-fields.js";
import { ColumnKind } from "./types.js";

/** The largest value of one part of a Windows file version. */
const VERSION_PART_MAX = 0xffff;

const NOT_APPLICABLE_RE = /^(not\s+applicable|n\/a)$/i;

export interface VersionCell {
  readonly value: string;
  /** A part printed with a leading zero ("10.2.952.04"): implausible in a KB table. */
  readonly leadingZero: boolean;
}

export function readVersion(text: string): VersionCell | undefined {
  if (NOT_APPLICABLE_RE.test(text)) return { value: NOT_APPLICABLE, leadingZero: false };
  const m = /^(\d{1,5})\.(\d{1,5})\.(\d{1,5})\.(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1, 5) as string[];
  if (parts.some((p) => Number(p) > VERSION_PART_MAX)) return undefined;
  return {
    value: parts.map(Number).join("."),
    leadingZero: parts.some((p) => p.length > 1 && p.startsWith("0")),
  };
}

export interface SizeCell {
  /** Bytes; undefined when the table prints the size rounded ("152 KB"). */
  readonly value: number | undefined;
  /** Printed with thousands separators ("421,232"). */
  readonly grouped: boolean;
  /** As printed, when it is rounded to kilobytes. */
  readonly rounded?: string;
}

/** "152 KB", "1,024 KB", "358KB": a size old tables print rounded, so not a byte count. */
const ROUNDED_SIZE_RE = /^(?:[1-9]\d{0,2}(?:,\d{3})+|\d{1,9}) ?KB$/i;

export function readSize(text: string): SizeCell | undefined {
  if (ROUNDED_SIZE_RE.test(text)) return { value: undefined, grouped: false, rounded: text };
  if (/^[1-9]\d{0,2}(,\d{3})+$/.test(text)) {
    return { value: Number(text.replace(/,/g, "")), grouped: true };
  }
  if (/^(0|[1-9]\d*)$/.test(text) && text.length <= 15) {
    return { value: Number(text), grouped: false };
  }
  return undefined;
}

export interface DateCell {
  /** YYYY-MM-DD, undefined when the cell has no year. */
  readonly value: string | undefined;
  /** The year was printed with two digits (22-Jul-19) and read in TWO_DIGIT_YEAR_WINDOW. */
  readonly shortYear: boolean;
  /** Day and month (for a date with no year). */
  readonly month: number;
  readonly day: number;
  /** Read as month/day although day/month would also be a date (4/11/2001). */
  readonly orderGuessed: boolean;
}

const MONTH_INDEX = new Map(MONTH_NAMES.map((m, i) => [m.toLowerCase(), i + 1]));
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Two-digit years (22-Jul-19, as SQL Server's cumulative update articles print them) are
 * read in the century window 1980..2079: 80..99 are 1980..1999, 00..79 are 2000..2079. The
 * window starts where a cabinet's DOS date starts (1980), so no reading is lost that a
 * package could store; every row read this way is reported.
 */
export const TWO_DIGIT_YEAR_WINDOW = { first: 1980, last: 2079 } as const;

export function fullYear(yy: number): number {
  const base = TWO_DIGIT_YEAR_WINDOW.first;
  return yy >= base % 100 ? base - (base % 100) + yy : base - (base % 100) + 100 + yy;
}

function makeDate(
  y: number | undefined,
  mo: number,
  d: number,
  orderGuessed = false,
  shortYear = false,
): DateCell | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1]!) return undefined;
  if (y !== undefined) {
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    if (mo === 2 && d === 29 && !leap) return undefined;
    if (y < 1980 || y > 2107) return undefined;
  }
  const value =
    y === undefined
      ? undefined
      : `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  return { value, month: mo, day: d, orderGuessed, shortYear };
}

/**
 * 29-Jun-2010, 29-June-2010, 22-Jul-19 (two-digit year), 2010-06-29, 06/29/2010 (US order),
 * 14-9 (day-month, no year).
 */
export function readDate(text: string): DateCell | undefined {
  let m = /^(\d{1,2})-([A-Za-z]{3,9})-(\d{4}|\d{2})$/.exec(text);
  if (m) {
    const mo = MONTH_INDEX.get(m[2]!.slice(0, 3).toLowerCase());
    if (mo === undefined) return undefined;
    const full = MONTH_FULL[mo - 1]!;
    if (m[2]!.length > 3 && !full.startsWith(m[2]!.toLowerCase())) return undefined;
    const short = m[3]!.length === 2;
    const year = short ? fullYear(Number(m[3])) : Number(m[3]);
    return makeDate(year, mo, Number(m[1]), false, short);
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) return makeDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})$/.exec(text);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    const short = m[3]!.length === 2;
    // US order, as Microsoft's English articles print it; flagged when the other order
    // would also be a date.
    const year = short ? fullYear(Number(m[3])) : Number(m[3]);
    return makeDate(year, a, b, a !== b && a <= 12 && b <= 12, short);
  }
  m = /^(\d{1,2})-(\d{1,2})$/.exec(text);
  if (m) return makeDate(undefined, Number(m[2]), Number(m[1]));
  return undefined;
}

const MONTH_FULL = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

/** 18:08, 18:08:30, 05:46p, 09:30a, 5:46 PM -> 24-hour HH:MM[:SS]. */
export function readTime(text: string): string | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?([AaPp])\.?(?:[Mm]\.?)?)?$/.exec(text);
  if (!m) return undefined;
  let h = Number(m[1]);
  const min = Number(m[2]);
  const sec = m[3] === undefined ? undefined : Number(m[3]);
  if (min > 59 || (sec !== undefined && sec > 59)) return undefined;
  if (m[4]) {
    if (h < 1 || h > 12) return undefined;
    const pm = m[4].toLowerCase() === "p";
    h = (h % 12) + (pm ? 12 : 0);
  } else if (h > 23) return undefined;
  const hhmm = `${String(h).padStart(2, "0")}:${m[2]}`;
  return sec === undefined ? hhmm : `${hhmm}:${m[3]}`;
}

export interface PlatformCell {
  readonly value: Platform;
  /**
   * The label names the platform differently (Intel for x86), or names one outside what
   * cabwright builds for (Alpha): not just a matter of case or the "×86" mojibake.
   */
  readonly renamed: boolean;
  /** As printed. */
  readonly label: string;
}

/** Labels as articles print them, lower-cased, with "×" (U+00D7, mojibake of x) as x. */
const PLATFORM_LABELS: ReadonlyMap<string, [Platform, boolean]> = new Map([
  ["x86", [Platform.x86, false]],
  ["x64", [Platform.x64, false]],
  ["arm64", [Platform.arm64, false]],
  ["ia-64", [Platform.ia64, false]],
  ["ia64", [Platform.ia64, false]],
  ["alpha", [Platform.alpha, true]],
  ["not applicable", [Platform.notApplicable, false]],
  ["n/a", [Platform.notApplicable, true]],
  ["intel", [Platform.x86, true]],
  ["i386", [Platform.x86, true]],
  ["amd64", [Platform.x64, true]],
  ["itanium", [Platform.ia64, true]],
]);

/** The labels, longest first, for readers that must find where a label ends. */
export const PLATFORM_LABEL_LENGTHS = [
  ...new Set([...PLATFORM_LABELS.keys()].map((k) => k.length)),
].sort((a, b) => b - a);

export function readPlatform(text: string): PlatformCell | undefined {
  // Old tables print "(x86)", "(Alpha)".
  const key = text
    .replace(/^\((.*)\)$/, "$1")
    .replace(/\u00d7/g, "x")
    .replace(/\s+/g, " ")
    .toLowerCase();
  const hit = PLATFORM_LABELS.get(key);
  return hit ? { value: hit[0], renamed: hit[1], label: text } : undefined;
}

/** A file name: no path separators or characters Windows forbids, with an extension. */
export function readName(text: string, requireExtension: boolean): string | undefined {
  if (text.length === 0 || text.length > 255) return undefined;
  if (/[\\/:*?"<>|\x00-\x1f]/.test(text)) return undefined;
  if (text !== text.trim()) return undefined;
  if (requireExtension && !/\.[A-Za-z][A-Za-z0-9_]{0,9}$/.test(text)) return undefined;
  return text;
}

/** A cell of any kind, read: the value the row takes, plus what plausibility needs. */
export type CellValue =
  | { readonly kind: "name"; readonly value: string; readonly penalty: number }
  | { readonly kind: "version"; readonly cell: VersionCell; readonly penalty: number }
  | { readonly kind: "size"; readonly cell: SizeCell; readonly penalty: number }
  | { readonly kind: "date"; readonly cell: DateCell; readonly penalty: number }
  | { readonly kind: "time"; readonly value: string; readonly penalty: number }
  | { readonly kind: "platform"; readonly cell: PlatformCell; readonly penalty: number };

/**
 * Read `text` as a cell of `kind`. `penalty` > 0 marks a reading that is possible but
 * unlike what KB tables print (a digit in a file extension, a version part with a leading
 * zero); readers prefer the readings with the least penalty.
 */
export function readCell(kind: ColumnKind, text: string, flat: boolean): CellValue | undefined {
  switch (kind) {
    case ColumnKind.name: {
      const v = readName(text, flat);
      if (v === undefined) return undefined;
      const ext = /\.([^.]*)$/.exec(v)?.[1] ?? "";
      return { kind, value: v, penalty: /\d/.test(ext) ? 1 : 0 };
    }
    case ColumnKind.version: {
      const cell = readVersion(text);
      return cell && { kind, cell, penalty: cell.leadingZero ? 1 : 0 };
    }
    case ColumnKind.size: {
      const cell = readSize(text);
      // Flat text runs cells together: "KB" there is more likely a name's first letters.
      if (flat && cell?.rounded !== undefined) return undefined;
      return cell && { kind, cell, penalty: 0 };
    }
    case ColumnKind.date: {
      const cell = readDate(text);
      // Flat tables print two-digit days and months (29-Jun-2010, 06/29/2010): a shorter
      // one is more likely the size's last digit running into the date; a two-digit year,
      // the date cut short of the time's first digits.
      const short = flat && (/^\d(?!\d)|\/\d\//.test(text) || cell?.shortYear === true);
      return cell && { kind, cell, penalty: short ? 1 : 0 };
    }
    case ColumnKind.time: {
      const v = readTime(text);
      return v === undefined ? undefined : { kind, value: v, penalty: 0 };
    }
    case ColumnKind.platform: {
      const cell = readPlatform(text);
      return cell && { kind, cell, penalty: 0 };
    }
  }
}

/** What a heading cell names, e.g. "File version" -> version; undefined for other columns. */
export function headingKind(heading: string): ColumnKind | undefined {
  const h = heading
    .replace(/\(utc\)/i, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
  switch (h) {
    case "file name":
    case "filename":
    case "name":
      return ColumnKind.name;
    case "file version":
    case "version":
      return ColumnKind.version;
    case "file size":
    case "size":
      return ColumnKind.size;
    case "date":
      return ColumnKind.date;
    case "time":
      return ColumnKind.time;
    case "platform":
    case "architecture":
      return ColumnKind.platform;
    default:
      return undefined;
  }
}
