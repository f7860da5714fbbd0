/**
 * Publish a verified package into out/NAME/: each file is written to a temporary name in
 * the same folder and renamed into place, so a reader (or a failed build) never sees a
 * half-written file; everything is prepared before the first rename.
 */
import { copyFile, mkdir, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import type { LoadedManifest } from "../manifest/load.js";
import { tempPathFor } from "../util/fs.js";
import { recordJson } from "./make-record.js";
import { type OutputLayout, outputTime } from "./plan.js";
import type { BuildProgress } from "./progress.js";
import type { BuildRecord } from "./record.js";

export interface PublishItem {
  readonly target: string;
  /** A staged file to copy, or the bytes to write. */
  readonly from: string | Uint8Array;
}

export async function publish(
  layout: OutputLayout,
  items: readonly PublishItem[],
  mtime: Date,
  onFile?: (target: string, bytes: number) => void,
): Promise<void> {
  await mkdir(layout.dir, { recursive: true });
  const temps: { tmp: string; target: string }[] = [];
  try {
    for (const item of items) {
      const tmp = tempPathFor(item.target);
      temps.push({ tmp, target: item.target });
      if (typeof item.from === "string") await copyFile(item.from, tmp);
      else await writeFile(tmp, item.from);
      await utimes(tmp, mtime, mtime);
      onFile?.(item.target, (await stat(tmp)).size);
    }
    for (const { tmp, target } of temps) await rename(tmp, target);
  } catch (err) {
    await Promise.all(temps.map(({ tmp }) => rm(tmp, { force: true })));
    throw err;
  }
}

/** The verified package's files, in the order they are renamed into place. */
export async function publishPackage(
  layout: OutputLayout,
  built: {
    readonly exe: { readonly path: string };
    readonly cabinet: { readonly path: string };
    readonly record: BuildRecord;
    readonly article: string | undefined;
  },
  sourceDateEpoch: number | undefined,
  loaded: LoadedManifest,
  progress: BuildProgress,
): Promise<void> {
  const text = (s: string) => new TextEncoder().encode(s);
  const items: PublishItem[] = [
    { target: layout.exe, from: built.exe.path },
    { target: layout.cab, from: built.cabinet.path },
    { target: layout.record, from: text(recordJson(built.record)) },
    ...(built.article !== undefined ? [{ target: layout.article, from: text(built.article) }] : []),
  ];
  progress.begin("publish", built.record.executable.size + built.record.cabinet.size, items.length);
  await publish(layout, items, outputTime(loaded.manifest, sourceDateEpoch), (target, bytes) =>
    progress.advance(basename(target), bytes),
  );
  progress.end("publish");
}
