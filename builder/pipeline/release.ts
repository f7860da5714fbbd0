/**
 * After the package is assembled: verify it as a customer would read it (nothing is
 * published unless it holds), then describe it in the build record.
 */

import { stat } from "node:fs/promises";
import { formatPlanChange } from "../install/compare.js";
import type { InstallPlan } from "../install/plan.js";
import type { LoadedManifest } from "../manifest/load.js";
import type { SignedFile } from "../sign/stage.js";
import { CheckFailed } from "../util/errors.js";
import { digestFile } from "../util/fs.js";
import { formatMismatch } from "../verify/compare.js";
import { verifyPackage } from "../verify/verify.js";
import { makeRecord } from "./make-record.js";
import type { BuildProgress } from "./progress.js";
import type { BuildRecord, Digests } from "./record.js";
import type { StagedFile } from "./stage-files.js";
import type { CabWritten, PackageFacts, Toolkit } from "./toolkit.js";

/** Mismatches shown in a failed build's message (all of them: `cabwright verify`). */
const SHOWN_MISMATCHES = 5;

/**
 * The package as a customer reads it, against the manifest and against the staged files:
 * every file's bytes must be the staged file's (its SHA-256 taken when it was staged), and
 * the cabinet inside the .exe the staged cabinet. Files are read back in memory; a PE over
 * verify's in-memory limit is copied to `workDir` (the build's staging folder, beside the
 * output), never to the system's temporary folder.
 */
export async function verifyBuilt(
  exePath: string,
  loaded: LoadedManifest,
  files: readonly StagedFile[],
  cabinet: Digests,
  workDir: string,
  toolkit: Pick<Toolkit, "openPackage" | "inspect" | "inspectBytes" | "packageFacts" | "readPlan">,
  progress: BuildProgress,
): Promise<Digests> {
  progress.begin(
    "verify",
    files.reduce((n, f) => n + f.after.size, 0),
    files.length,
  );
  let read: PackageFacts | undefined;
  const report = await verifyPackage(exePath, loaded, toolkit, {
    onFile: (f, n) => progress.advance(f, n),
    expected: {
      source: "staged files",
      files: files.map((f) => ({ path: f.file.path, sha256: f.after.sha256 })),
      cabinetSha256: cabinet.sha256,
    },
    workDir,
    onFacts: (f) => {
      read = f;
    },
  });
  progress.end("verify");
  if (!report.ok) {
    const lines = [
      ...report.mismatches.map(formatMismatch),
      ...report.plan.map((c) => formatPlanChange(c)),
    ];
    const shown = lines.slice(0, SHOWN_MISMATCHES).join("; ");
    throw new CheckFailed(
      `${loaded.manifest.package.name}.exe does not verify (${lines.length} mismatch(es): ${shown}); nothing was published`,
    );
  }
  // The executable's digest, as verify read it (one read of the package, not two).
  if (!read || read.damaged !== undefined) return digestFile(exePath);
  return { size: (await stat(exePath)).size, sha256: read.fileSha256 };
}

export async function recordBuild(
  loaded: LoadedManifest,
  files: readonly StagedFile[],
  cabinet: { readonly digests: Digests; readonly written: CabWritten },
  exe: {
    readonly path: string;
    readonly stub: string;
    /** Its size and SHA-256 (verifyBuilt's). */
    readonly digests: Digests;
    readonly signed?: SignedFile | undefined;
  },
  sourceDateEpoch: number | undefined,
  plan: InstallPlan | undefined,
): Promise<BuildRecord> {
  return makeRecord({
    loaded,
    files,
    compressor: cabinet.written.compressor,
    compression: cabinet.written.compression,
    cabinet: cabinet.digests,
    executable: exe.digests,
    stubSha256: (await digestFile(exe.stub)).sha256,
    sourceDateEpoch,
    ...(plan ? { plan } : {}),
    ...(exe.signed ? { executableSignature: exe.signed } : {}),
  });
}
