/**
 * Import a KB article's "File information" table: HTML with a real <table>, text copied
 * from a page (tabs, spaces, Markdown pipes, the old plain-text layouts), or text scraped
 * flat. Pure: text in, rows and every decision made out.
 */
import { InputError } from "../util/errors.js";
import { readInputFile } from "../util/fs.js";
import { readArticle } from "./article.js";
import { readFlatTables } from "./flat.js";
import { readHtmlTables } from "./html.js";
import { Positions } from "./position.js";
import { resolveRows } from "./rows.js";
import { type FoundTable, readTextTables, versionlessHeading } from "./text.js";
import { type ImportOptions, type ImportWarning, type KbImport, WarningKind } from "./types.js";

export function importKbTable(text: string, file: string, options: ImportOptions = {}): KbImport {
  const input = text.replace(/^\ufeff/, "");
  const positions = new Positions(input);
  const where = (offset: number) => positions.at(offset);
  const isHtml = /<table[\s>]/i.test(input);
  let found: FoundTable[] = [];
  let unread: string | undefined;
  if (isHtml) found = readHtmlTables(input, file, where, 0);
  if (found.length === 0) {
    const { tables: text, unread: textUnread } = readTextTables(input, file, where, 0);
    const inText = (offset: number) => text.some((t) => offset >= t.start && offset <= t.end);
    const flat = readFlatTables(input, file, where, text.length, inText);
    found = [...text, ...flat].sort((a, b) => a.start - b.start);
    unread = textUnread;
  }
  if (found.length === 0) {
    if (unread) throw new InputError(unread);
    const versionless = versionlessHeading(input);
    if (versionless) {
      throw new InputError(
        `${file}:${where(versionless.offset)} a file table without a File version column (${versionless.headings}): expected a heading naming File name, File version and at least one of File size, Date, Time, Platform; each file of a manifest needs its version`,
      );
    }
    throw new InputError(
      `${file}:1:1 no File information table found: expected a heading row naming the columns File name, File version, File size, Date, Time (and Platform)${isHtml ? " in a <table>" : ""}`,
    );
  }
  const pending = found.flatMap((f, i) => f.rows.map((r) => ({ ...r, table: i })));
  const resolved = resolveRows(pending, options);
  const rows = resolved.rows.map((r) => {
    const component = found[r.table]!.table.component;
    return component ? { ...r, component } : r;
  });
  const article = readArticle(input, where, isHtml);
  const warnings = resolved.warnings;
  const notes: ImportWarning[] = [];
  for (const m of input.matchAll(/^[ \t]*#\s*AMBIGUOUS:\s*(.*)$/gm)) {
    notes.push({
      kind: WarningKind.note,
      row: undefined,
      at: where(m.index),
      message: `the input notes: ${m[1]!.trim()}`,
    });
  }
  const title = article.facts.title?.value;
  const kb = article.facts.kb?.value;
  return {
    file,
    rows,
    tables: found.map((f) => f.table),
    warnings: [...warnings, ...notes],
    ...(title ? { title } : {}),
    ...(kb ? { kb } : {}),
    article: article.facts,
    articleWarnings: article.warnings,
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
