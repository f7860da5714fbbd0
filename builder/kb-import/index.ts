/**
 * Import a KB article's "File information" table: HTML with a real <table>, text copied
 * from a page (tabs, spaces, Markdown pipes, the old plain-text layouts), or text scraped
 * flat. Pure: text in, rows and every decision made out.
 */
import { InputError } from "../util/errors.js";
import { readInputFile } from "../util/fs.js";
import { readFlatTables } from "./flat.js";
import { htmlTitle, readHtmlTables } from "./html.js";
import { Positions } from "./position.js";
import { resolveRows } from "./rows.js";
import { type FoundTable, readTextTables } from "./text.js";
import { type ImportOptions, type ImportWarning, type KbImport, WarningKind } from "./types.js";

export function importKbTable(text: string, file: string, options: ImportOptions = {}): KbImport {
  const input = text.replace(/^\ufeff/, "");
  const positions = new Positions(input);
  const where = (offset: number) => positions.at(offset);
  const isHtml = /<table[\s>]/i.test(input);
  let found: FoundTable[] = [];
  if (isHtml) found = readHtmlTables(input, file, where, 0);
  if (found.length === 0) {
    const text = readTextTables(input, file, where, 0);
    const inText = (offset: number) => text.some((t) => offset >= t.start && offset <= t.end);
    const flat = readFlatTables(input, file, where, text.length, inText);
    found = [...text, ...flat].sort((a, b) => a.start - b.start);
  }
  if (found.length === 0) {
    throw new InputError(
      `${file}:1:1 no File information table found: expected a heading row naming the columns File name, File version, File size, Date, Time (and Platform)${isHtml ? " in a <table>" : ""}`,
    );
  }
  const pending = found.flatMap((f, i) => f.rows.map((r) => ({ ...r, table: i })));
  const { rows, warnings } = resolveRows(pending, options);
  const notes: ImportWarning[] = [];
  for (const m of input.matchAll(/^[ \t]*#\s*AMBIGUOUS:\s*(.*)$/gm)) {
    notes.push({
      kind: WarningKind.note,
      row: undefined,
      at: where(m.index),
      message: `the input notes: ${m[1]!.trim()}`,
    });
  }
  const title = isHtml ? htmlTitle(input) : firstLine(input);
  const kb = /\bKB\s?(\d{6,7})\b/i.exec(input)?.[1];
  return {
    file,
    rows,
    tables: found.map((f) => f.table),
    warnings: [...warnings, ...notes],
    ...(title ? { title } : {}),
    ...(kb ? { kb } : {}),
  };
}

/** Read a file and import its table (bytes decoded as UTF-8). */
export async function importKbFile(file: string, options: ImportOptions = {}): Promise<KbImport> {
  const bytes = await readInputFile(file, "the article");
  return importKbTable(decodeText(bytes), file, options);
}

/**
 * Article bytes to text: UTF-16 with a byte order mark (Notepad's "Unicode"), UTF-8, or,
 * when the bytes are not valid UTF-8, Windows-1252 (where "×" is the single byte D7).
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

function firstLine(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t !== "" && !t.startsWith("#") && !/^[-=|\s]+$/.test(t)) {
      return t.length <= 200 ? t : undefined;
    }
  }
  return undefined;
}

export type {
  Column,
  ColumnKind,
  ImportedRow,
  ImportedTable,
  ImportOptions,
  ImportWarning,
  KbImport,
  SourceFormat,
  WarningKind,
} from "./types.js";
