/**
 * diffSides: the pure comparison of two sides. No I/O: loaders (sides.ts) build the
 * sides, formats (format.ts) print the result.
 */

import { comparePlans } from "../install/compare.js";
import { fileLabel, type MatchedPair, matchFiles } from "./match.js";
import { comparePackages } from "./package-facts.js";
import {
  contentChanged,
  droppedFindings,
  PLAN_FINDING_FILE,
  pairFindings,
  pairTouched,
  planFindings,
  sideFindings,
  type Unplaced,
} from "./rules.js";
import {
  COMPARED_FIELDS,
  DIFF_SCHEMA,
  type DiffResult,
  type DiffSide,
  type FieldChanges,
  type FileChange,
  type FileFacts,
  type Finding,
  RULE_IDS,
  RuleId,
  type SideSummary,
} from "./types.js";

export function diffSides(a: DiffSide, b: DiffSide): DiffResult {
  const { pairs, added, removed } = matchFiles(a.files, b.files);
  const changed: FileChange[] = [];
  const touched = new Set<FileFacts>(added);
  let unchanged = 0;
  for (const pair of pairs) {
    const change = compareFiles(pair);
    if (change) changed.push(change);
    else unchanged++;
    if (pairTouched(pair, change !== undefined)) touched.add(pair.b);
  }
  const plan =
    a.installPlan !== undefined && b.installPlan !== undefined
      ? comparePlans(a.installPlan ?? undefined, b.installPlan ?? undefined)
      : [];
  return {
    schema: DIFF_SCHEMA,
    a: summary(a),
    b: summary(b),
    added: added.map(canonicalFacts),
    removed: removed.map(canonicalFacts),
    changed,
    unchanged,
    findings: orderFindings(b, [
      ...pairs.flatMap(pairFindings),
      ...sideFindings(b, touched),
      ...droppedFindings(removed, b),
      ...planFindings(plan),
    ]).map((f) => placeFinding(f, a, b)),
    plan,
    package: comparePackages(a, b),
  };
}

function summary(s: DiffSide): SideSummary {
  return { kind: s.kind, label: s.label, files: s.files.length };
}

/** The differing fields of a matched pair, or undefined when none differs. */
export function compareFiles({ a, b }: MatchedPair): FileChange | undefined {
  const fields: FieldChanges = {};
  let any = false;
  for (const field of COMPARED_FIELDS) {
    const before = a[field];
    const after = b[field];
    if (before === undefined || after === undefined || before === after) continue;
    (fields as Record<string, unknown>)[field] = [before, after];
    any = true;
  }
  if (!any) return undefined;
  const content = contentChanged(a, b);
  return {
    path: fileLabel(b.path !== undefined ? b : a),
    name: b.name,
    platform: b.platform,
    fields,
    ...(fields.size ? { sizeDelta: fields.size[1] - fields.size[0] } : {}),
    ...(content !== undefined ? { contentChanged: content } : {}),
  };
}

/** FileFacts with its keys in the documented order and absent facts left out. */
export function canonicalFacts(f: FileFacts): FileFacts {
  return {
    ...(f.path !== undefined ? { path: f.path } : {}),
    name: f.name,
    version: f.version,
    ...(f.size !== undefined ? { size: f.size } : {}),
    date: f.date,
    time: f.time,
    platform: f.platform,
    ...(f.sha256 !== undefined ? { sha256: f.sha256 } : {}),
    ...(f.neutralSha256 !== undefined ? { neutralSha256: f.neutralSha256 } : {}),
    ...(f.signed !== undefined ? { signed: f.signed } : {}),
    ...(f.signer !== undefined ? { signer: f.signer } : {}),
  };
}

/**
 * Where a finding points: the entry of its file in B (in A, for a file B dropped), or the
 * plan, when that side is a manifest; else the side's file.
 */
function placeFinding(f: Unplaced, a: DiffSide, b: DiffSide): Finding {
  const side = f.rule === RuleId.droppedFile ? a : b;
  const at =
    f.path === PLAN_FINDING_FILE && f.rule === RuleId.installPlanChanged
      ? side.positions?.plan
      : side.positions?.files.get(f.path);
  return { ...f, at: at ?? side.label };
}

/** Findings in B's file order, then rule order; each (rule, file) once. */
function orderFindings(b: DiffSide, findings: Unplaced[]): Unplaced[] {
  const position = new Map<string, number>();
  b.files.forEach((f, i) => {
    if (!position.has(fileLabel(f))) position.set(fileLabel(f), i);
  });
  const seen = new Set<string>();
  return findings
    .filter((f) => {
      const key = `${f.rule}\u0000${f.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((f, i) => ({ f, i }))
    .sort(
      (x, y) =>
        (position.get(x.f.path) ?? Number.MAX_SAFE_INTEGER) -
          (position.get(y.f.path) ?? Number.MAX_SAFE_INTEGER) ||
        RULE_IDS.indexOf(x.f.rule) - RULE_IDS.indexOf(y.f.rule) ||
        x.i - y.i,
    )
    .map(({ f }) => f);
}
