/**
 * Markdown as Microsoft Learn publishes support articles: the renderer's markup undone in
 * a cell or a line (backslash escapes, entities, inline HTML, links, code spans, emphasis),
 * and the YAML front matter the article starts with. Pure.
 */
import { decodeEntities } from "./entities.js";

/** CommonMark: a backslash before ASCII punctuation makes it literal (`Sql\_dq.dll`). */
const ESCAPE_RE = /\\([!-/:-@[-`{-~])/g;
/** Escaped characters are parked in the private use area while markup is removed. */
const PARK = 0xe000;

/**
 * A cell's or a heading's text as the reader sees it: `Sql\_common\_core\_keyfile.dll` is
 * `Sql_common_core_keyfile.dll`, `[Text](url)` is `Text`, `**x**` is `x`, `&nbsp;` a space,
 * `<a id="1">1</a>` is `1`, `</br>` a space.
 */
export function markdownInline(text: string): string {
  // Most cells have no markup; "_" inside a word (Sql_as_keyfile.dll) is not emphasis.
  if (!/[\\&<[`*!]|(?:^|\W)_|_(?:\W|$)/.test(text)) return text;
  let s = text.replace(ESCAPE_RE, (_, c: string) => String.fromCharCode(PARK + c.charCodeAt(0)));
  s = s
    .replace(/<\/?(?:br|p|div)\b[^>]*>/gi, " ")
    .replace(/<\/?[A-Za-z][A-Za-z0-9]*\b[^>]*>/g, "")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/(^|[^\w])__([^_]+)__(?!\w)/g, "$1$2")
    .replace(/(^|[^\w*])\*([^*\s][^*]*)\*(?![\w*])/g, "$1$2")
    .replace(/(^|[^\w])_([^_\s][^_]*)_(?!\w)/g, "$1$2");
  s = s.replace(/[\ue000-\ue07f]/g, (c) => String.fromCharCode(c.charCodeAt(0) - PARK));
  return decodeEntities(s);
}

/**
 * A pipe-table row's cells: split at every `|` that is not escaped (`\|` is a literal bar
 * inside a cell, as GitHub-flavoured Markdown has it). Offsets are of each cell's text.
 */
export function splitPipes(text: string, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let a = from;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      i++;
      continue;
    }
    if (c === 124 /* | */) {
      out.push([a, i]);
      a = i + 1;
    }
  }
  out.push([a, to]);
  return out;
}

/** A heading-like line's text: `## Restart information`, `<summary><b>Prerequisites</b></summary>`. */
export function headingText(line: string): string {
  return markdownInline(line.replace(/^\s*#{1,6}\s+/, "").replace(/\s+#+\s*$/, ""))
    .replace(/\s+/g, " ")
    .trim();
}

export interface FrontMatter {
  /** Scalar keys (`title`, `ms.custom`). */
  readonly values: Readonly<Record<string, { readonly value: string; readonly offset: number }>>;
  /** List keys (`appliesto`), each item with its offset. */
  readonly lists: Readonly<Record<string, readonly { value: string; offset: number }[]>>;
  /** Offset just past the closing `---`. */
  readonly end: number;
}

/**
 * The `---` block at the top of a Learn article, read as the flat YAML it is (scalars and
 * lists of scalars); nested or unusual YAML is skipped, never guessed at.
 */
export function frontMatter(text: string): FrontMatter | undefined {
  const open = /^---[ \t]*\r?\n/.exec(text);
  if (!open) return undefined;
  const close = /^---[ \t]*$/m.exec(text.slice(open[0].length));
  if (!close) return undefined;
  const body = text.slice(open[0].length, open[0].length + close.index);
  const values: Record<string, { value: string; offset: number }> = {};
  const lists: Record<string, { value: string; offset: number }[]> = {};
  let listKey: string | undefined;
  let offset = open[0].length;
  for (const raw of body.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const item = /^\s*-\s+(.*)$/.exec(line);
    const kv = /^([A-Za-z][\w.-]*):\s*(.*)$/.exec(line);
    if (item && listKey) {
      const list = lists[listKey] ?? [];
      lists[listKey] = list;
      list.push({ value: unquote(item[1]!), offset: offset + line.indexOf(item[1]!) });
    } else if (kv) {
      listKey = kv[2] === "" ? kv[1] : undefined;
      if (kv[2] !== "") {
        values[kv[1]!] = { value: unquote(kv[2]!), offset: offset + line.indexOf(kv[2]!) };
      }
    } else listKey = undefined;
    offset += raw.length + 1;
  }
  return { values, lists, end: open[0].length + close.index + close[0].length };
}

function unquote(v: string): string {
  const t = v.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) {
    return t.slice(1, -1);
  }
  return t;
}
