/**
 * After the package is assembled: verify it as a customer would read it (nothing is
 * published unless it holds), then describe it in the build record.
 */
import type { LoadedManifest } from "../manifest/load.js";
import { CheckFailed } from "../util/errors.js";
import { digestFile } from "../util/fs.js";
import { formatMismatch } from "../verify/compare.js";
import { verifyPackage } from "../verify/verify.js";
import { makeRecord } from "./make-record.js";
import type { BuildProgress } from "./progress.js";
import type { BuildRecord } from "./record.js";
import type { StagedFile } from "./stage-files.js";
import type { CabWritten, Toolkit } from "./toolkit.js";

/** Mismatches shown in a failed build's message (all of them: `cabwright verify`). */
const SHOWN_MISMATCHES = 5;

export async function verifyBuilt(
  exePath: string,
  loaded: LoadedManifest,
  files: readonly StagedFile[],
  toolkit: Pick<Toolkit, "openPackage" | "inspect">,
  progress: BuildProgress,
): Promise<void> {
  progress.begin(
    "verify",
    files.reduce((n, f) => n + f.after.size, 0),
    files.length,
  );
  const report = await verifyPackage(exePath, loaded, toolkit, (f, n) => progress.advance(f, n));
  progress.end("verify");
  if (!report.ok) {
    const shown = report.mismatches.slice(0, SHOWN_MISMATCHES).map(formatMismatch).join("; ");
    throw new CheckFailed(
      `${loaded.manifest.package.name}.exe does not verify (${report.mismatches.length} mismatch(es): ${shown}); nothing was published`,
    );
  }
}

export async function recordBuild(
  loaded: LoadedManifest,
  files: readonly StagedFile[],
  cabinet: { readonly path: string; readonly written: CabWritten },
  exe: { readonly path: string; readonly stub: string },
  sourceDateEpoch: number | undefined,
): Promise<BuildRecord> {
  return makeRecord({
    loaded,
    files,
    compressor: cabinet.written.compressor,
    compression: cabinet.written.compression,
    cabinet: await digestFile(cabinet.path),
    executable: await digestFile(exe.path),
    stubSha256: (await digestFile(exe.stub)).sha256,
    sourceDateEpoch,
  });
}
