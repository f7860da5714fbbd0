/**
 * Update-server applicability rules from an install plan: the IsInstalled and
 * IsInstallable rules a Windows Server Update Services (WSUS) or System Center Updates
 * Publisher software update carries, in the Windows Update Agent's rule language
 * (BaseApplicabilityRules "bar:" and LogicalApplicabilityRules "lar:" namespaces), saying
 * what the engine inside the package checks. Pure.
 *
 * - IsInstalled: the update's own "already installed" key exists (the engine's test).
 * - IsInstallable: the product is there (RegKeyExists on the key holding its install
 *   folder) and its installed version is in the prerequisite's intervals:
 *   FileVersionPrependRegSz (the file's version, the folder read from the install-path
 *   value), FileVersion with a CSIDL for a known folder, or RegSzToVersion for a version
 *   held in the registry. One interval is an And of its two bounds; several, an Or.
 */
import type { InstallPlan, KnownFolder, RegistryValueRef, VersionInterval } from "./plan.js";

/** The rule namespaces the Windows Update Agent reads (the WSUS scan catalog's own). */
export const WuaNamespace = {
  update: "http://schemas.microsoft.com/msus/2002/12/Update",
  bar: "http://schemas.microsoft.com/msus/2002/12/BaseApplicabilityRules",
  lar: "http://schemas.microsoft.com/msus/2002/12/LogicalApplicabilityRules",
} as const;

/** CSIDL numbers of the known folders (shlobj.h: CSIDL_PROGRAM_FILES 0x26 and so on). */
export const FOLDER_CSIDL: Readonly<Record<KnownFolder, number>> = {
  ProgramFiles: 0x26,
  ProgramFilesX86: 0x2a,
  System32: 0x25,
  Windows: 0x24,
};

/** The rules' Comparison values. */
export const Comparison = {
  lt: "LessThan",
  le: "LessThanOrEqualTo",
  eq: "EqualTo",
  ge: "GreaterThanOrEqualTo",
  gt: "GreaterThan",
} as const;
export type Comparison = (typeof Comparison)[keyof typeof Comparison];

/** The rules' Key attribute for the one root the plan uses. */
const HKLM = "HKEY_LOCAL_MACHINE";

const xmlAttr = (s: string) =>
  s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);

function element(name: string, attrs: Readonly<Record<string, string | undefined>>): string {
  const parts = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(v!)}"`);
  return `<${name}${parts.join("")} />`;
}

/** Registry attributes of a rule; RegType32 for the 32-bit view (Wow6432Node). */
function regAttrs(ref: Pick<RegistryValueRef, "key" | "view">): Record<string, string | undefined> {
  return { Key: HKLM, Subkey: ref.key, RegType32: ref.view === "32" ? "true" : undefined };
}

/** One version comparison against the plan's version source. */
function versionRule(plan: InstallPlan, comparison: Comparison, version: string): string {
  const { location, version: source } = plan.product;
  if (source.kind === "registry") {
    return element("bar:RegSzToVersion", {
      ...regAttrs(source.ref),
      Value: source.ref.value,
      Comparison: comparison,
      Data: version,
    });
  }
  if (location.kind === "registry") {
    return element("bar:FileVersionPrependRegSz", {
      ...regAttrs(location.ref),
      Value: location.ref.value,
      Path: source.path,
      Comparison: comparison,
      Version: version,
    });
  }
  return element("bar:FileVersion", {
    Csidl: String(FOLDER_CSIDL[location.folder]),
    Path: location.path !== "" ? `${location.path}\\${source.path}` : source.path,
    Comparison: comparison,
    Version: version,
  });
}

/** The version source exists at all (an interval with no bounds). */
function versionExists(plan: InstallPlan): string {
  const { location, version: source } = plan.product;
  if (source.kind === "registry") {
    return element("bar:RegValueExists", {
      ...regAttrs(source.ref),
      Value: source.ref.value,
      Type: "REG_SZ",
    });
  }
  if (location.kind === "registry") {
    return element("bar:FileExistsPrependRegSz", {
      ...regAttrs(location.ref),
      Value: location.ref.value,
      Path: source.path,
    });
  }
  return element("bar:FileExists", {
    Csidl: String(FOLDER_CSIDL[location.folder]),
    Path: location.path !== "" ? `${location.path}\\${source.path}` : source.path,
  });
}

function intervalRules(plan: InstallPlan, iv: VersionInterval): string[] {
  const out: string[] = [];
  if (iv.min !== undefined) {
    out.push(versionRule(plan, iv.minInclusive ? Comparison.ge : Comparison.gt, iv.min));
  }
  if (iv.max !== undefined) {
    out.push(versionRule(plan, iv.maxInclusive ? Comparison.le : Comparison.lt, iv.max));
  }
  return out.length > 0 ? out : [versionExists(plan)];
}

const indent = (lines: readonly string[], by = 2) => lines.map((l) => `${" ".repeat(by)}${l}`);

function group(op: "lar:And" | "lar:Or", children: readonly string[][]): string[] {
  if (children.length === 1) return children[0]!;
  return [`<${op}>`, ...children.flatMap((c) => indent(c)), `</${op}>`];
}

/** The IsInstallable rule as lines (the product present and its version in range). */
function isInstallable(plan: InstallPlan): string[] {
  const parts: string[][] = [];
  const { location } = plan.product;
  if (location.kind === "registry") {
    parts.push([element("bar:RegKeyExists", regAttrs(location.ref))]);
  }
  // No interval means any version: the version source must still be there.
  const accept: readonly VersionInterval[] =
    plan.product.accept.length > 0
      ? plan.product.accept
      : [{ minInclusive: true, maxInclusive: true }];
  if (accept.length === 1) {
    // One interval: its bounds join the product test in one And.
    for (const r of intervalRules(plan, accept[0]!)) parts.push([r]);
  } else {
    parts.push(
      group(
        "lar:Or",
        accept.map((iv) =>
          group(
            "lar:And",
            intervalRules(plan, iv).map((r) => [r]),
          ),
        ),
      ),
    );
  }
  return group("lar:And", parts);
}

/** The rules document: <ApplicabilityRules> with IsInstalled and IsInstallable. */
export function applicabilityRules(plan: InstallPlan): string {
  const entry = plan.identity.productEntry;
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<!-- ${xmlComment(`${plan.identity.updateId}: ${plan.package.title} ${plan.package.version}; written by cabwright from the install plan`)} -->`,
    `<ApplicabilityRules xmlns="${WuaNamespace.update}" xmlns:bar="${WuaNamespace.bar}" xmlns:lar="${WuaNamespace.lar}">`,
    "  <IsInstalled>",
    ...indent([element("bar:RegKeyExists", regAttrs(entry))], 4),
    "  </IsInstalled>",
    "  <IsInstallable>",
    ...indent(isInstallable(plan), 4),
    "  </IsInstallable>",
    "</ApplicabilityRules>",
  ];
  return `${lines.join("\n")}\n`;
}

/** A comment's text cannot hold "--" nor end in "-". */
function xmlComment(s: string): string {
  return s.replace(/-{2,}/g, (m) => m.split("").join(" ")).replace(/-$/, "- ");
}
