/**
 * Running the built CLI as a user would, and the promise for bad input: exit 2 and one
 * "cabwright:" line, never "internal error" or a stack.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ExecutionContext } from "ava";
import { run } from "./peers.js";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const cliPath = join(repoRoot, "dist", "builder", "cli", "main.js");
export const seedManifest = join(repoRoot, "manifest", "fse-sp2-hr2.yaml");

export function cabwright(
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
) {
  return run(process.execPath, [cliPath, ...args], {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    timeout: opts.timeoutMs ?? 60_000,
  });
}

/** Exit 2 with exactly one "cabwright:" line matching `expected`, and no stack. */
export function assertOneLine(
  t: ExecutionContext,
  r: { code: number | null; stderr: string },
  expected: RegExp,
  label = "",
): void {
  t.is(r.code, 2, `${label} exit: ${r.stderr}`);
  const lines = r.stderr
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("cabwright"));
  t.is(lines.length, 1, `${label} one line: ${r.stderr}`);
  t.notRegex(r.stderr, /internal error|\n\s+at /, `${label} no stack`);
  t.regex(lines[0] ?? "", expected, label);
}

/** A small valid manifest of data files (no PE, no stamping) with `files` as its list. */
export function tinyManifest(files: string, name = "tiny"): string {
  return `package:
  name: ${name}
  title: A small package
  product: Small
  version: 1.0.0.0
  company: Example
  copyright: (c) Example
defaults:
  version: Not Applicable
  date: 2010-06-29
  time: "18:08"
  platform: Not Applicable
files:
${files}`;
}
