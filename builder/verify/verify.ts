/**
 * verify: a package read back against its manifest and, when one is known, against the
 * bytes that were built (a build record, or in build the staged files). The report's JSON
 * shape is stable (schema cabwright.verify/2: /1 named a mismatch's file `file`); add fields, never change one.
 */
import { basename, dirname, join } from "node:path";
import { comparePlans, type PlanChange } from "../install/compare.js";
import { compilePlan } from "../install/compile.js";
import type { InstallPlan } from "../install/plan.js";
import type { LoadedManifest } from "../manifest/load.js";
import type { Manifest } from "../manifest/types.js";
import type { BuildRecord } from "../pipeline/record.js";
import { readBuildRecord } from "../pipeline/record-check.js";
import type { PackageFacts, Toolkit } from "../pipeline/toolkit.js";
import { InputError } from "../util/errors.js";
import { pathExists } from "../util/fs.js";
import { type ExpectedContents, VERIFY_CHECKS, type VerifyCheck } from "./checks.js";
import type { Mismatch } from "./compare.js";
import { readPackage } from "./read-package.js";
import {
  executableSignatureMismatches,
  FileSignatures,
  type SignatureCheckOptions,
} from "./signatures.js";

export const VERIFY_REPORT_SCHEMA = "cabwright.verify/2";

/** Whether the files' bytes were compared with what was built, and against what. */
export type ContentsCompared =
  | { readonly compared: true; readonly against: string }
  | { readonly compared: false; readonly reason: string };

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
  /** The checks that ran (VerifyCheck names): what `ok` proves. */
  readonly checks: readonly string[];
  readonly contents: ContentsCompared;
  /**
   * "build-record" when no manifest was given: `manifest` names the build record, and the
   * files were checked against what it records (verifyAgainstRecord). Absent: the manifest.
   */
  readonly expectedFrom?: "build-record";
}

export interface VerifyOptions {
  readonly onFile?: (name: string, bytes: number) => void;
  /**
   * The build record to compare every file's bytes with: a path; undefined: NAME.build.json
   * beside the package when there is one; false: none (build passes `expected` instead).
   */
  readonly record?: string | false;
  /** The digests to compare with, when not from a record (build: the staged files). */
  readonly expected?: ExpectedContents;
  /** Where a PE over IN_MEMORY_FILE_LIMIT is copied to be read (default: the system's temporary folder). */
  readonly workDir?: string;
  /** Default VERIFY_CHECKS. */
  readonly checks?: readonly VerifyCheck[];
  /** Authenticode: every signature found is checked; `ca` also checks the chain. */
  readonly signatures?: SignatureCheckOptions;
  /** The install plan the package must carry, when not the manifest's (a record's). */
  readonly expectedPlan?: { readonly plan: InstallPlan | undefined };
  /** Told what was read of the package as a whole (build records the digest from it). */
  readonly onFacts?: (facts: PackageFacts) => void;
}

/** out/x/x.exe or x.cab -> out/x/x.build.json. */
export function recordBeside(packagePath: string): string {
  const name = basename(packagePath).replace(/\.(exe|cab)$/i, "");
  return join(dirname(packagePath), `${name}.build.json`);
}

/** The digests a build record holds for a package (.exe or .cab). */
export function expectedFromRecord(record: BuildRecord, source: string): ExpectedContents {
  return {
    source: `build record ${source}`,
    files: record.files.map((f) => ({ path: f.path, sha256: f.after.sha256 })),
    cabinetSha256: record.cabinet.sha256,
    executableSha256: record.executable.sha256,
  };
}

async function resolveExpected(
  packagePath: string,
  opts: VerifyOptions,
): Promise<{ expected?: ExpectedContents; contents: ContentsCompared }> {
  if (opts.expected) {
    return { expected: opts.expected, contents: { compared: true, against: opts.expected.source } };
  }
  if (opts.record === false) {
    return { contents: { compared: false, reason: "no build record was given" } };
  }
  let path = opts.record;
  if (path === undefined) {
    const beside = recordBeside(packagePath);
    if (!(await pathExists(beside))) {
      return {
        contents: {
          compared: false,
          reason: `no build record (${basename(beside)} is not beside the package; give --record FILE)`,
        },
      };
    }
    path = beside;
  }
  const expected = expectedFromRecord(await readBuildRecord(path), path);
  return { expected, contents: { compared: true, against: expected.source } };
}

export async function verifyPackage(
  packagePath: string,
  loaded: LoadedManifest,
  toolkit: Pick<Toolkit, "openPackage" | "inspect" | "inspectBytes" | "packageFacts" | "readPlan">,
  opts: VerifyOptions = {},
): Promise<VerifyReport> {
  const checks = opts.checks ?? VERIFY_CHECKS;
  const { expected, contents } = await resolveExpected(packagePath, opts);
  const report = (
    files: number,
    mismatches: Mismatch[],
    ran: readonly string[],
    plan: readonly PlanChange[] = [],
  ): VerifyReport => ({
    schema: VERIFY_REPORT_SCHEMA,
    package: packagePath,
    manifest: loaded.file,
    ok: mismatches.length === 0 && plan.length === 0,
    files,
    mismatches,
    plan,
    checks: ran,
    contents,
    ...(opts.expectedPlan ? { expectedFrom: "build-record" as const } : {}),
  });
  const facts = await toolkit.packageFacts(packagePath);
  opts.onFacts?.(facts);
  const packageName = basename(packagePath);
  if (facts.damaged !== undefined) {
    // The stub refuses such a package before it reads a file; so does verify.
    const m: Mismatch = {
      path: packageName,
      field: "packageHeader",
      expected: "a package the stub accepts",
      found: facts.damaged,
    };
    return report(0, [m], ["package"]);
  }
  // One read of the files: their fields, digests, PE facts and signatures.
  const signatures = new FileSignatures(loaded, opts.signatures ?? {});
  const entries = await readPackage(packagePath, toolkit, {
    ...(opts.onFile ? { onFile: opts.onFile } : {}),
    ...(opts.workDir ? { workDir: opts.workDir } : {}),
    digests: expected !== undefined,
    examine: signatures.examine,
    damaged: signatures.damaged,
  });
  const ctx = {
    packageName,
    isExecutable: facts.foundBy !== "cabinet",
    manifest: loaded.manifest,
    entries,
    facts,
    ...(expected ? { expected } : {}),
  };
  const ran = checks.filter((c) => c.applies?.(ctx) ?? true);
  const mismatches = ran.flatMap((c) => c.run(ctx));
  // Authenticode signatures: every one found, and those the manifest requires (docs/sign.md).
  mismatches.push(
    ...(await executableSignatureMismatches(
      packagePath,
      facts.signed,
      loaded,
      opts.signatures ?? {},
    )),
    ...signatures.mismatches(),
  );
  // The install plan the package carries against the manifest's (a .cab has no header).
  const names = [...ran.map((c) => c.name), "signatures"];
  if (!ctx.isExecutable) return report(entries.length, mismatches, names);
  let carried: Awaited<ReturnType<typeof toolkit.readPlan>>;
  try {
    carried = await toolkit.readPlan(packagePath);
  } catch (err) {
    // A damaged plan is a failed verification (the stub refuses it, exit 13), not bad input.
    if (!(err instanceof InputError)) throw err;
    const m: Mismatch = {
      path: packageName,
      field: "installPlan",
      expected: "an install plan the stub accepts",
      found: err.message,
    };
    return report(entries.length, [...mismatches, m], [...names, "install-plan"]);
  }
  const wanted = opts.expectedPlan ? opts.expectedPlan.plan : compilePlan(loaded.manifest);
  const plan = comparePlans(wanted, carried);
  return report(entries.length, mismatches, [...names, "install-plan"], plan);
}

/**
 * The last line of verify's text output: what `ok` proves, and what it does not. Without a
 * build record the files' attributes are proven, not their bytes: a same-size edit passes.
 */
export function verifySummary(report: VerifyReport, manifestLabel: string): string {
  const contents = report.contents.compared
    ? `; every file's bytes match the ${report.contents.against}`
    : `; contents NOT compared: ${report.contents.reason}`;
  if (!report.ok) {
    const count = report.mismatches.length + report.plan.length;
    return `${report.package}: ${count} mismatch(es) with ${manifestLabel}${contents}`;
  }
  return `${report.package}: ok (${report.files} files match ${manifestLabel}${contents})`;
}

/**
 * What a build record says the package holds, as a manifest verify can compare with: the
 * package section and every file's name, path, version, size, date, time, platform and
 * stamp as built, and (where the build signed) which files carry a signature. What a record
 * does not hold (the article's text, the signing certificate) is not needed to verify.
 */
export function manifestFromRecord(record: BuildRecord, recordPath: string): LoadedManifest {
  const signed = record.executable.signature !== undefined;
  const manifest: Manifest = {
    package: record.package,
    files: record.files.map((f) => ({
      name: f.name,
      path: f.path,
      source: f.source,
      version: f.version,
      size: f.size,
      date: f.date,
      time: f.time,
      platform: f.platform,
      stamp: f.stamp,
      sign: f.signature !== undefined,
    })),
    fixes: [],
    install: { steps: [], notes: [] },
    ...(signed ? { signing: {} } : {}),
  };
  return {
    manifest,
    file: recordPath,
    digest: record.manifest.sha256,
    position: (path) => `${recordPath} ${path.join(".")}`,
  };
}

/**
 * verify without a manifest: against the build record (`record`, default NAME.build.json
 * beside the package): every file as recorded, its bytes by the recorded SHA-256, the
 * install plan the record holds. Throws InputError when there is no record to read.
 */
export async function verifyAgainstRecord(
  packagePath: string,
  toolkit: Pick<Toolkit, "openPackage" | "inspect" | "inspectBytes" | "packageFacts" | "readPlan">,
  opts: Omit<VerifyOptions, "record" | "expected" | "expectedPlan"> & {
    readonly record?: string;
  } = {},
): Promise<VerifyReport> {
  const path = opts.record ?? recordBeside(packagePath);
  if (!(await pathExists(path))) {
    throw new InputError(
      `${packagePath}: no --manifest given and no build record ${path} to verify against (give --manifest FILE or --record FILE)`,
    );
  }
  const record = await readBuildRecord(path);
  return verifyPackage(packagePath, manifestFromRecord(record, path), toolkit, {
    ...opts,
    record: path,
    expectedPlan: { plan: record.install?.plan },
  });
}
