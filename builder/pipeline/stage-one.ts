/**
 * One file staged, on its own: stamp it when asked, write the staged copy with the manifest's
 * date, and take its digests (SHA-256 before and after, the neutral digest) and the stamped
 * file's PE facts. A PE up to IN_MEMORY_STAGE_LIMIT is read once and all of this is done on
 * the bytes in memory; a larger one is read where it lies (the stamp streams from the drop's
 * file to the staged one, the digests and facts are read from the files in chunks), so a
 * stage holds a few megabytes whatever the file's size. A file that is neither a PE nor
 * stamped (it may be gigabytes) is hashed as a stream and copied. Free of the pipeline's
 * state, so that it runs on a stage worker (stage-pool.ts).
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { chunksOf, type PeSource } from "../pe/headers.js";
import { readPeInfo } from "../pe/inspect.js";
import { neutralDigest } from "../pe/neutral.js";
import { withFileSource } from "../pe/source.js";
import { stampPe, stampToFile } from "../stamp/stamp.js";
import { digestFile } from "../util/fs.js";
import type { Digests } from "./record.js";
import type { PeFacts, StampRequest } from "./toolkit.js";

export interface StageJob {
  /** The drop's file. */
  readonly source: string;
  /** The staged copy to write (its folder is made). */
  readonly staged: string;
  /** Names the source in the stamper's messages. */
  readonly label: string;
  /** Collect found a PE: the file is held in memory and its neutral digest taken. */
  readonly isPe: boolean;
  /** Stamp with these values; absent: shipped as found. */
  readonly stamp?: StampRequest;
  /** The staged file's modification time (ms since 1970, UTC). */
  readonly date: number;
  /** Default IN_MEMORY_STAGE_LIMIT (tests lower it to take the streamed path). */
  readonly inMemoryLimit?: number;
}

export interface StageDone {
  readonly before: Digests;
  readonly after: Digests;
  /** The stamped file's PE facts; absent when not stamped (collect's stand). */
  readonly shipped?: PeFacts;
  readonly neutralSha256?: string;
}

/** The stamper refused the file (an InputError): its message, for the stage to place. */
export class StampRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StampRefused";
  }
}

/** A PE larger than this (16 MiB) is staged from the files, not in memory. */
export const IN_MEMORY_STAGE_LIMIT = 16 * 1048576;

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function sha256Of(src: PeSource): string {
  const hash = createHash("sha256");
  for (const [piece] of chunksOf(src, 0, src.size)) hash.update(piece);
  return hash.digest("hex");
}

function refused(err: unknown): unknown {
  return (err as Error).name === "InputError" ? new StampRefused((err as Error).message) : err;
}

export async function stageOne(job: StageJob): Promise<StageDone> {
  await mkdir(dirname(job.staged), { recursive: true });
  const inMemory =
    (job.isPe || job.stamp !== undefined) &&
    (await stat(job.source)).size <= (job.inMemoryLimit ?? IN_MEMORY_STAGE_LIMIT);
  const done = inMemory
    ? await stageInMemory(job)
    : job.isPe || job.stamp
      ? await stageFromFile(job)
      : await copyOnly(job);
  const date = new Date(job.date);
  await utimes(job.staged, date, date);
  return done;
}

/** A file no one reads inside: hashed as a stream and copied. */
async function copyOnly(job: StageJob): Promise<StageDone> {
  const before = await digestFile(job.source);
  await copyFile(job.source, job.staged);
  return { before, after: before };
}

/** Read once; stamp, digests and facts on the bytes in memory. */
async function stageInMemory(job: StageJob): Promise<StageDone> {
  const original = await readFile(job.source);
  const before = { size: original.length, sha256: sha256(original) };
  let shippedBytes: Uint8Array = original;
  let shipped: PeFacts | undefined;
  if (job.stamp) {
    try {
      shippedBytes = stampPe(
        original,
        { ...job.stamp, strings: { ...job.stamp.strings } },
        job.label,
      );
    } catch (err) {
      throw refused(err);
    }
    await writeFile(job.staged, shippedBytes);
    shipped = readPeInfo(shippedBytes, job.staged, false);
  } else await copyFile(job.source, job.staged);
  const after = job.stamp ? { size: shippedBytes.length, sha256: sha256(shippedBytes) } : before;
  const neutral = (shipped?.isPe ?? job.isPe) ? neutralDigest(shippedBytes) : undefined;
  return stageDone(before, after, shipped, neutral);
}

/** A large PE: stamped from file to file, digests and facts read from the files in chunks. */
async function stageFromFile(job: StageJob): Promise<StageDone> {
  const before = await withFileSource(job.source, async (src) => {
    const digest = { size: src.size, sha256: sha256Of(src) };
    if (job.stamp) {
      try {
        await stampToFile(
          src,
          { ...job.stamp, strings: { ...job.stamp.strings } },
          job.staged,
          job.label,
        );
      } catch (err) {
        throw refused(err);
      }
    }
    return digest;
  });
  if (!job.stamp) await copyFile(job.source, job.staged);
  return withFileSource(job.staged, (out) => {
    const shipped = job.stamp ? readPeInfo(out, job.staged, false) : undefined;
    const after = job.stamp ? { size: out.size, sha256: sha256Of(out) } : before;
    const neutral = (shipped?.isPe ?? job.isPe) ? neutralDigest(out) : undefined;
    return stageDone(before, after, shipped, neutral);
  });
}

/** The result, absent facts left out (in memory or from the files alike). */
function stageDone(
  before: StageDone["before"],
  after: StageDone["after"],
  shipped: StageDone["shipped"],
  neutral: string | undefined,
): StageDone {
  return {
    before,
    after,
    ...(shipped ? { shipped } : {}),
    ...(neutral !== undefined ? { neutralSha256: neutral } : {}),
  };
}
