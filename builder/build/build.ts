/**
 * `cabwright build`: manifest + build drop -> out/NAME/ (NAME.exe, NAME.cab,
 * NAME.build.json, NAME.html). The stages in order; each lives in its own module.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { collect, filePosition } from "../collect/collect.js";
import { loadManifest } from "../manifest/load.js";
import { CheckFailed, InputError } from "../util/errors.js";
import { formatMismatch } from "../verify/compare.js";
import { verifyPackage } from "../verify/verify.js";
import { makeRecord, recordJson } from "./make-record.js";
import { assemblePackage, writePackageCabinet } from "./package.js";
import { type OutputLayout, outputLayout, outputTime, parseSourceDateEpoch } from "./plan.js";
import { type BuildProgress, silentProgress } from "./progress.js";
import { publish } from "./publish.js";
import type { BuildRecord } from "./record.js";
import { sha256, stageFiles } from "./stage-files.js";
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
}

export interface BuildResult {
  readonly record: BuildRecord;
  readonly layout: OutputLayout;
  /** Drop files no entry claims. */
  readonly unclaimed: readonly string[];
}

export async function build(opts: BuildOptions): Promise<BuildResult> {
  const progress = opts.progress ?? silentProgress;
  const toolkit = opts.toolkit ?? (await import("./toolkit-default.js")).defaultToolkit();
  const sde = parseSourceDateEpoch(opts.sourceDateEpoch ?? process.env.SOURCE_DATE_EPOCH);
  if (sde.problem) throw new InputError(sde.problem);

  progress.begin("validate", 0, 1);
  const loaded = await loadManifest(opts.manifest);
  const { manifest } = loaded;
  const pkg = manifest.package;
  progress.end("validate");

  const staging = await mkdtemp(join(tmpdir(), "cabwright-build-"));
  try {
    const collected = await collect(loaded, opts.drop, toolkit, progress);
    const files = await stageFiles(
      pkg,
      collected.files,
      staging,
      toolkit,
      filePosition(loaded),
      progress,
    );
    const cabinet = await writePackageCabinet(pkg, files, staging, toolkit, progress);
    const exe = await assemblePackage(pkg, cabinet.path, staging, toolkit, progress);

    progress.begin(
      "verify",
      files.reduce((n, f) => n + f.after.size, 0),
      files.length,
    );
    const report = await verifyPackage(exe.path, loaded, toolkit, (f, n) => progress.advance(f, n));
    progress.end("verify");
    if (!report.ok) {
      const shown = report.mismatches.slice(0, 5).map(formatMismatch).join("; ");
      throw new CheckFailed(
        `${pkg.name}.exe does not verify (${report.mismatches.length} mismatch(es): ${shown}); nothing was published`,
      );
    }

    const cabBytes = await readFile(cabinet.path);
    const exeBytes = await readFile(exe.path);
    const record = makeRecord({
      loaded,
      files,
      compressor: cabinet.written.compressor,
      compression: "mszip",
      cabinet: { size: cabBytes.length, sha256: sha256(cabBytes) },
      executable: { size: exeBytes.length, sha256: sha256(exeBytes) },
      stubSha256: sha256(await readFile(exe.stub)),
      sourceDateEpoch: sde.epoch,
    });
    const article = await toolkit.renderArticle?.(record, manifest);

    progress.begin("publish", cabBytes.length + exeBytes.length, article === undefined ? 3 : 4);
    const layout = outputLayout(opts.out ?? "out", pkg.name);
    await publish(
      layout,
      [
        { target: layout.exe, from: exe.path },
        { target: layout.cab, from: cabinet.path },
        { target: layout.record, from: new TextEncoder().encode(recordJson(record)) },
        ...(article !== undefined
          ? [{ target: layout.article, from: new TextEncoder().encode(article) }]
          : []),
      ],
      outputTime(manifest, sde.epoch),
      (target, bytes) => progress.advance(basename(target), bytes),
    );
    progress.end("publish");
    return { record, layout, unclaimed: collected.unclaimed };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
