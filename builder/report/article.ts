/**
 * Render the KB article from user-editable Handlebars templates (templates/kb/ by
 * default): article.html.hbs (with article.css and article.js inlined, so the page is
 * self-contained), article.md.hbs and article.txt.hbs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import type { Manifest } from "../manifest/types.js";
import type { BuildRecord } from "../pipeline/record.js";
import { InputError } from "../util/errors.js";
import { bundledPath } from "../util/package-root.js";
import { articleModel } from "./article-model.js";

export const ReportFormat = { html: "html", md: "md", txt: "txt" } as const;
export type ReportFormat = (typeof ReportFormat)[keyof typeof ReportFormat];
export const REPORT_FORMATS: readonly ReportFormat[] = Object.values(ReportFormat);

export interface RenderOptions {
  /** For a build record: the manifest it was built from, for the article's wording. */
  readonly manifest?: Manifest;
  /** A folder with the templates to use instead of cabwright's templates/kb/. */
  readonly templates?: string;
}

/** Width text templates wrap paragraphs at ({{wrap text}}). */
const TEXT_WIDTH = 78;

function readTemplate(dir: string, name: string): string {
  const path = join(dir, name);
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(
      `${path}: cannot read the template (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
}

/** Word-wrap `text` to `width`, each line after the first indented by `indent` spaces. */
export function wrapText(text: string, width = TEXT_WIDTH, indent = 0): string {
  const words = String(text ?? "")
    .split(/\s+/)
    .filter((w) => w !== "");
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line !== "" && line.length + 1 + w.length > width - indent) {
      lines.push(line);
      line = w;
    } else line = line === "" ? w : `${line} ${w}`;
  }
  if (line !== "") lines.push(line);
  return lines.join(`\n${pad}`);
}

function engine(format: ReportFormat): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper("wrap", (text: unknown, ...args: unknown[]) => {
    const indent = typeof args[0] === "number" ? args[0] : 0;
    return wrapText(String(text ?? ""), TEXT_WIDTH, indent);
  });
  hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  hb.registerHelper("inc", (n: unknown) => Number(n) + 1);
  hb.registerHelper("pad", (text: unknown, width: unknown) =>
    String(text ?? "").padEnd(Number(width) || 0),
  );
  // Joins its arguments, skipping missing ones, one space at most between words.
  hb.registerHelper("concat", (...args: unknown[]) =>
    args
      .slice(0, -1)
      .filter((a) => a !== undefined && a !== null)
      .join("")
      .replace(/ {2,}/g, " ")
      .replace(/ ([).,])/g, "$1"),
  );
  hb.registerHelper("underline", (text: unknown, ch: unknown) =>
    (typeof ch === "string" ? ch : "=").repeat(
      Math.max(
        ...wrapText(String(text ?? ""))
          .split("\n")
          .map((l) => l.length),
      ),
    ),
  );
  hb.registerHelper("mdEscape", (text: unknown) =>
    String(text ?? "").replace(/([\\`*_[\]<>|])/g, "\\$1"),
  );
  if (format === "html") {
    hb.registerHelper(
      "json",
      (v: unknown) => new hb.SafeString(JSON.stringify(v).replace(/</g, "\\u003c")),
    );
  }
  return hb;
}

/** The article for a manifest or a build record, in one format. */
export function renderReport(
  input: Manifest | BuildRecord,
  format: ReportFormat,
  options: RenderOptions = {},
): string {
  const dir = options.templates ?? bundledPath("templates", "kb");
  const model = articleModel(input, options.manifest);
  const hb = engine(format);
  const source = readTemplate(dir, `article.${format}.hbs`);
  let template: HandlebarsTemplateDelegate;
  try {
    template = hb.compile(source, { noEscape: format !== "html", strict: false });
    const extra =
      format === "html"
        ? { css: readTemplate(dir, "article.css"), script: readTemplate(dir, "article.js") }
        : {};
    return template({ ...model, ...extra });
  } catch (err) {
    if (err instanceof InputError) throw err;
    const msg = (err as Error).message.split("\n")[0];
    throw new InputError(`${join(dir, `article.${format}.hbs`)}: template error: ${msg}`);
  }
}
