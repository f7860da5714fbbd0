import test from "ava";
import {
  formatDateKb,
  formatSizeKb,
  importedRowsTsv,
  importKbTable,
  type Platform,
  type TableRow,
} from "cabwright";
import fc from "fast-check";

/** Seeded: a failure reproduces. */
const RUNS = { seed: 0x6b62, numRuns: Number(process.env.KB_RUNS ?? 60) };

const platforms: Platform[] = ["x86", "x64", "arm64", "IA-64", "Not Applicable"];

const rowArb = fc.record({
  name: fc
    .tuple(
      fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,12}$/),
      fc.constantFrom("dll", "exe", "sys", "cab", "mui", "cat"),
    )
    .map(([b, e]) => `${b}.${e}`),
  version: fc.oneof(
    { weight: 6, arbitrary: fc.constant("10.2.952.0") },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.nat(65535), fc.nat(65535), fc.nat(65535), fc.nat(65535))
        .map((p) => p.join(".")),
    },
    { weight: 1, arbitrary: fc.constant("Not Applicable") },
  ),
  size: fc.nat(50_000_000),
  date: fc
    .date({
      min: new Date("1980-01-01T00:00:00Z"),
      max: new Date("2107-12-31T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10)),
  time: fc
    .tuple(fc.nat(23), fc.nat(59))
    .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`),
  platform: fc.constantFrom(...platforms),
  mojibake: fc.boolean(),
});
type GenRow = typeof rowArb extends fc.Arbitrary<infer T> ? T : never;

function tsv(rows: readonly GenRow[]): string {
  return importedRowsTsv(rows.map((r) => ({ ...r, extra: {}, at: "", table: 0 }) as never));
}

function flat(rows: readonly GenRow[]): string {
  const cells = rows.map(
    (r) =>
      `${r.name}${r.version}${formatSizeKb(r.size)}${formatDateKb(r.date)}${r.time}${r.mojibake ? r.platform.replace(/^x/, "\u00d7") : r.platform}`,
  );
  return `Scraped page.\nFile nameFile versionFile sizeDateTimePlatform${cells.join("")}\nMore text.\n`;
}

test("flat text: each row reads back as written, or the row is reported", (t) => {
  fc.assert(
    fc.property(fc.array(rowArb, { minLength: 1, maxLength: 12 }), (rows) => {
      const imp = importKbTable(flat(rows), "p.txt");
      if (imp.rows.length !== rows.length) return false;
      const want = tsv(rows).split("\n");
      const got = importedRowsTsv(imp.rows).split("\n");
      for (let i = 1; i <= rows.length; i++) {
        if (want[i] !== got[i] && !imp.warnings.some((w) => w.row === i && w.kind === "split")) {
          t.log(flat(rows), want[i], got[i]);
          return false;
        }
      }
      return true;
    }),
    RUNS,
  );
  t.pass();
});

test("tab-separated and HTML tables read back exactly, without warnings", (t) => {
  fc.assert(
    fc.property(fc.array(rowArb, { minLength: 1, maxLength: 12 }), (rows) => {
      const head = ["File name", "File version", "File size", "Date", "Time", "Platform"];
      const cells = (r: GenRow) => [
        r.name,
        r.version,
        formatSizeKb(r.size),
        formatDateKb(r.date),
        r.time,
        r.platform,
      ];
      const tabs = [head, ...rows.map(cells)].map((c) => c.join("\t")).join("\n");
      const html = `<table><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr>${rows
        .map(
          (r) =>
            `<tr>${cells(r)
              .map((c) => `<td>${c}</td>`)
              .join("")}</tr>`,
        )
        .join("")}</table>`;
      for (const text of [tabs, html]) {
        const imp = importKbTable(text, "x");
        if (importedRowsTsv(imp.rows) !== tsv(rows) || imp.warnings.length > 0) return false;
      }
      return true;
    }),
    RUNS,
  );
  t.pass();
});

// A TableRow-shaped check that the generator matches the table model.
const _shape: (r: GenRow) => Omit<TableRow, "path"> = (r) => r;
void _shape;
