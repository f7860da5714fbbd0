/** The imported rows as the `table --format tsv` columns (empty cells for what is unknown). */
import { TABLE_COLUMNS } from "../report/table.js";
import type { ImportedRow } from "./types.js";

export function importedRowsTsv(rows: readonly ImportedRow[]): string {
  const lines = [TABLE_COLUMNS.join("\t")];
  for (const r of rows) {
    lines.push(
      [
        r.name,
        r.version,
        r.size === undefined ? "" : String(r.size),
        r.date ?? "",
        (r.time ?? "").slice(0, 5),
        r.platform ?? "",
      ].join("\t"),
    );
  }
  return lines.map((l) => `${l}\n`).join("");
}
