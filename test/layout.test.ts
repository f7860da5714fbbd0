/**
 * The layout's dependency rules, held against the real imports of builder/, test/ and
 * bench/: the cab package (builder/cab, @cabwright/cab) imports nothing of cabwright and
 * has no import cycle; cabwright imports it only by its name; each of the package's parts
 * and each stage folder of builder/ imports only what the "May import" line of its
 * README.md allows. The last test plants a tree that breaks every rule, so each check is
 * shown to fail.
 */
import { fileURLToPath } from "node:url";
import test from "ava";
import {
  allowedImports,
  boundaryProblems,
  CAB_ROOT,
  importCycles,
  readTree,
  ruleProblems,
  type SourceTree,
} from "./helpers/imports.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const tree = readTree(repo, ["builder", "test", "bench"]);

const folders = (t: SourceTree, parent: string, depth: number): string[] => {
  const found = new Set<string>();
  for (const path of t.keys()) {
    if (!path.startsWith(`${parent}/`)) continue;
    const parts = path.split("/");
    const base = parent.split("/").length;
    if (parts.length > base + depth) found.add(parts.slice(0, base + depth).join("/"));
  }
  return [...found].sort();
};

/** The rule of each unit from its README.md; a unit without one is a problem. */
function readmeRules(t: SourceTree, units: readonly string[]) {
  const problems: string[] = [];
  const rules = new Map<string, { path: string; allowed: ReadonlySet<string> }>();
  for (const unit of units) {
    const path = `${unit}/README.md`;
    const text = t.get(path);
    const allowed = text === undefined ? undefined : allowedImports(text);
    if (allowed === undefined) {
      problems.push(`${path}: ${text === undefined ? "missing" : 'no "**May import:**" line'}`);
      rules.set(unit, { path, allowed: new Set() });
    } else {
      rules.set(unit, { path, allowed });
    }
  }
  return { problems, readmeOf: (unit: string) => rules.get(unit)! };
}

/** Stage folders of builder/ (every folder holding code), checked against their READMEs. */
function stageProblems(t: SourceTree): string[] {
  const stages = folders(t, "builder", 1).filter((f) =>
    [...t.keys()].some((p) => p.startsWith(`${f}/`) && p.endsWith(".ts")),
  );
  const { problems, readmeOf } = readmeRules(t, stages);
  return [...problems, ...ruleProblems(t, "builder", stages, readmeOf)];
}

/** The cab package's parts: each folder below it whose README states a rule. */
function cabPartProblems(t: SourceTree): string[] {
  const parts = [...t.keys()]
    .filter((p) => p.startsWith(`${CAB_ROOT}/`) && p.endsWith("/README.md"))
    .filter((p) => p !== `${CAB_ROOT}/README.md`)
    .filter((p) => allowedImports(t.get(p)!) !== undefined)
    .map((p) => p.slice(0, -"/README.md".length))
    .sort((a, b) => b.length - a.length);
  const { problems, readmeOf } = readmeRules(t, parts);
  const outside = ["test", "examples"].map((d) => `${CAB_ROOT}/${d}/`);
  for (const path of t.keys()) {
    const sub = path.slice(CAB_ROOT.length + 1);
    if (!path.startsWith(`${CAB_ROOT}/`) || !path.endsWith(".ts") || !sub.includes("/")) continue;
    if (outside.some((o) => path.startsWith(o))) continue;
    if (!parts.some((p) => path.startsWith(`${p}/`))) {
      problems.push(`${path}: no README.md with a "May import" line covers its folder`);
    }
  }
  return [...problems, ...ruleProblems(t, CAB_ROOT, parts, readmeOf)];
}

test("the cab package imports only node: and its own files; cabwright imports it only as @cabwright/cab", (t) => {
  t.true(tree.has(`${CAB_ROOT}/index.ts`), "the tree was read");
  t.deepEqual(boundaryProblems(tree), []);
});

test("no import cycle inside the cab package", (t) => {
  t.deepEqual(importCycles(tree, CAB_ROOT), []);
});

test("each part of the cab package imports only what its README allows (format <- codecs <- read, write)", (t) => {
  t.deepEqual(cabPartProblems(tree), []);
});

test("each stage folder of builder/ has a README whose May import line its imports keep to", (t) => {
  t.deepEqual(stageProblems(tree), []);
});

test("every rule fails on a planted tree that breaks it", (t) => {
  const planted: SourceTree = new Map([
    [`${CAB_ROOT}/index.ts`, 'export { x } from "./read/x.js";'],
    [`${CAB_ROOT}/README.md`, "**May import:** nothing of cabwright."],
    [`${CAB_ROOT}/format/README.md`, "**May import:** nothing outside format/."],
    [`${CAB_ROOT}/format/z.ts`, 'import { x } from "../read/x.js";'],
    [`${CAB_ROOT}/read/README.md`, "**May import:** `format`, `codecs`."],
    [`${CAB_ROOT}/read/x.ts`, 'import type { Y } from "./y.js";\nimport "node:fs";'],
    [`${CAB_ROOT}/read/y.ts`, 'import { x } from "./x.js";\nimport "../codecs/lzx/decode.js";'],
    [`${CAB_ROOT}/read/a.ts`, 'import { Manifest } from "../../manifest/types.js";'],
    [`${CAB_ROOT}/read/b.ts`, 'import YAML from "yaml";'],
    [`${CAB_ROOT}/codecs/lzx/decode.ts`, "export const d = 1;"],
    [`${CAB_ROOT}/write/w.ts`, 'import "../format/z.js";'],
    [`${CAB_ROOT}/test/e.test.ts`, 'import { x } from "../read/x.js";\nimport "ava";'],
    [`${CAB_ROOT}/test/ok.test.ts`, 'import "@cabwright/cab/internal/read/x";'],
    [`${CAB_ROOT}/examples/f.ts`, 'import { x } from "@cabwright/cab/internal/read/x";'],
    ["builder/sfx/c.ts", 'import { CAB_SIGNATURE } from "../cab/format/constants.js";'],
    ["builder/sfx/d.ts", 'const m = await import("@cabwright/cab/internal/format/constants");'],
    ["builder/sfx/README.md", "**May import:** `cab`, `util`."],
    ["builder/report/README.md", "Prose, and:\n\n**May import:** `util`."],
    ["builder/report/r.ts", 'import "../manifest/types.js";\nimport "../util/x.js";'],
    ["builder/report/s.ts", 'import { openCabinet } from "@cabwright/cab";'],
    ["builder/util/x.ts", "export const u = 1;"],
    ["builder/report/t.ts", 'import "../pe/p.js";'],
    ["builder/pe/README.md", "**May import:** `manifest`."],
    ["builder/pe/p.ts", 'import "../manifest/types.js";'],
    ["builder/manifest/types.ts", "export type Manifest = {};"],
    [
      "test/g.test.ts",
      'import "@cabwright/cab/internal/read/x";\nimport "../builder/cab/read/x.js";',
    ],
  ]);
  t.deepEqual(
    boundaryProblems(planted).map((p) => p.split(":")[0]),
    [
      `${CAB_ROOT}/read/a.ts imports "../../manifest/types.js"`,
      `${CAB_ROOT}/read/b.ts imports "yaml"`,
      `${CAB_ROOT}/test/e.test.ts imports "../read/x.js"`,
      `${CAB_ROOT}/examples/f.ts imports "@cabwright/cab/internal/read/x"`,
      `builder/sfx/c.ts imports "../cab/format/constants.js"`,
      `builder/sfx/d.ts imports "@cabwright/cab/internal/format/constants"`,
      `test/g.test.ts imports "../builder/cab/read/x.js"`,
    ],
  );
  t.deepEqual(importCycles(planted, CAB_ROOT), [
    `${CAB_ROOT}/read/x.ts -> ${CAB_ROOT}/read/y.ts -> ${CAB_ROOT}/read/x.ts`,
  ]);
  const parts = cabPartProblems(planted);
  t.is(parts.length, 3, parts.join("\n"));
  t.regex(parts[0]!, /^builder\/cab\/codecs\/lzx\/decode\.ts: no README\.md/);
  t.regex(parts[1]!, /^builder\/cab\/write\/w\.ts: no README\.md/);
  t.regex(
    parts[2]!,
    /^builder\/cab\/format\/z\.ts imports "\.\.\/read\/x\.js" \(read\), which builder\/cab\/format\/README\.md does not allow/,
  );
  const stages = stageProblems(planted);
  t.deepEqual(
    stages.map((p) => p.split(" (")[0]!.split(": ")[0]),
    [
      "builder/manifest/README.md",
      "builder/util/README.md",
      'builder/cab/read/a.ts imports "../../manifest/types.js"',
      'builder/report/r.ts imports "../manifest/types.js"',
      'builder/report/s.ts imports "@cabwright/cab"',
      'builder/report/t.ts imports "../pe/p.js"',
    ],
  );
});

test("cabwright/cab is @cabwright/cab under cabwright's name: the same exports, the same objects", async (t) => {
  const pkg = await import("@cabwright/cab");
  const old = await import("cabwright/cab");
  t.deepEqual(Object.keys(old).sort(), Object.keys(pkg).sort());
  t.is(old.writeCabinet, pkg.writeCabinet);
  t.is(old.CabError, pkg.CabError);
});
