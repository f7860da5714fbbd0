/**
 * The JSON the commands print with --json, in one place. Every object carries `schema`:
 * "cabwright.KIND/N", N raised only when a field changes meaning or goes away (fields are
 * added freely), as the build record, verify and diff reports already do. docs/cli.md
 * lists the shapes. `table --json` and `inspect --json` print arrays (no schema field):
 * rows and files, as documented from the start.
 */

import { planSummary } from "../../install/compare.js";
import type { InstallPlan } from "../../install/plan.js";
import type { Manifest } from "../../manifest/types.js";
import type { BuildSummary } from "../../pipeline/progress.js";
import type { BuildRecord } from "../../pipeline/record.js";
import type { LocatedProblem } from "../../util/errors.js";

export const CliSchema = {
  check: "cabwright.check/1",
  build: "cabwright.build/1",
  cabList: "cabwright.cab-list/1",
  cabTest: "cabwright.cab-test/1",
  cabExtract: "cabwright.cab-extract/1",
  cabCreate: "cabwright.cab-create/1",
  sfx: "cabwright.sfx/1",
  locate: "cabwright.locate/1",
} as const;
export type CliSchema = (typeof CliSchema)[keyof typeof CliSchema];

/** `value` as the one JSON document a command prints (2-space indent, newline). */
export function jsonText(schema: CliSchema, value: object): string {
  return `${JSON.stringify({ schema, ...value }, null, 2)}\n`;
}

/** A problem in a JSON report: unknown parts are null, so every problem has four keys. */
export function problemJson(p: LocatedProblem) {
  return {
    file: p.file ?? null,
    line: p.line ?? null,
    column: p.column ?? null,
    message: p.message,
  };
}

/** `check --json`: ok with the package's name, file count and install plan, or the problems. */
export function checkJson(
  file: string,
  result:
    | { readonly manifest: Manifest; readonly plan: InstallPlan | undefined }
    | { readonly problems: readonly LocatedProblem[] },
): string {
  if ("problems" in result) {
    return jsonText(CliSchema.check, {
      file,
      ok: false,
      problems: result.problems.map(problemJson),
    });
  }
  const { manifest, plan } = result;
  return jsonText(CliSchema.check, {
    file,
    ok: true,
    package: manifest.package.name,
    files: manifest.files.length,
    plan: plan ? planSummary(plan) : null,
    problems: [],
  });
}

/** `build --json`: the package, the one-line summary's figures, and the build record. */
export function buildJson(executable: string, summary: BuildSummary, record: BuildRecord): string {
  return jsonText(CliSchema.build, { executable, summary, record });
}
