/**
 * Two drops that differ in known ways, seen as manifest, build record and package (a .cab
 * written by gcab, and the same cabinet behind the sfx stub as an .exe): diff
 * reports exactly those differences in every pairing, and nothing between two views of
 * the same drop.
 */
import { readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { assembleSfx, diffSides, loadSide, stampPe } from "cabwright";
import { stubPath } from "../builder/sfx/stub.js";
import {
  DATE,
  DROP_A,
  DROP_B,
  type DropFile,
  type DropSides,
  expectedDiff,
  hasContent,
  observedDiff,
  PACKAGE_VERSION,
  SIDE_FORMS,
  type SideForm,
  TIME,
  writeDrop,
  writeRecord,
} from "./helpers/diff-drops.js";
import { requirePeer, run, tempDir } from "./helpers/peers.js";

/** DropSides files as a real cabinet, written by gcab (MSZIP), dates as the manifest's UTC. */
async function gcabPackage(dir: string, files: readonly DropFile[]): Promise<string> {
  const gcab = requirePeer("gcab");
  const when = new Date(`${DATE}T${TIME}:00Z`);
  for (const f of files) await utimes(join(dir, f.name), when, when);
  const cab = join(dir, "drop.cab");
  const r = await run(gcab, ["-c", "-z", "-n", cab, ...files.map((f) => join(dir, f.name))], {
    env: { ...process.env, TZ: "UTC" },
  });
  if (r.code !== 0) throw new Error(`gcab failed: ${r.stderr}`);
  return cab;
}

/** The cabinet behind the sfx stage's x86 stub, stamped with the package version. */
async function sfxPackage(dir: string, cab: string): Promise<string> {
  const stub = join(dir, "stub.exe");
  await writeFile(stub, stampPe(await readFile(stubPath("x86")), { fileVersion: PACKAGE_VERSION }));
  const exe = join(dir, "drop.exe");
  await assembleSfx({ platform: "x86", cabinetPath: cab, outPath: exe, stubPath: stub });
  return exe;
}

async function makeDrop(dir: string, files: readonly DropFile[]): Promise<DropSides> {
  const manifest = await writeDrop(dir, files);
  const record = await writeRecord(dir, files);
  const cab = await gcabPackage(dir, files);
  const sizes = new Map<string, number>();
  for (const f of files) sizes.set(f.name, (await readFile(join(dir, f.name))).length);
  return {
    sides: {
      manifest: await loadSide(manifest),
      "build-record": await loadSide(record),
      cab: await loadSide(cab),
      exe: await loadSide(await sfxPackage(dir, cab)),
    },
    sizes,
  };
}

function expected(ka: SideForm, kb: SideForm, a: DropSides, b: DropSides) {
  return expectedDiff({
    content: hasContent(ka) && hasContent(kb),
    sizeChanged: (name) => a.sizes.get(name) !== b.sizes.get(name),
  });
}

let drops: Promise<[DropSides, DropSides]> | undefined;
function bothDrops(t: { teardown(fn: () => unknown): void }): Promise<[DropSides, DropSides]> {
  drops ??= tempDir(t, "cabwright-diff-drops-").then(async (dir) => [
    await makeDrop(join(dir, "a"), DROP_A),
    await makeDrop(join(dir, "b"), DROP_B),
  ]);
  return drops;
}

for (const ka of SIDE_FORMS) {
  for (const kb of SIDE_FORMS) {
    test.serial(`drop A as ${ka} vs drop B as ${kb}: exactly the known differences`, async (t) => {
      const [a, b] = await bothDrops(t);
      const r = diffSides(a.sides[ka], b.sides[kb]);
      t.deepEqual(observedDiff(r), expected(ka, kb, a, b));
      // Six files are in both drops; those not changed are unchanged.
      t.is(r.unchanged, 6 - Object.keys(expected(ka, kb, a, b).changed).length);
    });
  }
}

for (const ka of SIDE_FORMS) {
  for (const kb of SIDE_FORMS) {
    if (ka >= kb) continue;
    test.serial(`drop A as ${ka} vs the same drop as ${kb}: nothing differs`, async (t) => {
      const [a] = await bothDrops(t);
      const r = diffSides(a.sides[ka], a.sides[kb]);
      t.deepEqual(observedDiff(r), { added: [], removed: [], changed: {}, findings: [] });
    });
  }
}

test.serial("an .exe package's own version resource is the package version", async (t) => {
  const [a] = await bothDrops(t);
  t.is(a.sides.exe.packageVersion, PACKAGE_VERSION);
  t.is(a.sides.cab.packageVersion, undefined, "a bare cabinet has none");
});
