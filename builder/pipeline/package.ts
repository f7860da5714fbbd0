/**
 * The cabinet (files in manifest order, manifest paths and dates) and the package
 * executable (the platform's stub, stamped with the package's own version resource,
 * with the cabinet appended, and the install plan when the manifest declares one). `stub`
 * is the shipped stub it was made from (recorded).
 */
import { join } from "node:path";
import type { InstallPlan } from "../install/plan.js";
import type { PackageInfo } from "../manifest/types.js";
import { cabName, packageStampRequest } from "./plan.js";
import type { BuildProgress } from "./progress.js";
import type { StagedFile } from "./stage-files.js";
import type { CabWritten, Toolkit } from "./toolkit.js";

export async function writePackageCabinet(
  pkg: PackageInfo,
  files: readonly StagedFile[],
  stagingDir: string,
  toolkit: Pick<Toolkit, "writeCabinet">,
  progress: BuildProgress,
): Promise<{ path: string; written: CabWritten }> {
  const path = join(stagingDir, `${pkg.name}.cab`);
  const total = files.reduce((n, f) => n + f.after.size, 0);
  progress.begin("cabinet", total, files.length);
  let last = 0;
  const written = await toolkit.writeCabinet(
    path,
    files.map((f) => ({
      name: cabName(f.file.path),
      source: f.staged,
      size: f.after.size,
      date: f.date,
    })),
    { compression: pkg.compression, level: pkg.compressionLevel },
    (p) => {
      progress.advance(p.file, Math.max(0, p.bytesIn - last));
      last = p.bytesIn;
    },
  );
  progress.end("cabinet");
  return { path, written };
}

/**
 * The platform's stub, stamped with the package's own version resource, into the staging
 * folder: it does not depend on the cabinet, so the build starts it while the cabinet is
 * written (its main thread mostly waits on the compression workers) and assemblePackage
 * awaits it. A failure is reported by the sfx stage, where it is awaited.
 */
export interface PreparedStub {
  /** The shipped stub it was made from (recorded). */
  readonly original: string;
  readonly stamped: Promise<string>;
}

export function prepareStub(
  pkg: PackageInfo,
  stagingDir: string,
  toolkit: Pick<Toolkit, "stubPath" | "stamp">,
): PreparedStub {
  const original = toolkit.stubPath(pkg.platform);
  const path = join(stagingDir, `stub-${pkg.platform}.exe`);
  const stamped = toolkit.stamp(original, packageStampRequest(pkg), path).then(() => path);
  // Awaited by assemblePackage; until then a failure must not go unhandled.
  stamped.catch(() => {});
  return { original, stamped };
}

export async function assemblePackage(
  pkg: PackageInfo,
  plan: InstallPlan | undefined,
  cabinetPath: string,
  stagingDir: string,
  stub: PreparedStub,
  toolkit: Pick<Toolkit, "assembleSfx">,
  progress: BuildProgress,
): Promise<{ path: string; stub: string }> {
  progress.begin("sfx", 0, 1);
  const stamped = await stub.stamped;
  const path = join(stagingDir, `${pkg.name}.exe`);
  await toolkit.assembleSfx({
    platform: pkg.platform,
    cabinetPath,
    outPath: path,
    stubPath: stamped,
    ...(pkg.entry ? { entry: pkg.entry } : {}),
    ...(plan ? { plan } : {}),
  });
  progress.advance(`${pkg.name}.exe`, 0);
  progress.end("sfx");
  return { path, stub: stub.original };
}
