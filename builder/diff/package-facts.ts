/**
 * The package-level facts of a side (its version, title, KB number, prerequisite, entry
 * command, restart policy...) as display text, and their comparison. A manifest and a
 * build record know them all; a package executable knows what its stub's version resource,
 * its package header and its install plan carry; a bare cabinet knows none.
 */
import { requirementText } from "../install/compile.js";
import type { InstallPlan } from "../install/plan.js";
import { NOT_APPLICABLE, type PackageInfo } from "../manifest/types.js";
import type { PeInfo } from "../pe/types.js";
import { windowsCommandLine } from "../sfx/header.js";
import {
  type DiffSide,
  PACKAGE_FIELDS,
  type PackageChange,
  type PackageField,
  type PackageLevelFacts,
} from "./types.js";

/** `bin\setup.exe /quiet`: the command with Windows separators, then its command line. */
export function entryText(command: string, commandLine: string): string {
  const cmd = command.replaceAll("/", "\\");
  return commandLine === "" ? cmd : `${cmd} ${commandLine}`;
}

/** What the stub stores as the package's KB number: its version resource's Comments "KB123". */
const KB_COMMENT = /^KB(\d+)$/;

/**
 * A manifest's or build record's package section as facts (a record's optional fields are
 * checked where it is read, pipeline/record-check.ts).
 */
export function packageInfoFacts(pkg: PackageInfo): PackageLevelFacts {
  const { kb, restart, prerequisite, entry } = pkg;
  return {
    name: pkg.name,
    title: pkg.title,
    product: pkg.product,
    version: pkg.version,
    kb: kb ?? null,
    prerequisite: prerequisite ? requirementText(prerequisite) : null,
    entry: entry ? entryText(entry.command, windowsCommandLine(entry.args)) : null,
    ...(restart !== undefined ? { restart } : {}),
    platform: pkg.platform,
  };
}

/** What a package executable says about itself. */
export interface ExecutableView {
  /** The stub's own PE facts (its version resource, as build stamps it); absent: unreadable. */
  readonly stub?: PeInfo;
  /** The package header, when the package is cabwright's: its entry command, if any. */
  readonly header?: { readonly entry?: { readonly command: string; readonly commandLine: string } };
  /** The install plan the header carries (null: none). */
  readonly plan?: InstallPlan | null;
}

export function executableFacts({ stub, header, plan }: ExecutableView): PackageLevelFacts {
  const out: { -readonly [F in PackageField]?: string | null } = {};
  if (stub?.isPe) {
    out.platform = stub.platform;
    const strings = stub.strings;
    if (stub.fileVersion !== NOT_APPLICABLE) {
      out.version = stub.fileVersion;
      out.name = strings.InternalName ?? null;
      out.title = strings.FileDescription ?? null;
      out.product = strings.ProductName ?? null;
      out.kb = KB_COMMENT.exec(strings.Comments ?? "")?.[1] ?? null;
    }
  }
  if (header) {
    out.entry = header.entry ? entryText(header.entry.command, header.entry.commandLine) : null;
  }
  if (plan) {
    out.restart = plan.package.restart;
    out.prerequisite = plan.product.requirement === "" ? null : plan.product.requirement;
  }
  return out;
}

/** A side's facts, its packageVersion counting as the version when the facts lack one. */
function factsOf(side: DiffSide): PackageLevelFacts {
  return {
    ...(side.packageVersion !== undefined ? { version: side.packageVersion } : {}),
    ...side.package,
  };
}

/** Every package-level fact both sides know and that differs, in PACKAGE_FIELDS order. */
export function comparePackages(a: DiffSide, b: DiffSide): PackageChange[] {
  const fa = factsOf(a);
  const fb = factsOf(b);
  const out: PackageChange[] = [];
  for (const field of PACKAGE_FIELDS) {
    const before = fa[field];
    const after = fb[field];
    if (before === undefined || after === undefined || before === after) continue;
    out.push({
      field,
      ...(before !== null ? { before } : {}),
      ...(after !== null ? { after } : {}),
    });
  }
  return out;
}
