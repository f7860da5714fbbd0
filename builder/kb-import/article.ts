/**
 * What an article says besides its file table: title, KB number, product, the package
 * version it states, whether a restart is needed, its prerequisites and the issues it
 * fixes. Only what the text says is taken, each fact with where it was read; what the
 * text does not say stays absent. Pure.
 */
import type { Restart } from "../manifest/types.js";
import { decodeEntities } from "./entities.js";
import { frontMatter, headingText, markdownInline, splitPipes } from "./markdown.js";
import { type ImportWarning, WarningKind } from "./types.js";

/** A fact with the position ("line:column") and the words it was read from. */
export interface Fact<T> {
  readonly value: T;
  readonly at: string;
  /** The article's words, for the manifest's comments (at most ~200 characters). */
  readonly said: string;
}

export interface ArticleFix {
  readonly title: string;
  readonly symptoms?: string;
  readonly cause?: string;
}

export interface ArticleFacts {
  readonly title?: Fact<string>;
  readonly kb?: Fact<string>;
  readonly product?: Fact<string>;
  /** A 4-part version the article states for the package ("_Version:_ 13.0.5426.0"). */
  readonly version?: Fact<string>;
  readonly restart?: Fact<Restart>;
  /** The prerequisite as the article words it (no version range: articles give none). */
  readonly prerequisite?: Fact<string>;
  /** The platform of the package the article offers ("x64-based versions", "...-x64.exe"). */
  readonly platform?: Fact<"x86" | "x64">;
  /** The copyright notice as printed ("(c) 2007 Microsoft Corporation. All rights reserved."). */
  readonly copyright?: Fact<string>;
  /** The holder the copyright notice names (reported: a notice names a holder, not a vendor). */
  readonly company?: Fact<string>;
  readonly fixes: readonly Fact<ArticleFix>[];
}

type Where = (offset: number) => string;

const MAX_SAID = 200;

function said(text: string): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length <= MAX_SAID ? t : `${t.slice(0, MAX_SAID - 3)}...`;
}

/** The article's facts, and a warning for each that had to be derived rather than read. */
export function readArticle(
  text: string,
  where: Where,
  isHtml: boolean,
): { facts: ArticleFacts; warnings: ImportWarning[] } {
  const warnings: ImportWarning[] = [];
  const note = (at: string, message: string) =>
    warnings.push({ kind: WarningKind.article, row: undefined, at, message });
  const fm = isHtml ? undefined : frontMatter(text);

  const title = readTitle(text, where, isHtml, fm);
  const kb = readKb(text, where, title, fm, note);
  const product = readProduct(text, where, fm, note) ?? productFromTitle(title, note);
  const copyright = readCopyright(text, where);
  const platform = readPlatform(text, where);
  const company = copyright && companyOf(copyright, note);
  const restart = readRestart(text, where, note);
  const version = readVersion(text, where);
  const prerequisite = readPrerequisite(text, where);
  const fixes = isHtml ? [] : [...fixTables(text, where), ...symptomSections(text, where, title)];
  return {
    facts: {
      ...(title ? { title } : {}),
      ...(kb ? { kb } : {}),
      ...(product ? { product } : {}),
      ...(version ? { version } : {}),
      ...(restart ? { restart } : {}),
      ...(prerequisite ? { prerequisite } : {}),
      ...(copyright ? { copyright } : {}),
      ...(company ? { company } : {}),
      ...(platform ? { platform } : {}),
      fixes,
    },
    warnings,
  };
}

function readTitle(
  text: string,
  where: Where,
  isHtml: boolean,
  fm: ReturnType<typeof frontMatter>,
): Fact<string> | undefined {
  if (isHtml) {
    const m =
      /<h1\b[^>]*>([\s\S]*?)<\/h1>/i.exec(text) ?? /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(text);
    if (!m) return undefined;
    const t = decodeEntities(m[1]!.replace(/<[^>]*>/g, " "))
      .replace(/\s+/g, " ")
      .trim();
    return t ? { value: t, at: where(m.index), said: said(t) } : undefined;
  }
  const from = fm?.end ?? 0;
  const h1 = /^#[ \t]+(.+)$/m.exec(text.slice(from));
  if (h1) {
    const t = headingText(h1[0]);
    if (t) return { value: t, at: where(from + h1.index), said: said(t) };
  }
  const fmTitle = fm?.values.title;
  if (fmTitle) {
    const t = markdownInline(fmTitle.value).trim();
    if (t) return { value: t, at: where(fmTitle.offset), said: said(t) };
  }
  for (const m of text.matchAll(/^[ \t]*(\S.*)$/gm)) {
    const t = m[1]!.trim();
    if (t.startsWith("#") || /^[-=|\s]+$/.test(t)) continue;
    // A file list with no title (a CSV download): its heading row is not a title.
    if (/file\s*name/i.test(t) && /version|size|date/i.test(t)) return undefined;
    return t.length <= MAX_SAID ? { value: t, at: where(m.index), said: t } : undefined;
  }
  return undefined;
}

const KB_RE = /\bKB\s?(\d{6,7})\b/i;

function readKb(
  text: string,
  where: Where,
  title: Fact<string> | undefined,
  fm: ReturnType<typeof frontMatter>,
  note: (at: string, message: string) => void,
): Fact<string> | undefined {
  const inTitle = title && KB_RE.exec(title.value);
  if (inTitle) return { value: inTitle[1]!, at: title.at, said: title.said };
  const custom = fm?.values["ms.custom"];
  const inCustom = custom && KB_RE.exec(custom.value);
  if (inCustom) return { value: inCustom[1]!, at: where(custom.offset), said: custom.value };
  // Learn's "_Original KB number:_ &nbsp; 3018885".
  const original = /^[ \t]*_?Original KB number:_?(?:[ \t]|&nbsp;)*(\d{4,8})\b/im.exec(text);
  if (original) {
    return {
      value: original[1]!,
      at: where(original.index + original[0].indexOf(original[1]!)),
      said: said(markdownInline(original[0])),
    };
  }
  // The old KB layout: "Article: Q293131", "Article ID: 312576".
  const article = /^\s*Article(?:\s+ID)?:\s*Q?(\d{5,7})\b/im.exec(text);
  if (article) {
    return { value: article[1]!, at: where(article.index), said: said(article[0]) };
  }
  const any = KB_RE.exec(text);
  if (!any) return undefined;
  const at = where(any.index);
  // One KB number in the whole text names the article; several, and the first is a guess.
  const distinct = new Set([...text.matchAll(new RegExp(KB_RE.source, "gi"))].map((m) => m[1]));
  if (distinct.size > 1) {
    note(
      at,
      `KB number ${any[1]} taken from its first mention ("${any[0]}"): the title names none and the text names ${distinct.size}`,
    );
  }
  return { value: any[1]!, at, said: any[0] };
}

/** The words every entry starts with ("SQL Server 2016 Developer", "... Enterprise"). */
function commonWords(items: readonly string[]): string {
  const split = items.map((i) => i.split(/\s+/));
  const out: string[] = [];
  for (let k = 0; split.every((w) => k < w.length && w[k] === split[0]![k]); k++) {
    out.push(split[0]![k]!);
  }
  // "SQL Server 2022 on" (Windows, Linux) names "SQL Server 2022".
  while (
    out.length > 0 &&
    /^(on|for|with|and|or|in|the|of|-|x64|x86)$/i.test(out[out.length - 1]!)
  ) {
    out.pop();
  }
  return out.join(" ");
}

function readProduct(
  text: string,
  where: Where,
  fm: ReturnType<typeof frontMatter>,
  note: (at: string, message: string) => void,
): Fact<string> | undefined {
  let items = fm?.lists.appliesto?.map((i) => ({
    value: markdownInline(i.value),
    offset: i.offset,
  }));
  if (!items || items.length === 0) {
    // Learn's "_Original product version:_ &nbsp; Visual Studio 2013" or "_Applies to:_ ...".
    const line =
      /^[ \t]*_?(?:Original product version|Applies to):_?(?:[ \t]|&nbsp;)*(\S[^\n]*?)[ \t]*$/im.exec(
        text,
      );
    if (line) {
      const start = line.index + line[0].indexOf(line[1]!);
      let at = start;
      items = line[1]!.split(/,\s*/).map((value) => {
        const item = { value: markdownInline(value).trim(), offset: at };
        at += value.length + 2;
        return item;
      });
    }
  }
  if (!items || items.length === 0) {
    // The old layout: "Product(s): Internet Information Server", or the list after "The
    // information in this article applies to:".
    const line = /^\s*Product\(s\):[ \t]*(\S[^\n]*)$/im.exec(text);
    if (line) {
      const v = line[1]!.trim();
      return { value: v, at: where(line.index + line[0].indexOf(v)), said: said(line[0]) };
    }
    const lead = /applies to:[ \t]*\r?\n/i.exec(text);
    if (!lead) return undefined;
    items = [];
    const re = /^[ \t]*[-*][ \t]+(\S[^\n]*?)[ \t]*$/gm;
    re.lastIndex = lead.index + lead[0].length;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const between = text.slice(re.lastIndex - m[0].length, m.index);
      if (between.trim() !== "") break;
      items.push({ value: m[1]!, offset: m.index + m[0].indexOf(m[1]!) });
      // Only an unbroken list directly after the lead line.
      const next = text.slice(re.lastIndex, re.lastIndex + 200);
      if (!/^\r?\n[ \t]*[-*][ \t]/.test(next)) break;
    }
    if (items.length === 0) return undefined;
  }
  const first = items[0]!;
  if (items.length === 1) return { value: first.value, at: where(first.offset), said: first.value };
  const shared = commonWords(items.map((i) => i.value));
  const at = where(first.offset);
  if (shared.split(" ").length < 2) {
    note(
      at,
      `product left out: the article applies to ${items.length} products with no common name (${items
        .slice(0, 3)
        .map((i) => `"${i.value}"`)
        .join(", ")}${items.length > 3 ? ", ..." : ""})`,
    );
    return undefined;
  }
  note(
    at,
    `product "${shared}": the words its ${items.length} "applies to" entries share ("${first.value}", ...)`,
  );
  return { value: shared, at, said: items.map((i) => i.value).join("; ") };
}

/** "Forefront Security for Exchange Server: Description of Hotfix Rollup 2 ...": the part before. */
function productFromTitle(
  title: Fact<string> | undefined,
  note: (at: string, message: string) => void,
): Fact<string> | undefined {
  const m = title && /^([^:]{3,80}):\s+Description of\b/i.exec(title.value);
  if (!m || /^(MS\d\d-\d+|KB\d+|Q\d+)$/i.test(m[1]!.trim())) return undefined;
  const value = m[1]!.trim();
  note(title.at, `product "${value}": the title's words before ": Description of"`);
  return { value, at: title.at, said: title.said };
}

/** "x64-based versions" above the tables, "SQLServer2022-KB5065865-x64.exe": one platform. */
function readPlatform(text: string, where: Where): Fact<"x86" | "x64"> | undefined {
  const re =
    /\b(x64|x86|arm64|ia64|itanium)-based\s+versions?\b|\b[\w.-]+-(x64|x86|arm64|ia64)\.(?:exe|msu|msi|msp|cab)\b/gi;
  const seen = [...text.matchAll(re)].map((m) => ({
    arch: (m[1] ?? m[2])!.toLowerCase(),
    offset: m.index,
    words: m[0],
  }));
  const first = seen[0];
  if (!first || seen.some((m) => m.arch !== first.arch)) return undefined;
  if (first.arch !== "x86" && first.arch !== "x64") return undefined;
  return { value: first.arch, at: where(first.offset), said: first.words };
}

const COPYRIGHT_RE =
  /(?:\(c\)|©|&copy;|\bCopyright\b)\s*(?:\(c\)\s*|©\s*)?(?:(?:\d{4}(?:\s*[-–]\s*\d{4})?),?\s+)?([A-Z][\w&.,' -]{1,60}?\b(?:Corporation|Corp\.|Inc\.|Ltd\.?|LLC|GmbH))(?:\.?\s+All rights reserved\.?)?/;

function readCopyright(text: string, where: Where): Fact<string> | undefined {
  const m = COPYRIGHT_RE.exec(text);
  if (!m) return undefined;
  const value = decodeEntities(m[0]).replace(/\s+/g, " ").trim();
  return { value, at: where(m.index), said: value };
}

function companyOf(
  copyright: Fact<string>,
  note: (at: string, message: string) => void,
): Fact<string> | undefined {
  const m = COPYRIGHT_RE.exec(copyright.value);
  if (!m) return undefined;
  const value = m[1]!.trim();
  note(copyright.at, `company "${value}": the holder its copyright notice names`);
  return { value, at: copyright.at, said: copyright.said };
}

/** Sentences that say whether a restart is needed, strongest reading first. */
const RESTART_SENTENCES: readonly [Restart, RegExp][] = [
  [
    "not-required",
    /\b(?:do(?:es)?\s*n[o'’]t|do(?:es)?\s+not|are\s+not|is\s+not)\s+(?:have|need|required)\s+to\s+restart\b|\b(?:do(?:es)?\s*n[o'’]t|do(?:es)?\s+not)\s+require\s+(?:a\s+)?(?:computer\s+|system\s+)?restart\b|\bno\s+(?:computer\s+|system\s+)?restart\s+is\s+(?:required|needed)\b/i,
  ],
  [
    "may-be-required",
    /\b(?:might|may)\s+(?:have|need)\s+to\s+restart\b|\b(?:might|may)\s+require\s+(?:a\s+)?(?:computer\s+|system\s+)?restart\b|\brestart\s+(?:might|may)\s+be\s+(?:required|needed)\b/i,
  ],
  [
    "required",
    /\b(?:must|have\s+to|need\s+to)\s+restart\s+(?:the|your)\s+(?:computer|server|system)\b|\b(?:computer\s+|system\s+)?restart\s+is\s+required\b|\brequires?\s+(?:a\s+)?(?:computer\s+|system\s+)?restart\b/i,
  ],
];

function readRestart(
  text: string,
  where: Where,
  note: (at: string, message: string) => void,
): Fact<Restart> | undefined {
  const found: { kind: Restart; offset: number; sentence: string }[] = [];
  const taken: [number, number][] = [];
  for (const [kind, re] of RESTART_SENTENCES) {
    let n = 0;
    for (const m of text.matchAll(new RegExp(re.source, "gi"))) {
      if (++n > STATEMENTS_MAX) break;
      // "does not require a restart" also holds "require a restart": one reading a place.
      if (taken.some(([a, b]) => m.index < b && m.index + m[0].length > a)) continue;
      if (kind === "required" && /\b(?:not|n[’']t)\s*$/i.test(text.slice(m.index - 12, m.index))) {
        continue;
      }
      taken.push([m.index, m.index + m[0].length]);
      found.push({ kind, offset: m.index, sentence: sentenceAround(text, m.index) });
    }
  }
  if (found.length === 0) return undefined;
  found.sort((a, b) => a.offset - b.offset);
  // An article with a section on restarts ("## Restart requirement", "<summary>Restart
  // information</summary>") says it there; a restart named elsewhere (a fix that "requires
  // a restart" of a service) is about something else.
  const section = restartSection(text);
  const inSection = section && found.filter((f) => f.offset >= section[0] && f.offset < section[1]);
  if (inSection && inSection.length > 0) found.splice(0, found.length, ...inSection);
  const kinds = new Set(found.map((f) => f.kind));
  const first = found[0]!;
  if (kinds.size === 1) {
    return { value: first.kind, at: where(first.offset), said: said(first.sentence) };
  }
  // The article says more than one thing (a restart on some systems only): "may be".
  const at = where(first.offset);
  note(
    at,
    `restart read as may-be-required: the article says ${found
      .slice(0, 3)
      .map((f) => `"${said(f.sentence).slice(0, 90)}" (${where(f.offset)}, ${f.kind})`)
      .join(" and ")}`,
  );
  return {
    value: "may-be-required",
    at,
    said: said(found.map((f) => f.sentence).join(" / ")),
  };
}

/** The offsets of a section headed "Restart ..." (to the next heading), if there is one. */
function restartSection(text: string): [number, number] | undefined {
  const head =
    /^[ \t]*(?:#{1,6}[ \t]+|<summary>(?:<b>)?)(?:Restart|Reboot)\b[^\n]*$|^[ \t]*RESTART(?: [A-Z]+)*[ \t]*\r?\n[ \t]*[=-]+[ \t]*$/im.exec(
      text,
    );
  if (!head) return undefined;
  const from = head.index + head[0].length;
  const next =
    /^[ \t]*(?:#{1,6}[ \t]|<summary>|<\/details>)|^[ \t]*[A-Z][A-Z ]+\r?\n[ \t]*=+[ \t]*$/m.exec(
      text.slice(from),
    );
  return [from, next ? from + next.index : text.length];
}

/** How far a sentence is looked for on each side of a statement. */
const SENTENCE_MAX = 400;
/** Statements of one kind read at the most (an article has a handful; hostile text, many). */
const STATEMENTS_MAX = 50;

/** The sentence holding `offset`: from the previous sentence end or blank line to the next. */
function sentenceAround(text: string, offset: number): string {
  // A sentence is short: a text without punctuation is not read further than this.
  const from = Math.max(0, offset - SENTENCE_MAX);
  const to = Math.min(text.length, offset + SENTENCE_MAX);
  let a = offset;
  while (
    a > from &&
    !/[.!?>]/.test(text[a - 1]!) &&
    !(text[a - 1] === "\n" && text[a - 2] === "\n")
  ) {
    a--;
  }
  let b = offset;
  while (b < to && !/[.!?<]/.test(text[b]!) && !(text[b] === "\n" && text[b + 1] === "\n")) {
    b++;
  }
  if (text[b] === "." || text[b] === "!" || text[b] === "?") b++;
  return markdownInline(text.slice(a, b).replace(/^[\s>*-]+/, "")).trim();
}

function readVersion(text: string, where: Where): Fact<string> | undefined {
  const m =
    /^[ \t]*[_*]*Version:?[_*]*(?:[ \t]|&nbsp;)*\**(\d{1,5}\.\d{1,5}\.\d{1,5}\.\d{1,5})\b/im.exec(
      text,
    ) ?? /\bbuild number:?\s*\**(\d{1,5}\.\d{1,5}\.\d{1,5}\.\d{1,5})\b/i.exec(text);
  if (!m) return undefined;
  const value = m[1]!;
  if (value.split(".").some((p) => Number(p) > 0xffff)) return undefined;
  return { value, at: where(m.index + m[0].indexOf(value)), said: said(markdownInline(m[0])) };
}

function readPrerequisite(text: string, where: Where): Fact<string> | undefined {
  const m =
    /\bTo\s+(?:apply|install|use)\s+this\s+(?:[\w-]+\s+){0,4}?(?:update|hotfix|package|rollup|fix|service\s+pack)\b[^.:\n]{0,200}(?:\n[^.:\n]{1,200}){0,3}?,\s*(?:you|your\s+computer|the\s+computer)\s+must\s+(?:be\s+running|have|install|first\s+install)\b[^.:]{0,400}[.:]/i.exec(
      text,
    );
  if (!m) {
    // "This hotfix rollup requires that Forefront Security for Exchange Service Pack 2 is installed."
    const r =
      /\bThis\s+(?:[\w-]+\s+){0,3}?(?:update|hotfix|package|rollup|fix)\s+requires\s+that\s+[^.]{3,160}?\s+(?:is|are)\s+installed\./i.exec(
        text,
      );
    if (!r) return undefined;
    const value = said(markdownInline(r[0].replace(/\s+/g, " ")));
    return { value, at: where(r.index), said: value };
  }
  let t = m[0];
  if (t.endsWith(":")) {
    // "...you must have the following installed:" leads into a paragraph or a list.
    const rest = text.slice(m.index + m[0].length);
    const next = /^\s*\n?((?:[ \t]*\S[^\n]*\n?)+)/.exec(rest);
    if (next) t += ` ${next[1]!.trim()}`;
  }
  const value = said(markdownInline(t.replace(/\s+/g, " ")));
  return { value, at: where(m.index), said: value };
}

/** Rows of a Markdown table whose heading has a Description column and a bug or fix column. */
function* fixTables(text: string, where: Where): Generator<Fact<ArticleFix>> {
  const lines = text.split("\n");
  let offset = 0;
  let descCol = -1;
  let inTable = false;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, "");
    const t = line.trim();
    const start = offset;
    offset += raw.length + 1;
    if (!t.startsWith("|")) {
      inTable = false;
      descCol = -1;
      continue;
    }
    if (inTable && descCol < 0) continue;
    const from = line.indexOf("|") + 1;
    const to = t.endsWith("|") ? line.lastIndexOf("|") : line.length;
    const cells = splitPipes(line, from, to).map(([a, b]) => ({
      text: markdownInline(line.slice(a, b)).replace(/\s+/g, " ").trim(),
      offset: start + a,
    }));
    if (!inTable) {
      inTable = true;
      const heads = cells.map((c) => c.text.toLowerCase());
      const d = heads.indexOf("description");
      descCol =
        d >= 0 && heads.some((h) => /^(bug reference|fix area|bug number|kb article)$/.test(h))
          ? d
          : -1;
      continue;
    }
    if (descCol < 0 || /^[\s|:-]+$/.test(t)) continue;
    const cell = cells[descCol];
    if (!cell || cell.text === "") continue;
    yield { value: { title: cell.text }, at: where(cell.offset), said: said(cell.text) };
  }
}

/** The old layout's SYMPTOMS and CAUSE sections (a word underlined with "="): one fix. */
function* symptomSections(
  text: string,
  where: Where,
  title: Fact<string> | undefined,
): Generator<Fact<ArticleFix>> {
  const section = (name: string) => {
    const m = new RegExp(`^[ \\t]*${name}[ \\t]*\\r?\\n[ \\t]*=+[ \\t]*\\r?\\n`, "m").exec(text);
    if (!m) return undefined;
    const rest = text.slice(m.index + m[0].length);
    const end = /^[ \t]*[A-Z][A-Z ]+[ \t]*\r?\n[ \t]*=+[ \t]*$/m.exec(rest);
    const body = (end ? rest.slice(0, end.index) : rest).replace(/\s+/g, " ").trim();
    return body ? { body, offset: m.index } : undefined;
  };
  const symptoms = section("SYMPTOMS");
  if (!symptoms || !title) return;
  const cause = section("CAUSE");
  yield {
    value: {
      title: title.value,
      symptoms: symptoms.body,
      ...(cause ? { cause: cause.body } : {}),
    },
    at: where(symptoms.offset),
    said: said(symptoms.body),
  };
}
