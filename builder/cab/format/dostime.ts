/**
 * MS-DOS date and time as stored in CFFILE.date / CFFILE.time ([MS-CAB] 2.4).
 * The fields hold the caller's wall-clock time as given: cabwright passes the manifest's
 * UTC, as gcab does. Windows' FDI reads them as local time, so compare stored fields,
 * never extracted mtimes. Resolution is 2 seconds; years run 1980..2107.
 */

export interface DosDateTime {
  /** bits 15..9 year-1980, 8..5 month 1..12, 4..0 day 1..31 */
  readonly date: number;
  /** bits 15..11 hour, 10..5 minute, 4..0 second/2 */
  readonly time: number;
}

export interface CalendarTime {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number; // 1..31
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export const DOS_MIN_YEAR = 1980;
export const DOS_MAX_YEAR = 2107;

/** Pack a calendar time; years outside 1980..2107 are clamped to the nearest end. */
export function toDosDateTime(t: CalendarTime): DosDateTime {
  if (t.year < DOS_MIN_YEAR) return { date: (1 << 5) | 1, time: 0 };
  if (t.year > DOS_MAX_YEAR) {
    return {
      date: ((DOS_MAX_YEAR - DOS_MIN_YEAR) << 9) | (12 << 5) | 31,
      time: (23 << 11) | (59 << 5) | 29,
    };
  }
  return {
    date: ((t.year - DOS_MIN_YEAR) << 9) | (t.month << 5) | t.day,
    time: (t.hour << 11) | (t.minute << 5) | (t.second >>> 1),
  };
}

/** A JavaScript Date taken in UTC (its UTC fields are what is stored). */
export function dateToDosDateTime(d: Date): DosDateTime {
  return toDosDateTime({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  });
}

/** Unpack the stored fields, without judging them (a reader reports odd values as found). */
export function fromDosDateTime(dt: DosDateTime): CalendarTime {
  return {
    year: DOS_MIN_YEAR + (dt.date >>> 9),
    month: (dt.date >>> 5) & 0x0f,
    day: dt.date & 0x1f,
    hour: dt.time >>> 11,
    minute: (dt.time >>> 5) & 0x3f,
    second: (dt.time & 0x1f) * 2,
  };
}
