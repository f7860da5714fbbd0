/**
 * The import's decisions, once each: warnings of one kind that made one decision (23 rows
 * with a two-digit year) become one line naming the first row's position and how many
 * rows it covers. Pure.
 */
import type { ImportWarning, WarningKind } from "./types.js";

export interface WarningSummary {
  readonly kind: WarningKind;
  /** "line:column" of the first row (or note) the decision is about. */
  readonly at: string;
  /** How many rows it covers (0 for a note about the input). */
  readonly rows: number;
  readonly message: string;
}

/** Row numbers as ranges: 1-3, 7, 9-12. */
export function ranges(rows: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j + 1 < rows.length && rows[j + 1] === rows[j]! + 1) j++;
    out.push(i === j ? `${rows[i]}` : `${rows[i]}-${rows[j]}`);
    i = j + 1;
  }
  const text = out.join(", ");
  return text.length <= 60 ? text : `${text.slice(0, 57).replace(/,[^,]*$/, "")}, ...`;
}

/** One line per decision, in the order of their first row. */
export function summarizeWarnings(warnings: readonly ImportWarning[]): WarningSummary[] {
  const groups = new Map<string, ImportWarning[]>();
  const order: string[] = [];
  warnings.forEach((w, i) => {
    const key = w.decision === undefined ? `#${i}` : `${w.kind}\u0000${w.decision}`;
    const g = groups.get(key);
    if (g) g.push(w);
    else {
      groups.set(key, [w]);
      order.push(key);
    }
  });
  return order.map((key) => {
    const g = groups.get(key)!;
    const first = g[0]!;
    const rows = g.flatMap((w) => (w.row === undefined ? [] : [w.row]));
    if (g.length === 1 || first.decision === undefined) {
      return { kind: first.kind, at: first.at, rows: rows.length, message: first.message };
    }
    return {
      kind: first.kind,
      at: first.at,
      rows: rows.length,
      message: `${rows.length} rows (${ranges(rows)}): ${first.decision}; first: ${firstDetail(first)}`,
    };
  });
}

/** The first row's message, without the decision when it only repeats it. */
function firstDetail(w: ImportWarning): string {
  const d = `: ${w.decision}`;
  return w.decision !== undefined && w.message.endsWith(d)
    ? w.message.slice(0, -d.length)
    : w.message;
}
