/**
 * The four forms of a DiffResult: text (people), md, html (one self-contained page) and
 * json (the stable shape of docs/diff.md). All show the same content.
 */
import { formatPlanChange } from "../install/compare.js";
import { RULE_DESCRIPTIONS } from "./rules.js";
import { COMPARED_FIELDS, type DiffResult, type FileChange, type FileFacts } from "./types.js";

/** A package or install-plan field that differs (PackageChange, PlanChange). */
interface FieldChange {
  readonly field: string;
  readonly before?: string;
  readonly after?: string;
}

export const DiffFormat = { text: "text", md: "md", html: "html", json: "json" } as const;
export type DiffFormat = (typeof DiffFormat)[keyof typeof DiffFormat];
export const DIFF_FORMATS: readonly DiffFormat[] = Object.values(DiffFormat);

export function formatDiff(result: DiffResult, format: DiffFormat): string {
  switch (format) {
    case DiffFormat.json:
      return `${JSON.stringify(result, null, 2)}\n`;
    case DiffFormat.md:
      return markdown(result);
    case DiffFormat.html:
      return html(result);
    default:
      return text(result);
  }
}

const num = (n: number) => n.toLocaleString("en-US");
const signed = (n: number) => (n > 0 ? `+${num(n)}` : num(n));

function value(field: string, v: unknown): string {
  if (field === "size" && typeof v === "number") return num(v);
  if (field === "sha256" && typeof v === "string") return v.slice(0, 16);
  if (field === "signed") return v ? "signed" : "unsigned";
  return String(v);
}

/** Each changed field as [name, before, after] display strings. */
function fieldRows(c: FileChange): [string, string, string][] {
  const rows: [string, string, string][] = [];
  for (const field of COMPARED_FIELDS) {
    const pair = c.fields[field] as [unknown, unknown] | undefined;
    if (!pair) continue;
    let after = value(field, pair[1]);
    if (field === "size" && c.sizeDelta !== undefined) after += ` (${signed(c.sizeDelta)})`;
    rows.push([field, value(field, pair[0]), after]);
  }
  return rows;
}

function factsLine(f: FileFacts): string {
  const size = f.size !== undefined ? `${num(f.size)} bytes` : "size unknown";
  return `${f.path ?? f.name}  ${f.version}  ${size}  ${f.date} ${f.time}  ${f.platform}`;
}

function headline(r: DiffResult): string {
  const same = r.changed.filter((c) => c.contentChanged === false).length;
  const restamped = same > 0 ? ` (${same} with the same content)` : "";
  const pkg = r.package.length > 0 ? `; package: ${r.package.length} field(s) changed` : "";
  const plan = r.plan.length > 0 ? `; install plan: ${r.plan.length} field(s) changed` : "";
  return (
    `${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed${restamped}, ` +
    `${r.unchanged} unchanged${pkg}${plan}; ${r.findings.length} finding${r.findings.length === 1 ? "" : "s"}`
  );
}

/** A package or plan change's sides as text: "(none)" where that side has none. */
const before = (c: { readonly before?: string }) => c.before ?? "(none)";
const after = (c: { readonly after?: string }) => c.after ?? "(none)";

/** The note a changed file gets when its content is known to be the same (docs/diff.md). */
const sameContent = (c: FileChange) => (c.contentChanged === false ? "same content" : "");

function text(r: DiffResult): string {
  const out: string[] = [
    `A: ${r.a.label} (${r.a.kind}, ${r.a.files} files)`,
    `B: ${r.b.label} (${r.b.kind}, ${r.b.files} files)`,
    headline(r),
  ];
  if (r.package.length > 0) {
    out.push("", "Package:");
    const width = Math.max(...r.package.map((c) => c.field.length));
    for (const c of r.package)
      out.push(`  ~ ${c.field.padEnd(width)}  ${before(c)} -> ${after(c)}`);
  }
  if (r.added.length > 0) {
    out.push("", "Added:");
    for (const f of r.added) out.push(`  + ${factsLine(f)}`);
  }
  if (r.removed.length > 0) {
    out.push("", "Removed:");
    for (const f of r.removed) out.push(`  - ${factsLine(f)}`);
  }
  if (r.changed.length > 0) {
    out.push("", "Changed:");
    for (const c of r.changed) {
      const note = sameContent(c);
      out.push(`  ~ ${c.path}${note ? `  (${note})` : ""}`);
      for (const [field, before, after] of fieldRows(c)) {
        out.push(`      ${field.padEnd(8)} ${before} -> ${after}`);
      }
    }
  }
  if (r.plan.length > 0) {
    out.push("", "Install plan:");
    for (const c of r.plan) out.push(`  ~ ${formatPlanChange(c, "diff")}`);
  }
  if (r.findings.length > 0) {
    out.push("", "Findings:");
    const width = Math.max(...r.findings.map((f) => f.rule.length));
    for (const f of r.findings) out.push(`  ${f.rule.padEnd(width)}  ${f.path}: ${f.message}`);
  }
  return `${out.join("\n")}\n`;
}

const mdCell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

function markdown(r: DiffResult): string {
  const out: string[] = [
    "# Package diff",
    "",
    `- A: \`${mdCell(r.a.label)}\` (${r.a.kind}, ${r.a.files} files)`,
    `- B: \`${mdCell(r.b.label)}\` (${r.b.kind}, ${r.b.files} files)`,
    `- ${headline(r)}`,
  ];
  const factsTable = (title: string, files: readonly FileFacts[]) => {
    if (files.length === 0) return;
    out.push(
      "",
      `## ${title}`,
      "",
      "| File | Version | Size | Date | Time | Platform |",
      "|---|---|---:|---|---|---|",
    );
    for (const f of files) {
      out.push(
        `| ${mdCell(f.path ?? f.name)} | ${f.version} | ${f.size !== undefined ? num(f.size) : ""} | ${f.date} | ${f.time} | ${f.platform} |`,
      );
    }
  };
  const changesTable = (title: string, changes: readonly FieldChange[]) => {
    if (changes.length === 0) return;
    out.push("", `## ${title}`, "", "| Field | Before | After |", "|---|---|---|");
    for (const c of changes) {
      out.push(`| ${mdCell(c.field)} | ${mdCell(before(c))} | ${mdCell(after(c))} |`);
    }
  };
  changesTable("Package", r.package);
  factsTable("Added", r.added);
  factsTable("Removed", r.removed);
  if (r.changed.length > 0) {
    out.push("", "## Changed", "", "| File | Field | Before | After |", "|---|---|---|---|");
    for (const c of r.changed) {
      const note = sameContent(c);
      fieldRows(c).forEach(([field, was, now], i) => {
        const file = i === 0 ? mdCell(c.path) + (note ? ` (${note})` : "") : "";
        out.push(`| ${file} | ${field} | ${mdCell(was)} | ${mdCell(now)} |`);
      });
    }
  }
  changesTable("Install plan", r.plan);
  if (r.findings.length > 0) {
    out.push("", "## Findings", "", "| Rule | File | Finding |", "|---|---|---|");
    for (const f of r.findings)
      out.push(`| \`${f.rule}\` | ${mdCell(f.path)} | ${mdCell(f.message)} |`);
  }
  return `${out.join("\n")}\n`;
}

const esc = (s: string) =>
  s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}td.n{text-align:right}.added{color:#176f2c}.removed{color:#a31515}
code{font-family:ui-monospace,monospace}`;

function html(r: DiffResult): string {
  const out: string[] = [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8"><title>Package diff</title>',
    `<style>${STYLE}</style></head><body>`,
    "<h1>Package diff</h1>",
    "<ul>",
    `<li>A: <code>${esc(r.a.label)}</code> (${r.a.kind}, ${r.a.files} files)</li>`,
    `<li>B: <code>${esc(r.b.label)}</code> (${r.b.kind}, ${r.b.files} files)</li>`,
    `<li>${esc(headline(r))}</li>`,
    "</ul>",
  ];
  const factsTable = (title: string, cls: string, files: readonly FileFacts[]) => {
    if (files.length === 0) return;
    out.push(
      `<h2 class="${cls}">${title}</h2>`,
      "<table><tr><th>File</th><th>Version</th><th>Size</th><th>Date</th><th>Time</th><th>Platform</th></tr>",
    );
    for (const f of files) {
      out.push(
        `<tr><td>${esc(f.path ?? f.name)}</td><td>${esc(f.version)}</td><td class="n">${f.size !== undefined ? num(f.size) : ""}</td><td>${esc(f.date)}</td><td>${esc(f.time)}</td><td>${esc(f.platform)}</td></tr>`,
      );
    }
    out.push("</table>");
  };
  const changesTable = (title: string, changes: readonly FieldChange[]) => {
    if (changes.length === 0) return;
    out.push(`<h2>${title}</h2>`, "<table><tr><th>Field</th><th>Before</th><th>After</th></tr>");
    for (const c of changes) {
      out.push(
        `<tr><td><code>${esc(c.field)}</code></td><td>${esc(before(c))}</td><td>${esc(after(c))}</td></tr>`,
      );
    }
    out.push("</table>");
  };
  changesTable("Package", r.package);
  factsTable("Added", "added", r.added);
  factsTable("Removed", "removed", r.removed);
  if (r.changed.length > 0) {
    out.push(
      "<h2>Changed</h2>",
      "<table><tr><th>File</th><th>Field</th><th>Before</th><th>After</th></tr>",
    );
    for (const c of r.changed) {
      const rows = fieldRows(c);
      const note = sameContent(c);
      rows.forEach(([field, was, now], i) => {
        const file = esc(c.path) + (note ? ` <small>(${esc(note)})</small>` : "");
        const cell = i === 0 ? `<td rowspan="${rows.length}">${file}</td>` : "";
        out.push(`<tr>${cell}<td>${field}</td><td>${esc(was)}</td><td>${esc(now)}</td></tr>`);
      });
    }
    out.push("</table>");
  }
  changesTable("Install plan", r.plan);
  if (r.findings.length > 0) {
    out.push("<h2>Findings</h2>", "<table><tr><th>Rule</th><th>File</th><th>Finding</th></tr>");
    for (const f of r.findings) {
      out.push(
        `<tr><td><code title="${esc(RULE_DESCRIPTIONS[f.rule])}">${f.rule}</code></td><td>${esc(f.path)}</td><td>${esc(f.message)}</td></tr>`,
      );
    }
    out.push("</table>");
  }
  out.push("</body></html>");
  return `${out.join("\n")}\n`;
}
