/**
 * The cabinet (files in manifest order, manifest paths and dates) and the package
 * executable (the platform's stub, stamped with the package's own version resource,
 * with the cabinet appended, and the install plan when the manifest declares one). `stub`
 * is the shipped stub it was made from (recorded).
 */
import { join } from "node:path";
import { MAX_BLOCK_UNCOMPRESSED, MAX_BLOCKS_PER_FOLDER } from "@cabwright/cab";
import type { CollectedFile } from "../collect/collect.js";
import type { InstallPlan } from "../install/plan.js";
import type { PackageInfo } from "../manifest/types.js";
import { cabName, manifestDate, packageStampRequest } from "./plan.js";
import type { BuildProgress } from "./progress.js";
import type { StagedFile, Staging } from "./stage-files.js";
import type { CabWritten, Toolkit } from "./toolkit.js";

/** The most one cabinet folder holds (65,535 blocks of 32,768 bytes). */
const FOLDER_BYTES = MAX_BLOCKS_PER_FOLDER * MAX_BLOCK_UNCOMPRESSED;
/**
 * What stamping may add to a file, at most, for the build to stream the stage into the
 * cabinet (a version resource is a few kilobytes; the section alignment adds less than
 * 64 KiB). A drop that might outgrow one folder is staged first, then written.
 */
const STAMP_GROWTH_BYTES = 1048576;

/** Whether the staged files surely fit one folder, which streaming them needs. */
export function canStreamCabinet(files: readonly CollectedFile[]): boolean {
  return files.reduce((n, f) => n + f.size + STAMP_GROWTH_BYTES, 0) <= FOLDER_BYTES;
}

/**
 * The stage and the cabinet at once: the cabinet writer takes each file as soon as it is
 * staged, in manifest order (the bytes are those of writePackageCabinet after the stage),
 * so compressing file k overlaps stamping the files after it. Reported as two stages that
 * add up: `stage` until every file is staged (the cabinet compressing alongside), then
 * `cabinet` for the compression left, which starts with the bytes already compressed.
 * A failed stage fails the build with its own error; the cabinet stops at its next file
 * and removes its temporary file.
 */
export async function stageIntoCabinet(
  pkg: PackageInfo,
  staging: Staging,
  collected: readonly CollectedFile[],
  stagingDir: string,
  toolkit: Pick<Toolkit, "writeCabinet">,
  progress: BuildProgress,
): Promise<{ files: StagedFile[]; cabinet: { path: string; written: CabWritten } }> {
  const path = join(stagingDir, `${pkg.name}.cab`);
  // Until the cabinet stage begins, its progress is counted, not shown (the stage's is).
  let shown = false;
  let done = 0;
  let last = 0;
  let current = "";
  // Set when the stage fails: the writer stops at the next file instead of going on.
  let stopped: unknown;
  const writing = toolkit.writeCabinet(
    path,
    collected.map((c, k) => ({
      name: cabName(c.file.path),
      date: manifestDate(c.file),
      ready: async () => {
        const f = await staging.files[k]!;
        if (stopped !== undefined) throw stopped;
        return { source: f.staged, size: f.after.size };
      },
    })),
    { compression: pkg.compression, level: pkg.compressionLevel },
    (p) => {
      const bytes = Math.max(0, p.bytesIn - last);
      last = p.bytesIn;
      current = p.file;
      if (shown) progress.advance(p.file, bytes);
      else done += bytes;
    },
  );
  // Settled below either way; a failure of the stage is the one reported.
  writing.catch(() => {});
  let files: StagedFile[];
  try {
    files = await staging.done;
  } catch (err) {
    stopped = err;
    await writing.catch(() => {});
    throw err;
  }
  progress.begin(
    "cabinet",
    files.reduce((n, f) => n + f.after.size, 0),
    files.length,
  );
  shown = true;
  if (done > 0) progress.advance(current, done);
  const written = await writing;
  progress.end("cabinet");
  return { files, cabinet: { path, written } };
}

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
