/**
 * comparePlans: two install plans field by field, for `verify` (the plan in a package
 * against the manifest's) and `diff` (two manifests, packages or build records). Pure.
 *
 * Each plan is flattened to "field -> display text" lines (files keyed by their source
 * path, without case; services and processes in order, since order is what the engine
 * does), and every field whose text differs is one PlanChange.
 */
import { createHash } from "node:crypto";
import type {
  InstallPlan,
  ProductLocation,
  ProductVersionSource,
  RegistryValueRef,
  VersionInterval,
} from "./plan.js";

export interface PlanChange {
  /** The field, e.g. "product.location", "files[x64\\Fscperfmonitor.dll].dest". */
  readonly field: string;
  /** Its text in A (the expected side); absent when A has no such field. */
  readonly before?: string;
  /** Its text in B (the found side); absent when B has no such field. */
  readonly after?: string;
}

/** What a side without a plan reads as. */
export const NO_PLAN = "none (the package extracts, or runs its entry command)";

const view = (v: string) => (v === "32" ? "32-bit view" : "64-bit view");

function valueText(r: RegistryValueRef): string {
  return `${r.root}\\${r.key} value "${r.value}" (${view(r.view)})`;
}

export function locationText(l: ProductLocation): string {
  return l.kind === "registry"
    ? `the folder named by ${valueText(l.ref)}`
    : `${l.folder}${l.path !== "" ? `\\${l.path}` : ""}`;
}

export function versionSourceText(v: ProductVersionSource): string {
  return v.kind === "registry"
    ? `the version in ${valueText(v.ref)}`
    : `the file version of ${v.path} in the install folder`;
}

/** "[10.2.0.0, 10.3.0.0)", "(1.2.3.65535, any)". */
export function intervalText(iv: VersionInterval): string {
  return `${iv.minInclusive ? "[" : "("}${iv.min ?? "any"}, ${iv.max ?? "any"}${iv.maxInclusive ? "]" : ")"}`;
}

const acceptText = (accept: readonly VersionInterval[]) =>
  accept.length === 0 ? "any version" : accept.map(intervalText).join(" or ");

const yes = (b: boolean) => (b ? "yes" : "no");

/** The plan as ordered "field -> text" lines. */
export function planFields(plan: InstallPlan): Map<string, string> {
  const out = new Map<string, string>();
  const put = (field: string, value: string | number | undefined) => {
    if (value !== undefined) out.set(field, String(value));
  };
  put("format", plan.format);
  for (const [k, v] of Object.entries(plan.package)) put(`package.${k}`, v);
  put("product.name", plan.product.name);
  put("product.location", locationText(plan.product.location));
  put("product.version", versionSourceText(plan.product.version));
  put("product.accept", acceptText(plan.product.accept));
  put("product.requirement", plan.product.requirement);
  put("product.is64", yes(plan.product.is64));
  put("services", plan.services.map((s) => `${s.name} (${s.timeoutMs} ms)`).join(", "));
  put("processes", plan.processes.map((p) => `${p.image} (${p.timeoutMs} ms)`).join(", "));
  for (const f of plan.files) {
    const at = `files[${f.source}]`;
    put(at, "present");
    put(`${at}.dest`, f.dest);
    put(`${at}.version`, f.version ?? "none");
    put(`${at}.only64`, yes(f.only64));
    put(`${at}.noDowngrade`, yes(f.noDowngrade));
    put(`${at}.backup`, yes(f.backup));
    put(`${at}.isNew`, yes(f.isNew));
  }
  const id = plan.identity;
  put("identity.updateId", id.updateId);
  const pe = id.productEntry;
  put("identity.productEntry.key", `${pe.root}\\${pe.key} (${view(pe.view)})`);
  for (const [k, v] of Object.entries(pe.values)) put(`identity.productEntry.values.${k}`, v);
  put("identity.arp.keyName", id.arp.keyName);
  for (const [k, v] of Object.entries(id.arp.values)) put(`identity.arp.values.${k}`, v);
  return out;
}

/** Files are matched by source path without case (Windows' rule): one key per file. */
function keyOf(field: string): string {
  return field.startsWith("files[") ? field.toLowerCase() : field;
}

/**
 * Every field that differs between A and B, in A's field order then B's new fields.
 * A missing plan on one side is one change, "plan".
 */
export function comparePlans(a: InstallPlan | undefined, b: InstallPlan | undefined): PlanChange[] {
  if (!a && !b) return [];
  if (!a || !b) {
    const summary = (p: InstallPlan) => planSummary(p);
    return [
      {
        field: "plan",
        before: a ? summary(a) : NO_PLAN,
        after: b ? summary(b) : NO_PLAN,
      },
    ];
  }
  const fa = planFields(a);
  const fb = planFields(b);
  const bByKey = new Map([...fb].map(([k, v]) => [keyOf(k), { k, v }]));
  const aKeys = new Set([...fa.keys()].map(keyOf));
  const out: PlanChange[] = [];
  for (const [k, v] of fa) {
    const other = bByKey.get(keyOf(k));
    if (!other) out.push({ field: k, before: v });
    else if (other.v !== v) out.push({ field: k, before: v, after: other.v });
  }
  for (const [k, v] of fb) {
    if (!aKeys.has(keyOf(k))) out.push({ field: k, after: v });
  }
  // A file added or removed is one change ("files[x]"), not one per field.
  const whole = new Set(
    out
      .filter((c) => /^files\[[^\]]*\]$/.test(c.field) && (!c.before || !c.after))
      .map((c) => keyOf(c.field)),
  );
  return out.filter((c) => {
    const m = /^(files\[[^\]]*\])\./.exec(c.field);
    return !(m && whole.has(keyOf(m[1]!)));
  });
}

/** One line: "verify": "plan: expected X, found Y"; absent sides as "(none)". */
export function formatPlanChange(c: PlanChange, words: "verify" | "diff" = "verify"): string {
  const before = c.before ?? "(none)";
  const after = c.after ?? "(none)";
  return words === "verify"
    ? `install plan: ${c.field}: expected ${before}, found ${after}`
    : `${c.field}: ${before} -> ${after}`;
}

/** A plan in one line, for records and reports. */
export function planSummary(plan: InstallPlan): string {
  const services =
    plan.services.length > 0
      ? `; stops ${plan.services.map((s) => s.name).join(", ")} and starts ${plan.services.length === 1 ? "it" : "them"} again after`
      : "";
  return `installs ${plan.files.length} file(s) into ${locationText(plan.product.location)} when ${versionSourceText(plan.product.version)} is ${acceptText(plan.product.accept)}${services}; update id ${plan.identity.updateId}`;
}

/** SHA-256 of the plan's canonical JSON (keys sorted at every level, absent fields left out). */
export function planDigest(plan: InstallPlan): string {
  return createHash("sha256").update(canonicalJson(plan)).digest("hex");
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
