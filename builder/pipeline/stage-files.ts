/**
 * Stage: copy every collected file into the staging folder (the drop is never written),
 * stamp the ones the manifest marks, check the shipped size against the manifest, and
 * give each the manifest's UTC date and time.
 */
import { basename, join } from "node:path";
import type { CollectedFile } from "../collect/collect.js";
import { type FilePosition, fileLabel, sizeProblem } from "../collect/plan.js";
import type { PackageInfo } from "../manifest/types.js";
import { InputError } from "../util/errors.js";
import { fileStampRequest, manifestDate } from "./plan.js";
import type { BuildProgress } from "./progress.js";
import type { Digests } from "./record.js";
import { StampRefused } from "./stage-one.js";
import { StageCancelled } from "./stage-pool.js";
import type { PeFacts, Toolkit } from "./toolkit.js";

export interface StagedFile extends CollectedFile {
  /** The shipped file, in the staging folder. */
  readonly staged: string;
  readonly before: Digests;
  readonly after: Digests;
  readonly shipped: PeFacts;
  readonly neutralSha256?: string;
  readonly date: Date;
}

/**
 * The stage under way: each file's staging in manifest order (the cabinet reads each as
 * it is ready), and the whole stage. `done` is the stage's outcome: its first failure in
 * manifest order, or every file staged with its size checked.
 */
export interface Staging {
  readonly files: readonly Promise<StagedFile>[];
  readonly done: Promise<StagedFile[]>;
}

export async function stageFiles(...args: Parameters<typeof startStaging>): Promise<StagedFile[]> {
  return startStaging(...args).done;
}

/** Start staging every file (stageFiles, without waiting for it). */
export function startStaging(
  pkg: PackageInfo,
  files: readonly CollectedFile[],
  stagingDir: string,
  toolkit: Pick<Toolkit, "stager">,
  position: FilePosition,
  progress: BuildProgress,
  /** Files whose manifest size is the signed one, checked by the signing stage. */
  signedLater?: (file: CollectedFile["file"]) => boolean,
): Staging {
  const total = files.reduce((n, f) => n + f.size, 0);
  progress.begin("stage", total, files.length);
  const stager = toolkit.stager();
  // Every file is queued at once, in manifest order (no await before stage()); the
  // stager runs as many as its threads and its memory bound allow. The first failure
  // cancels what has not started.
  const one = async (c: CollectedFile): Promise<StagedFile> => {
    // One folder per entry: two entries may ship files of the same name.
    const dir = join(stagingDir, "files", String(c.index).padStart(5, "0"));
    const staged = join(dir, basename(c.file.path));
    const date = manifestDate(c.file);
    const job = {
      source: c.path,
      staged,
      label: c.source,
      isPe: c.pe.isPe,
      ...(c.file.stamp ? { stamp: fileStampRequest(pkg, c.file) } : {}),
      date: date.getTime(),
    };
    const done = await stager.stage(job, c.size).catch((err) => {
      stager.cancelQueued();
      if (!(err instanceof StampRefused)) throw err;
      // Name the manifest entry; the stamper's message says what is wrong with the file.
      throw new InputError(
        `${fileLabel(position, c.index, c.file, "stamp")}: cannot stamp: ${err.message}`,
      );
    });
    progress.advance(c.file.path, c.size);
    return {
      ...c,
      staged,
      before: done.before,
      after: done.after,
      shipped: done.shipped ?? c.pe,
      date,
      ...(done.neutralSha256 !== undefined ? { neutralSha256: done.neutralSha256 } : {}),
    };
  };
  const each = files.map(one);
  const done = (async () => {
    let settled: PromiseSettledResult<StagedFile>[];
    try {
      settled = await Promise.allSettled(each);
    } finally {
      await stager.close();
    }
    // The first failure in manifest order: every file before it was staged (jobs start in
    // order), so it is the one a file-by-file stage would have met first.
    const failure = settled.find(
      (r): r is PromiseRejectedResult =>
        r.status === "rejected" && !(r.reason instanceof StageCancelled),
    );
    if (failure) throw failure.reason;
    const out = settled.map((r) => (r as PromiseFulfilledResult<StagedFile>).value);
    progress.end("stage");
    const problems: string[] = [];
    for (const f of out) {
      if (!f.file.stamp || signedLater?.(f.file)) continue;
      const p = sizeProblem(
        fileLabel(position, f.index, f.file, "size"),
        f.file.size,
        f.after.size,
        "stamped",
      );
      if (p) problems.push(p);
    }
    if (problems.length > 0) throw new InputError(problems[0]!, problems.slice(1));
    return out;
  })();
  return { files: each, done };
}
