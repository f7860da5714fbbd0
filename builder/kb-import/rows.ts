/**
 * From cell readings to rows: picks one reading per row, using what the rest of the
 * table says where a row had several (most files of a rollup share one version), and
 * reports every row where a choice was made.
 */
import type { Platform } from "../manifest/types.js";
import { type CellValue, TWO_DIGIT_YEAR_WINDOW } from "./cells.js";
import {
  type ColumnKind,
  type ImportedRow,
  type ImportOptions,
  type ImportWarning,
  WarningKind,
} from "./types.js";

/** A row as a table reader found it: one or more readings of its cells. */
export interface PendingRow {
  /** Cells of each reading, by column kind. */
  readonly readings: readonly (readonly CellValue[])[];
  readonly kinds: readonly ColumnKind[];
  readonly extra: Readonly<Record<string, string>>;
  readonly at: string;
  readonly table: number;
  /** The text the row was read from, for messages. */
  readonly source: string;
}

interface Values {
  name: string;
  version: string;
  size: number | undefined;
  /** The size as printed when it is rounded ("152 KB"): left out. */
  rounded: string | undefined;
  /** The size was printed with thousands separators. */
  grouped: boolean;
  date: CellValue & { kind: "date" };
  time: string | undefined;
  platform: (CellValue & { kind: "platform" }) | undefined;
}

function valuesOf(cells: readonly CellValue[]): Values {
  const v: Partial<Values> = {
    size: undefined,
    rounded: undefined,
    grouped: false,
    time: undefined,
    platform: undefined,
  };
  for (const c of cells) {
    switch (c.kind) {
      case "name":
        v.name = c.value;
        break;
      case "version":
        v.version = c.cell.value;
        break;
      case "size":
        v.size = c.cell.value;
        v.rounded = c.cell.rounded;
        v.grouped = c.cell.grouped;
        break;
      case "date":
        v.date = c;
        break;
      case "time":
        v.time = c.value;
        break;
      case "platform":
        v.platform = c;
        break;
    }
  }
  return v as Values;
}

function describe(v: Values): string {
  const size = v.size === undefined ? "no size" : `size ${v.size.toLocaleString("en-US")}`;
  return `"${v.name}" version ${v.version} ${size}`;
}

function signature(v: Values): string {
  return [v.name, v.version, v.size, v.date.cell.value, v.time, v.platform?.cell.value].join("|");
}

export function resolveRows(
  pending: readonly PendingRow[],
  options: ImportOptions,
): { rows: ImportedRow[]; warnings: ImportWarning[] } {
  // Readings with the least penalty, without duplicates.
  const choices = pending.map((p) => {
    const least = Math.min(...p.readings.map((r) => r.reduce((s, c) => s + c.penalty, 0)));
    const seen = new Set<string>();
    const out: Values[] = [];
    for (const r of p.readings) {
      if (r.reduce((s, c) => s + c.penalty, 0) !== least) continue;
      const v = valuesOf(r);
      const k = signature(v);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(v);
      }
    }
    return out;
  });
  // What the rows that could be read only one way say.
  const versionCount = new Map<string, number>();
  // Failing those, in how many rows a version is one of the readings.
  const possibleCount = new Map<string, number>();
  for (const c of choices) {
    if (c.length === 1) versionCount.set(c[0]!.version, (versionCount.get(c[0]!.version) ?? 0) + 1);
    for (const version of new Set(c.map((o) => o.version))) {
      possibleCount.set(version, (possibleCount.get(version) ?? 0) + 1);
    }
  }

  const rows: ImportedRow[] = [];
  const warnings: ImportWarning[] = [];
  pending.forEach((p, i) => {
    const rowNo = i + 1;
    const readings = choices[i]!;
    let v = readings[0]!;
    const warn = (kind: ImportWarning["kind"], message: string, decision?: string) =>
      warnings.push({
        kind,
        row: rowNo,
        at: p.at,
        message: `row ${rowNo} (${v.name}): ${message}`,
        ...(decision ? { decision } : {}),
      });
    if (readings.length > 1) {
      const scored = readings.map((o) => ({
        o,
        n: versionCount.get(o.version) ?? 0,
        m: possibleCount.get(o.version) ?? 0,
      }));
      // Last, with grouped sizes ("1,732,032"), the longer version part: a size's first
      // group is 1 to 3 digits, a build number usually 4 or 5.
      scored.sort(
        (a, b) =>
          b.n - a.n ||
          b.m - a.m ||
          (a.o.grouped && b.o.grouped ? b.o.version.length - a.o.version.length : 0),
      );
      v = scored[0]!.o;
      const others = scored
        .slice(1)
        .map((s) => describe(s.o))
        .join(" or ");
      const best = scored[0]!;
      const why =
        best.n > 0
          ? `${best.n} other row(s) that read one way only have version ${v.version}`
          : best.m > 1 && best.m > (scored[1]?.m ?? 0)
            ? `${best.m} rows can be read with version ${v.version}, more than with any other`
            : best.o.grouped
              ? "no other row settles it (the longest version part taken)"
              : "no other row settles it (first reading taken)";
      warn(
        WarningKind.split,
        `"${p.source.length > 80 ? `${p.source.slice(0, 77)}...` : p.source}" can be read as ${describe(v)} or ${others}; chose ${describe(v)}: ${why}`,
      );
    }
    let date = v.date.cell.value;
    if (date === undefined) {
      const { day, month } = v.date.cell;
      if (options.year !== undefined) {
        date = `${options.year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
        warn(
          WarningKind.dateYear,
          `the date has no year; read as ${date} with the given year`,
          `the date has no year; read with the given year ${options.year}`,
        );
      } else {
        warn(
          WarningKind.dateYear,
          `the date has no year (day ${day}, month ${month}); give the year (--year) to import it`,
          "the date has no year; give the year (--year) to import it",
        );
      }
    } else if (v.date.cell.orderGuessed) {
      warn(
        WarningKind.dateOrder,
        `the date could be month/day or day/month; read as month/day (US order): ${date}`,
        "the date could be month/day or day/month; read as month/day (US order)",
      );
    }
    if (date !== undefined && v.date.cell.shortYear) {
      const { first, last } = TWO_DIGIT_YEAR_WINDOW;
      warn(
        WarningKind.dateCentury,
        `the date has a two-digit year; read as ${date} (years ${first}..${last})`,
        `a two-digit year is read in the years ${first}..${last} (${first % 100}..99 as ${first}..${first - (first % 100) + 99}, 00..${last % 100} as ${last - (last % 100)}..${last})`,
      );
    }
    if (v.rounded !== undefined) {
      warn(
        WarningKind.sizeRounded,
        `the size is printed rounded ("${v.rounded}"); size left out`,
        "sizes printed in kilobytes (152 KB) are rounded, not byte counts: left out",
      );
    }
    let platform: Platform | undefined;
    if (v.platform) {
      platform = v.platform.cell.value;
      if (v.platform.cell.renamed) {
        const said =
          platform === "alpha"
            ? `platform "${v.platform.cell.label}" kept as alpha (DEC Alpha AXP: outside x86, x64, IA-64, arm64; cabwright builds no package for it)`
            : `platform label "${v.platform.cell.label}" read as ${platform}`;
        warn(WarningKind.platformLabel, said, said);
      }
    } else {
      const said = p.kinds.includes("platform")
        ? "the Platform cell is empty; platform left empty"
        : "the table has no Platform column; platform left empty";
      warn(WarningKind.noPlatform, said, said);
    }
    rows.push({
      name: v.name,
      version: v.version,
      size: v.size,
      date,
      time: v.time,
      platform,
      extra: p.extra,
      at: p.at,
      table: p.table,
    });
  });
  return { rows, warnings };
}
