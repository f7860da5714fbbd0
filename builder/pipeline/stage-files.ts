/**
 * Stage: copy every collected file into the staging folder (the drop is never written),
 * stamp the ones the manifest marks, check the shipped size against the manifest, and
 * give each the manifest's UTC date and time.
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { CollectedFile } from "../collect/collect.js";
import { type FilePosition, fileLabel, sizeProblem } from "../collect/plan.js";
import type { PackageInfo } from "../manifest/types.js";
import { InputError } from "../util/errors.js";
import { digestFile } from "../util/fs.js";
import { fileStampRequest, manifestDate } from "./plan.js";
import type { BuildProgress } from "./progress.js";
import type { Digests } from "./record.js";
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

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export async function stageFiles(
  pkg: PackageInfo,
  files: readonly CollectedFile[],
  stagingDir: string,
  toolkit: Pick<Toolkit, "inspectBytes" | "stampBytes" | "neutralDigest">,
  position: FilePosition,
  progress: BuildProgress,
  /** Files whose manifest size is the signed one, checked by the signing stage. */
  signedLater?: (file: CollectedFile["file"]) => boolean,
): Promise<StagedFile[]> {
  const total = files.reduce((n, f) => n + f.size, 0);
  progress.begin("stage", total, files.length);
  const problems: string[] = [];
  const out: StagedFile[] = [];
  for (const c of files) {
    // One folder per entry: two entries may ship files of the same name.
    const dir = join(stagingDir, "files", String(c.index).padStart(5, "0"));
    await mkdir(dir, { recursive: true });
    const staged = join(dir, basename(c.file.path));
    // A PE is held in memory (to stamp it and take its neutral digest); any other file,
    // which may be gigabytes, is hashed as a stream and copied.
    const original = c.pe.isPe || c.file.stamp ? await readFile(c.path) : undefined;
    const before = original
      ? { size: original.length, sha256: sha256(original) }
      : await digestFile(c.path);
    let shippedBytes: Uint8Array | undefined = original;
    if (c.file.stamp && original) {
      try {
        shippedBytes = await toolkit.stampBytes(original, fileStampRequest(pkg, c.file), c.source);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        // Name the manifest entry; the stamper's message says what is wrong with the file.
        throw new InputError(
          `${fileLabel(position, c.index, c.file, "stamp")}: cannot stamp: ${err.message}`,
        );
      }
      await writeFile(staged, shippedBytes);
    } else await copyFile(c.path, staged);
    const after =
      c.file.stamp && shippedBytes
        ? { size: shippedBytes.length, sha256: sha256(shippedBytes) }
        : before;
    if (c.file.stamp && !signedLater?.(c.file)) {
      const p = sizeProblem(
        fileLabel(position, c.index, c.file, "size"),
        c.file.size,
        after.size,
        "stamped",
      );
      if (p) problems.push(p);
    }
    // The stamped bytes are in memory: read them there, not from the staged copy.
    const shipped =
      c.file.stamp && shippedBytes ? toolkit.inspectBytes(shippedBytes, staged) : c.pe;
    const neutral =
      shipped.isPe && shippedBytes ? toolkit.neutralDigest?.(shippedBytes) : undefined;
    const date = manifestDate(c.file);
    await utimes(staged, date, date);
    out.push({
      ...c,
      staged,
      before,
      after,
      shipped,
      date,
      ...(neutral !== undefined ? { neutralSha256: neutral } : {}),
    });
    progress.advance(c.file.path, c.size);
  }
  progress.end("stage");
  if (problems.length > 0) throw new InputError(problems[0]!, problems.slice(1));
  return out;
}
