/**
 * `table PACKAGE`: the file table of a built package, from its own bytes (.exe, .cab) or
 * from its build record (.build.json), as rows for report/table.ts.
 */

import type { TableRow } from "../manifest/types.js";
import { readBuildRecord } from "../pipeline/record-check.js";
import type { Toolkit } from "../pipeline/toolkit.js";
import { recordTableRows } from "../report/table.js";
import { packageTableRows } from "./compare.js";
import { readPackage } from "./read-package.js";

export const PackageKind = {
  executable: "executable",
  cabinet: "cabinet",
  record: "record",
} as const;
export type PackageKind = (typeof PackageKind)[keyof typeof PackageKind];

/** What a path names, by its extension; undefined: a manifest. */
export function packageKind(path: string): PackageKind | undefined {
  const p = path.toLowerCase();
  if (p.endsWith(".build.json")) return "record";
  if (p.endsWith(".exe")) return "executable";
  if (p.endsWith(".cab")) return "cabinet";
  return undefined;
}

export async function packageRows(
  path: string,
  toolkit: Pick<Toolkit, "openPackage" | "inspect" | "inspectBytes">,
): Promise<TableRow[]> {
  if (packageKind(path) === "record") return recordTableRows(await readBuildRecord(path));
  return packageTableRows(await readPackage(path, toolkit));
}
