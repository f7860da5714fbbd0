/**
 * Two real packages built by `cabwright build` from drops that differ in known ways (a
 * version bump, a rebuild without a bump, a restamp, a removed and an added file, a size
 * change, a backwards version): diff reports exactly those in every pairing of the
 * manifest, the build record, the .cab and the .exe.
 */
import { join } from "node:path";
import test from "ava";
import { diffFiles, diffSides, loadSide } from "cabwright";
import { build } from "../builder/pipeline/build.js";
import { demoBuild, removeDemoBuild, seedManifest } from "./helpers/demo-build.js";
import {
  DROP_A,
  DROP_B,
  type DropFile,
  type DropSides,
  expectedDiff,
  hasContent,
  observedDiff,
  SIDE_FORMS,
  writeDrop,
} from "./helpers/diff-drops.js";
import { tempDir } from "./helpers/peers.js";

async function buildDrop(dir: string, files: readonly DropFile[]): Promise<DropSides> {
  const manifest = await writeDrop(dir, files, { sizes: false });
  const result = await build({
    manifest,
    drop: dir,
    out: join(dir, "out"),
    sourceDateEpoch: "1277834880",
  });
  const base = join(dir, "out", "drop", "drop");
  return {
    sides: {
      manifest: await loadSide(manifest),
      "build-record": await loadSide(`${base}.build.json`),
      cab: await loadSide(`${base}.cab`),
      exe: await loadSide(`${base}.exe`),
    },
    sizes: new Map(result.record.files.map((f) => [f.name, f.size])),
  };
}

let built: Promise<[DropSides, DropSides]> | undefined;
function both(t: { teardown(fn: () => unknown): void }): Promise<[DropSides, DropSides]> {
  built ??= tempDir(t, "cabwright-diff-build-").then(async (dir) => [
    await buildDrop(join(dir, "a"), DROP_A),
    await buildDrop(join(dir, "b"), DROP_B),
  ]);
  return built;
}

for (const ka of SIDE_FORMS) {
  for (const kb of SIDE_FORMS) {
    test.serial(
      `built A as ${ka} vs built B as ${kb}: exactly the known differences`,
      async (t) => {
        const [a, b] = await both(t);
        const r = diffSides(a.sides[ka], b.sides[kb]);
        t.deepEqual(
          observedDiff(r),
          expectedDiff({
            content: hasContent(ka) && hasContent(kb),
            // The manifests declare no sizes here; the other sides know the shipped ones.
            sizeChanged: (name) =>
              ka !== "manifest" && kb !== "manifest" && a.sizes.get(name) !== b.sizes.get(name),
          }),
        );
      },
    );
  }
}

for (const [i, ka] of SIDE_FORMS.entries()) {
  for (const kb of SIDE_FORMS.slice(i + 1)) {
    test.serial(`built A as ${ka} vs the same build as ${kb}: nothing differs`, async (t) => {
      const [a] = await both(t);
      const r = diffSides(a.sides[ka], a.sides[kb]);
      t.deepEqual(observedDiff(r), { added: [], removed: [], changed: {}, findings: [] });
    });
  }
}

test.after.always(removeDemoBuild);

test.serial(
  "the seed rollup's demo package matches its manifest and its build record: 64 files, nothing differs",
  async (t) => {
    const { out } = await demoBuild();
    const base = join(out, "fse-sp2-hr2", "fse-sp2-hr2");
    for (const [a, b] of [
      [seedManifest, `${base}.exe`],
      [`${base}.build.json`, `${base}.exe`],
      [`${base}.cab`, `${base}.exe`],
      [seedManifest, `${base}.build.json`],
    ] as const) {
      const r = await diffFiles(a, b);
      t.is(r.unchanged, 64, `${a} vs ${b}`);
      t.deepEqual([r.added, r.removed, r.changed, r.findings], [[], [], [], []]);
    }
  },
);
