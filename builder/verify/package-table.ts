/**
 * `table PACKAGE`: the file table of a built package, from its own bytes (.exe, .cab) or
 * from its build record (.build.json), as rows for report/table.ts.
 */
import { readFile } from "node:fs/promises";
import type { BuildRecord } from "../build/record.js";
import type { Toolkit } from "../build/toolkit.js";
import type { TableRow } from "../manifest/types.js";
import { recordTableRows } from "../report/table.js";
import { InputError } from "../util/errors.js";
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

export async function readBuildRecord(path: string): Promise<BuildRecord> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(
      `${path}: cannot read the build record (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  let record: BuildRecord;
  try {
    record = JSON.parse(text) as BuildRecord;
  } catch (err) {
    throw new InputError(`${path}: not JSON (${(err as Error).message})`);
  }
  if (
    !record ||
    typeof record !== "object" ||
    !Array.isArray(record.files) ||
    typeof record.schema !== "string" ||
    !record.schema.startsWith("cabwright.build-record/")
  ) {
    throw new InputError(
      `${path}: not a cabwright build record (expected "schema": "cabwright.build-record/1" and a files list)`,
    );
  }
  return record;
}

export async function packageRows(
  path: string,
  toolkit: Pick<Toolkit, "openPackage" | "inspect">,
): Promise<TableRow[]> {
  if (packageKind(path) === "record") return recordTableRows(await readBuildRecord(path));
  return packageTableRows(await readPackage(path, toolkit));
}
