/**
 * Property: any file set (names, sizes around the block edges, contents of every kind),
 * with any options (compression, folder size, a cabinet set, threads), round-trips
 * through cabextract to the same names and bytes. Seeded, so a failure reproduces.
 */
import { join } from "node:path";
import { writeCabinet } from "@cabwright/cab";
import test from "ava";
import fc from "fast-check";
import {
  type ContentKind,
  content,
  expectedDigests,
  type FixtureFile,
  memoryInputs,
} from "../../../test/helpers/cab-fixtures.js";
import { extractWith, sameTree, testWith } from "../../../test/helpers/cab-peers.js";
import { tempDir } from "../../../test/helpers/peers.js";

const SEED = 0x0cab;

const size = fc.oneof(
  fc.constantFrom(0, 1, 32767, 32768, 32769, 65536, 98305),
  fc.integer({ min: 0, max: 120_000 }),
);
const kind = fc.constantFrom<ContentKind>("random", "text", "zeros", "mixed");
const segment = fc.stringMatching(/^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,10}[A-Za-z0-9_-])?$/);
const name = fc
  .tuple(fc.array(segment, { minLength: 0, maxLength: 2 }), segment, fc.boolean())
  .map(([dirs, base, accent]) => [...dirs, accent ? `é${base}` : base].join("/"));

const fileSet = fc.uniqueArray(fc.record({ name, size, kind, seed: fc.nat() }), {
  minLength: 1,
  maxLength: 10,
  // Unique ignoring case, and no name may also be a folder of another.
  selector: (f) => f.name.toLowerCase().split("/")[0]!,
});

const options = fc.record({
  compression: fc.constantFrom("none" as const, "mszip" as const),
  maxFolderSize: fc.option(fc.integer({ min: 10_000, max: 200_000 }), { nil: undefined }),
  maxCabinetSize: fc.option(fc.integer({ min: 40_000, max: 400_000 }), { nil: undefined }),
  threads: fc.constantFrom(1, 2),
});

test("random file sets round-trip through cabextract", async (t) => {
  const dir = await tempDir(t);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fileSet, options, async (specs, opts) => {
      const work = join(dir, `run-${run++}`);
      const fixture: FixtureFile[] = specs.map((s) => ({
        name: s.name,
        data: content(s.size, s.kind, s.seed),
      }));
      const result = await writeCabinet(join(work, "p.cab"), memoryInputs(fixture), opts);
      if (opts.maxCabinetSize !== undefined) {
        for (const c of result.cabinets) t.true(c.size <= opts.maxCabinetSize);
      }
      const first = result.cabinets[0]!.path;
      await testWith(t, "cabextract", first);
      sameTree(
        t,
        "cabextract",
        await extractWith(t, "cabextract", first, work),
        expectedDigests(fixture),
      );
    }),
    { seed: SEED, numRuns: 40, endOnFailure: true },
  );
});
