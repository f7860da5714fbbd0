/**
 * `cabwright build`: manifest + build drop -> out/NAME/ (NAME.exe, NAME.cab,
 * NAME.build.json, NAME.html). The stages in order; each lives in its own module.
 */
import { collect, filePosition } from "../collect/collect.js";
import type { FilePosition } from "../collect/plan.js";
import { compilePlan } from "../install/compile.js";
import { loadManifest } from "../manifest/load.js";
import type { PackageInfo, UnclaimedPolicy } from "../manifest/types.js";
import { shippedSizes, updateManifestSizes, withoutSizes } from "../manifest/update.js";
import {
  type SigningPlan,
  type SigningRequest,
  signingPlan,
  signPackage,
  signPayload,
  signsFile,
} from "../sign/stage.js";
import { InputError } from "../util/errors.js";
import { digestFile } from "../util/fs.js";
import { explainFailure, StageTracker } from "./failure.js";
import { prepareOutput } from "./output.js";
import type { OutputLock } from "./output-lock.js";
import {
  assemblePackage,
  canStreamCabinet,
  type PreparedStub,
  prepareStub,
  stageIntoCabinet,
  writePackageCabinet,
} from "./package.js";
import { type OutputLayout, outputLayout, parseSourceDateEpoch } from "./plan.js";
import { type BuildProgress, silentProgress } from "./progress.js";
import { flush, publishPackage } from "./publish.js";
import type { BuildRecord } from "./record.js";
import { recordBuild, verifyBuilt } from "./release.js";
import { type Staging, startStaging } from "./stage-files.js";
import type { Toolkit } from "./toolkit.js";

export interface BuildOptions {
  readonly manifest: string;
  readonly drop: string;
  /** Default "out". */
  readonly out?: string;
  readonly progress?: BuildProgress;
  /** Default: the real stages (toolkit-default.ts). */
  readonly toolkit?: Toolkit;
  /** Default: process.env.SOURCE_DATE_EPOCH. */
  readonly sourceDateEpoch?: string;
  /** Sign with this identity (overrides the manifest's signing section's). */
  readonly signing?: SigningRequest;
  /** Overrides the manifest's drop.unclaimed ("error": an unclaimed drop file fails the build). */
  readonly unclaimed?: UnclaimedPolicy;
  /** Sizes are not checked but written into the manifest once published (manifest/update.ts). */
  readonly updateManifest?: boolean;
}

export interface BuildResult {
  readonly record: BuildRecord;
  readonly layout: OutputLayout;
  /** Drop files no entry claims. */
  readonly unclaimed: readonly string[];
  /** With updateManifest: how many files' sizes were written into the manifest. */
  readonly manifestUpdated?: number;
}

export async function build(opts: BuildOptions): Promise<BuildResult> {
  const progress = new StageTracker(opts.progress ?? silentProgress);
  const toolkit = opts.toolkit ?? (await import("./toolkit-default.js")).defaultToolkit();
  const sde = parseSourceDateEpoch(opts.sourceDateEpoch ?? process.env.SOURCE_DATE_EPOCH);
  if (sde.problem) throw new InputError(sde.problem);

  progress.begin("validate", 0, 1);
  const read = await loadManifest(opts.manifest);
  const loaded = opts.updateManifest ? withoutSizes(read) : read;
  const pkg = loaded.manifest.package;
  const plan = compilePlan(loaded.manifest);
  progress.end("validate");

  const outRoot = opts.out ?? "out";
  const layout = outputLayout(outRoot, pkg.name);
  const signing = await signingPlan(opts.signing, loaded, sde.epoch);
  // The lock, what a killed build left, and OUT/.NAME.staging-XXXXXX (docs/build.md).
  const output = await prepareOutput(outRoot, pkg.name, progress);
  const staging = output.staging;
  let built: BuildResult;
  // The early flush of the .cab and .exe (below); settled before the staging is removed.
  let flushed: Promise<unknown> | undefined;
  let stub: PreparedStub | undefined;
  try {
    const collected = await collect(loaded, opts.drop, toolkit, progress, {
      ...(opts.unclaimed ? { unclaimed: opts.unclaimed } : {}),
    });
    const position = filePosition(loaded);
    const later = signing ? signsFile : undefined;
    const stage = startStaging(pkg, collected.files, staging, toolkit, position, progress, later);
    stub = prepareStub(pkg, staging, toolkit);
    // Each file goes into the cabinet as it is staged; files signed after the stage, or a
    // drop that might outgrow one cabinet folder, are staged first and then written.
    const { files, cabinet } =
      signing || !canStreamCabinet(collected.files)
        ? await stageThenCabinet(pkg, stage, signing, position, staging, toolkit, progress)
        : await stageIntoCabinet(pkg, stage, collected.files, staging, toolkit, progress);
    // The cabinet's digest is read beside the sfx's copy of it (both from the page cache).
    const [cabDigests, exe] = await settledBoth(
      digestFile(cabinet.path),
      assemblePackage(pkg, plan, cabinet.path, staging, stub, toolkit, progress),
    );
    const exeSigned = await signPackage(exe, `${pkg.name}.exe`, signing, progress);
    // Both are final: their bytes go to disk while verify reads them back (publish flushes
    // them again, by then with nothing left to write).
    flushed = Promise.all([flush(cabinet.path), flush(exe.path)]);
    flushed.catch(() => {});
    const exeDigests = await verifyBuilt(
      exe.path,
      loaded,
      files,
      cabDigests,
      staging,
      toolkit,
      progress,
    );
    const record = await recordBuild(
      loaded,
      files,
      { digests: cabDigests, written: cabinet.written },
      { ...exe, digests: exeDigests, signed: exeSigned },
      sde.epoch,
      plan,
    );
    const article = await toolkit.renderArticle?.(record, loaded.manifest);
    await flushed;
    await publishPackage(
      layout,
      { exe, cabinet, record, article },
      {
        staging: { dir: staging, suffix: output.suffix },
        sourceDateEpoch: sde.epoch,
        loaded,
        beforeSwap: () => assertLocked(output.lock),
        progress,
      },
    );
    built = { record, layout, unclaimed: collected.unclaimed };
  } catch (err) {
    throw explainFailure(err, progress.current, layout);
  } finally {
    await Promise.all([flushed?.catch(() => {}), stub?.stamped.catch(() => {})]);
    await output.close();
  }
  if (!opts.updateManifest) return built;
  const sizes = shippedSizes(
    read,
    built.record.files.map((f) => ({ ...f, size: f.after.size })),
  );
  return { ...built, manifestUpdated: (await updateManifestSizes(read, sizes)).changed };
}

/** The stage, the payload's signatures, then the cabinet of the signed files. */
async function stageThenCabinet(
  pkg: PackageInfo,
  stage: Staging,
  signing: SigningPlan | undefined,
  position: FilePosition,
  staging: string,
  toolkit: Toolkit,
  progress: BuildProgress,
) {
  const files = await signPayload(await stage.done, signing, position, progress);
  const cabinet = await writePackageCabinet(pkg, files, staging, toolkit, progress);
  return { files, cabinet };
}

/**
 * Both results once both have settled (neither is left running when the build fails and
 * its staging folder is removed); the first failure, in argument order, is thrown.
 */
async function settledBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === "rejected") throw ra.reason;
  if (rb.status === "rejected") throw rb.reason;
  return [ra.value, rb.value];
}

/** Just before the swap: the lock must still be this build's (nobody took it over). */
async function assertLocked(lock: OutputLock): Promise<void> {
  if (!(await lock.stillHeld())) {
    throw new Error(`the lock ${lock.path} was taken over by another build`);
  }
}
