/**
 * A demo drop and its built package, made once per test process (they take seconds):
 * tests that only read them share them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildResult, build, defaultToolkit, loadManifest, makeDemoDrop } from "cabwright";

export const repo = fileURLToPath(new URL("../../../", import.meta.url));
export const seedManifest = join(repo, "manifest", "fse-sp2-hr2.yaml");

export interface DemoBuild {
  readonly root: string;
  readonly drop: string;
  readonly out: string;
  readonly result: BuildResult;
}

let shared: Promise<DemoBuild> | undefined;

/** The seed manifest's demo drop, built into a temporary out/ (removeDemoBuild() deletes it). */
export function demoBuild(): Promise<DemoBuild> {
  shared ??= (async () => {
    const root = await mkdtemp(join(tmpdir(), "cabwright-demo-build-"));
    const drop = join(root, "drop");
    const out = join(root, "out");
    const toolkit = defaultToolkit();
    const { manifest } = await loadManifest(seedManifest);
    await makeDemoDrop(manifest, drop, toolkit);
    const result = await build({ manifest: seedManifest, drop, out, toolkit });
    return { root, drop, out, result };
  })();
  return shared;
}

/** For test.after.always: remove the shared build's folder. */
export async function removeDemoBuild(): Promise<void> {
  if (!shared) return;
  const { root } = await shared.catch(() => ({ root: undefined }));
  if (root) await rm(root, { recursive: true, force: true });
}
