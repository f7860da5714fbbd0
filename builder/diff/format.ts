/**
 * The four forms of a DiffResult: text (people), md, html (one self-contained page) and
 * json (the stable shape of docs/diff.md). All show the same content.
 */
import { formatPlanChange } from "../install/compare.js";
import { RULE_DESCRIPTIONS } from "./rules.js";
import { COMPARED_FIELDS, type DiffResult, type FileChange, type FileFacts } from "./types.js";

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
  const plan = r.plan.length > 0 ? `; install plan: ${r.plan.length} field(s) changed` : "";
  return (
    `${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed, ` +
    `${r.unchanged} unchanged${plan}; ${r.findings.length} finding${r.findings.length === 1 ? "" : "s"}`
  );
}

const planBefore = (c: DiffResult["plan"][number]) => c.before ?? "(none)";
const planAfter = (c: DiffResult["plan"][number]) => c.after ?? "(none)";

function text(r: DiffResult): string {
  const out: string[] = [
    `A: ${r.a.label} (${r.a.kind}, ${r.a.files} files)`,
    `B: ${r.b.label} (${r.b.kind}, ${r.b.files} files)`,
    headline(r),
  ];
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
      out.push(`  ~ ${c.file}`);
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
    for (const f of r.findings) out.push(`  ${f.rule.padEnd(width)}  ${f.file}: ${f.message}`);
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
  factsTable("Added", r.added);
  factsTable("Removed", r.removed);
  if (r.changed.length > 0) {
    out.push("", "## Changed", "", "| File | Field | Before | After |", "|---|---|---|---|");
    for (const c of r.changed) {
      fieldRows(c).forEach(([field, before, after], i) => {
        out.push(
          `| ${i === 0 ? mdCell(c.file) : ""} | ${field} | ${mdCell(before)} | ${mdCell(after)} |`,
        );
      });
    }
  }
  if (r.plan.length > 0) {
    out.push("", "## Install plan", "", "| Field | Before | After |", "|---|---|---|");
    for (const c of r.plan) {
      out.push(`| ${mdCell(c.field)} | ${mdCell(planBefore(c))} | ${mdCell(planAfter(c))} |`);
    }
  }
  if (r.findings.length > 0) {
    out.push("", "## Findings", "", "| Rule | File | Finding |", "|---|---|---|");
    for (const f of r.findings)
      out.push(`| \`${f.rule}\` | ${mdCell(f.file)} | ${mdCell(f.message)} |`);
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
  factsTable("Added", "added", r.added);
  factsTable("Removed", "removed", r.removed);
  if (r.changed.length > 0) {
    out.push(
      "<h2>Changed</h2>",
      "<table><tr><th>File</th><th>Field</th><th>Before</th><th>After</th></tr>",
    );
    for (const c of r.changed) {
      const rows = fieldRows(c);
      rows.forEach(([field, before, after], i) => {
        const cell = i === 0 ? `<td rowspan="${rows.length}">${esc(c.file)}</td>` : "";
        out.push(`<tr>${cell}<td>${field}</td><td>${esc(before)}</td><td>${esc(after)}</td></tr>`);
      });
    }
    out.push("</table>");
  }
  if (r.plan.length > 0) {
    out.push(
      "<h2>Install plan</h2>",
      "<table><tr><th>Field</th><th>Before</th><th>After</th></tr>",
    );
    for (const c of r.plan) {
      out.push(
        `<tr><td><code>${esc(c.field)}</code></td><td>${esc(planBefore(c))}</td><td>${esc(planAfter(c))}</td></tr>`,
      );
    }
    out.push("</table>");
  }
  if (r.findings.length > 0) {
    out.push("<h2>Findings</h2>", "<table><tr><th>Rule</th><th>File</th><th>Finding</th></tr>");
    for (const f of r.findings) {
      out.push(
        `<tr><td><code title="${esc(RULE_DESCRIPTIONS[f.rule])}">${f.rule}</code></td><td>${esc(f.file)}</td><td>${esc(f.message)}</td></tr>`,
      );
    }
    out.push("</table>");
  }
  out.push("</body></html>");
  return `${out.join("\n")}\n`;
}
