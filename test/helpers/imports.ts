/**
 * The import graph of the source tree, read with TypeScript's own pre-processor (static
 * imports, `export ... from`, dynamic `import()`, type-only imports too), and the rules
 * the layout test holds it to: the cab package imports nothing of cabwright, cabwright
 * imports the package only by its name, no cycles inside the package, each of the
 * package's parts and each stage imports only what its README allows. Pure functions over
 * a map of path -> text, so a test can plant a tree that breaks each rule.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import ts from "typescript";

/** Repository-relative, "/"-separated path -> file text. */
export type SourceTree = ReadonlyMap<string, string>;

export const CAB_ROOT = "builder/cab";
export const CAB_PACKAGE = "@cabwright/cab";
/** The package's internals, exported only under the `cabwright-internal` condition. */
export const CAB_INTERNAL = `${CAB_PACKAGE}/internal/`;

/** Folders never read: build output, dependencies, test data. */
const SKIPPED = new Set(["node_modules", "dist", "fixtures", ".git"]);

/** Every .ts file and README.md below `dirs` of `repo` (build output and fixtures left out). */
export function readTree(repo: string, dirs: readonly string[]): SourceTree {
  const tree = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const d of readdirSync(join(repo, rel), { withFileTypes: true })) {
      const path = posix.join(rel, d.name);
      if (d.isDirectory()) {
        if (!SKIPPED.has(d.name)) walk(path);
      } else if (d.name.endsWith(".ts") || d.name === "README.md") {
        tree.set(path, readFileSync(join(repo, path), "utf8"));
      }
    }
  };
  for (const d of dirs) walk(d);
  return tree;
}

export interface ImportEdge {
  readonly from: string;
  /** The specifier as written. */
  readonly spec: string;
  /** For a relative specifier: the repository path of the .ts file it names. */
  readonly target?: string;
}

/** Every import of every .ts file of the tree. */
export function importEdges(tree: SourceTree): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [from, text] of tree) {
    if (!from.endsWith(".ts")) continue;
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      const target = spec.startsWith(".")
        ? posix.normalize(posix.join(dirname(from), spec)).replace(/\.js$/, ".ts")
        : undefined;
      edges.push(target === undefined ? { from, spec } : { from, spec, target });
    }
  }
  return edges;
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
const CAB_TESTS = `${CAB_ROOT}/test`;
const CAB_EXAMPLES = `${CAB_ROOT}/examples`;
const isCabSource = (path: string) =>
  inside(path, CAB_ROOT) && !inside(path, CAB_TESTS) && !inside(path, CAB_EXAMPLES);

/** Packages the cab package's tests may use besides node: and the package itself. */
const CAB_TEST_PACKAGES = new Set(["ava", "fast-check"]);

/**
 * The package's boundary, one line per import that crosses it: its sources import only
 * node: modules and each other; its examples node: and the package by name, as a user's
 * code does; its tests also the package by name (internals included),
 * ava and fast-check, and the repository's shared test helpers (test/helpers/); the rest of
 * the tree imports it only as "@cabwright/cab" (tests and benchmarks may use internals).
 */
export function boundaryProblems(tree: SourceTree): string[] {
  const problems: string[] = [];
  for (const { from, spec, target } of importEdges(tree)) {
    const where = `${from} imports "${spec}"`;
    if (isCabSource(from)) {
      if (target === undefined && !spec.startsWith("node:")) {
        problems.push(`${where}: the cab package imports only node: modules and its own files`);
      } else if (target !== undefined && !isCabSource(target)) {
        problems.push(`${where}: ${target} is outside the cab package's sources`);
      }
    } else if (inside(from, CAB_EXAMPLES)) {
      const ok = target === undefined && (spec.startsWith("node:") || spec === CAB_PACKAGE);
      if (!ok) {
        problems.push(`${where}: an example imports only node: modules and "${CAB_PACKAGE}"`);
      }
    } else if (inside(from, CAB_TESTS)) {
      if (target === undefined) {
        const ok =
          spec.startsWith("node:") ||
          spec === CAB_PACKAGE ||
          spec.startsWith(CAB_INTERNAL) ||
          CAB_TEST_PACKAGES.has(spec);
        if (!ok) problems.push(`${where}: the cab package's tests do not import that package`);
      } else if (!inside(target, CAB_TESTS) && !inside(target, "test/helpers")) {
        problems.push(
          `${where}: the cab package's tests reach its code as "${CAB_PACKAGE}" (or its internal/ paths), and nothing else of cabwright but test/helpers/`,
        );
      }
    } else {
      if (target !== undefined && inside(target, CAB_ROOT)) {
        problems.push(`${where}: import the cab package by its name, "${CAB_PACKAGE}"`);
      } else if (inside(from, "builder") && spec.startsWith(`${CAB_PACKAGE}/`)) {
        problems.push(`${where}: cabwright uses only the package's public index, "${CAB_PACKAGE}"`);
      }
    }
  }
  return problems;
}

/** Import cycles among the files below `dir` (tests left out), each as "a -> b -> a". */
export function importCycles(tree: SourceTree, dir: string): string[] {
  const next = new Map<string, string[]>();
  for (const { from, target } of importEdges(tree)) {
    if (target === undefined || !inside(from, dir) || !inside(target, dir)) continue;
    if (inside(from, `${dir}/test`) || inside(target, `${dir}/test`)) continue;
    next.set(from, [...(next.get(from) ?? []), target]);
  }
  const cycles: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): void => {
    const at = path.indexOf(file);
    if (at >= 0) {
      cycles.push([...path.slice(at), file].join(" -> "));
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    for (const t of next.get(file) ?? []) visit(t);
    path.pop();
    done.add(file);
  };
  for (const file of [...next.keys()].sort()) visit(file);
  return cycles;
}

/**
 * The names a README allows its folder to import: the backticked words of its paragraph
 * that starts "**May import:**" (a folder allows its sub-folders too: `codecs` allows
 * codecs/lzx). Undefined when there is no such line.
 */
export function allowedImports(readme: string): Set<string> | undefined {
  const paragraph = /^\*\*May import:\*\*.*(?:\n.+)*/m.exec(readme)?.[0];
  if (paragraph === undefined) return undefined;
  return new Set([...paragraph.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\/$/, "")));
}

/**
 * Imports between the units of `units` (folder paths below `parent`, most specific first)
 * that the importing unit's rule does not allow, one line per pair of units (its first
 * import); a unit is named by its path below
 * `parent`. `readmeOf` gives each unit's rule and the README that states it. An import of
 * "@cabwright/cab" counts as one of builder/cab.
 */
export function ruleProblems(
  tree: SourceTree,
  parent: string,
  units: readonly string[],
  readmeOf: (
    unit: string,
  ) => { readonly path: string; readonly allowed: ReadonlySet<string> } | undefined,
): string[] {
  const unitOf = (path: string) => units.find((u) => inside(path, u));
  const name = (unit: string) => unit.slice(parent.length + 1);
  const problems = new Map<string, string>();
  for (const { from, spec, target } of importEdges(tree)) {
    const a = unitOf(from);
    if (a === undefined || inside(from, CAB_TESTS) || inside(from, CAB_EXAMPLES)) continue;
    const b =
      target !== undefined
        ? unitOf(target)
        : spec === CAB_PACKAGE || spec.startsWith(`${CAB_PACKAGE}/`)
          ? CAB_ROOT
          : undefined;
    if (b === undefined || b === a || !units.includes(b)) continue;
    const rule = readmeOf(a);
    if (rule === undefined) continue; // a unit without its rule yet: only imported, not checked
    const allowed = [...rule.allowed].some((u) => u === name(b) || name(b).startsWith(`${u}/`));
    if (!allowed && !problems.has(`${a} ${b}`)) {
      problems.set(
        `${a} ${b}`,
        `${from} imports "${spec}" (${name(b)}), which ${rule.path} does not allow: add \`${name(b)}\` to its "May import" line, or import something it allows`,
      );
    }
  }
  return [...problems.values()];
}
