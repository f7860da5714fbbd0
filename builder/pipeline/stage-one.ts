/**
 * One file staged, on its own: read the drop's file once, stamp it when asked, write the
 * staged copy with the manifest's date, and take its digests (SHA-256 before and after,
 * the neutral digest) and the stamped file's PE facts from the bytes in memory. A file that
 * is neither a PE nor stamped (it may be gigabytes) is hashed as a stream and copied.
 * Free of the pipeline's state, so that it runs on a stage worker (stage-pool.ts).
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { readPeInfo } from "../pe/inspect.js";
import { neutralDigest } from "../pe/neutral.js";
import { stampPe } from "../stamp/stamp.js";
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

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

export async function stageOne(job: StageJob): Promise<StageDone> {
  await mkdir(dirname(job.staged), { recursive: true });
  const original = job.isPe || job.stamp ? await readFile(job.source) : undefined;
  const before = original
    ? { size: original.length, sha256: sha256(original) }
    : await digestFile(job.source);
  let shippedBytes: Uint8Array | undefined = original;
  let shipped: PeFacts | undefined;
  if (job.stamp && original) {
    try {
      shippedBytes = stampPe(
        original,
        { ...job.stamp, strings: { ...job.stamp.strings } },
        job.label,
      );
    } catch (err) {
      if ((err as Error).name === "InputError") throw new StampRefused((err as Error).message);
      throw err;
    }
    await writeFile(job.staged, shippedBytes);
    shipped = readPeInfo(shippedBytes, job.staged, false);
  } else await copyFile(job.source, job.staged);
  const after =
    job.stamp && shippedBytes
      ? { size: shippedBytes.length, sha256: sha256(shippedBytes) }
      : before;
  const neutral =
    (shipped?.isPe ?? job.isPe) && shippedBytes ? neutralDigest(shippedBytes) : undefined;
  const date = new Date(job.date);
  await utimes(job.staged, date, date);
  return {
    before,
    after,
    ...(shipped ? { shipped } : {}),
    ...(neutral !== undefined ? { neutralSha256: neutral } : {}),
  };
}
