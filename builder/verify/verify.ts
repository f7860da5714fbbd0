/**
 * verify: a package read back against its manifest. The report's JSON shape is stable
 * (schema cabwright.verify/1); add fields, never change one.
 */

import type { Toolkit } from "../build/toolkit.js";
import type { LoadedManifest } from "../manifest/load.js";
import { compareWithManifest, type Mismatch } from "./compare.js";
import { readPackage } from "./read-package.js";
import { type SignatureCheckOptions, signatureMismatches } from "./signatures.js";

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
}

export async function verifyPackage(
  packagePath: string,
  loaded: LoadedManifest,
  toolkit: Pick<Toolkit, "openPackage" | "inspect">,
  onFile?: (name: string, bytes: number) => void,
  signatures: SignatureCheckOptions = {},
): Promise<VerifyReport> {
  const entries = await readPackage(packagePath, toolkit, onFile);
  const mismatches = compareWithManifest(loaded.manifest, entries);
  mismatches.push(...(await signatureMismatches(packagePath, loaded, toolkit, signatures)));
  return {
    schema: VERIFY_REPORT_SCHEMA,
    package: packagePath,
    manifest: loaded.file,
    ok: mismatches.length === 0,
    files: entries.length,
    mismatches,
  };
}
