/**
 * verify: a package read back against its manifest. The report's JSON shape is stable
 * (schema cabwright.verify/1); add fields, never change one.
 */

import type { Toolkit } from "../build/toolkit.js";
import { comparePlans, type PlanChange } from "../install/compare.js";
import { compilePlan } from "../install/compile.js";
import type { LoadedManifest } from "../manifest/load.js";
import { compareWithManifest, type Mismatch } from "./compare.js";
import { readPackage } from "./read-package.js";

export const VERIFY_REPORT_SCHEMA = "cabwright.verify/1";

export interface VerifyReport {
  readonly schema: typeof VERIFY_REPORT_SCHEMA;
  /** The package as given. */
  readonly package: string;
  readonly manifest: string;
  readonly ok: boolean;
  /** Files found in the package. */
  readonly files: number;
  readonly mismatches: readonly Mismatch[];
  /**
   * Fields of the install plan the package carries that differ from the manifest's
   * (before: the manifest's, after: the package's). A .cab has no package header, so no
   * plan to compare: always empty for one.
   */
  readonly plan: readonly PlanChange[];
}

export async function verifyPackage(
  packagePath: string,
  loaded: LoadedManifest,
  toolkit: Pick<Toolkit, "openPackage" | "inspect" | "readPlan">,
  onFile?: (name: string, bytes: number) => void,
): Promise<VerifyReport> {
  const entries = await readPackage(packagePath, toolkit, onFile);
  const mismatches = compareWithManifest(loaded.manifest, entries);
  const plan = packagePath.toLowerCase().endsWith(".exe")
    ? comparePlans(compilePlan(loaded.manifest), await toolkit.readPlan(packagePath))
    : [];
  return {
    schema: VERIFY_REPORT_SCHEMA,
    package: packagePath,
    manifest: loaded.file,
    ok: mismatches.length === 0 && plan.length === 0,
    files: entries.length,
    mismatches,
    plan,
  };
}
