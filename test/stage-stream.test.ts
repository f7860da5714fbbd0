/**
 * The stage stages a PE over IN_MEMORY_STAGE_LIMIT from the files (the stamp streamed from
 * the drop's file to the staged one, digests and facts read in chunks) and a smaller one in
 * memory: both must stage the same bytes and report the same digests, facts and neutral
 * digest. The limit is lowered here so that real DLLs take the streamed path.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { type StageJob, StampRefused, stageOne } from "../builder/pipeline/stage-one.js";
import { tempDir } from "./helpers/peers.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/wine-dlls/", import.meta.url));
const DATE = Date.UTC(2024, 4, 14, 10, 30, 0);

for (const name of ["amsi-x64.dll", "adsldpc-x86.dll"]) {
  for (const stamp of [
    { fileVersion: "6.3.9600.21000", strings: { CompanyName: "Contoso" } },
    undefined,
  ]) {
    test(`${name}${stamp ? " stamped" : " shipped as found"}: streamed and in memory give the same file and facts`, async (t) => {
      const dir = await tempDir(t);
      const job = (where: string, inMemoryLimit: number): StageJob => ({
        source: join(FIXTURES, name),
        staged: join(dir, where, name),
        label: name,
        isPe: true,
        ...(stamp ? { stamp } : {}),
        date: DATE,
        inMemoryLimit,
      });
      const memory = await stageOne(job("memory", Number.MAX_SAFE_INTEGER));
      const streamed = await stageOne(job("streamed", 0));
      t.deepEqual(streamed, memory);
      const [a, b] = [
        await readFile(join(dir, "memory", name)),
        await readFile(join(dir, "streamed", name)),
      ];
      t.true(a.equals(b), "the same staged bytes");
      t.is(memory.after.sha256, createHash("sha256").update(b).digest("hex"));
      t.is(typeof memory.neutralSha256, "string");
      if (stamp) {
        t.is(memory.shipped?.fileVersion, stamp.fileVersion);
        t.not(memory.after.sha256, memory.before.sha256);
      } else t.deepEqual(memory.after, memory.before);
    });
  }
}

test("a file the stamper refuses is refused the same way streamed, and nothing is staged", async (t) => {
  const dir = await tempDir(t);
  const job: StageJob = {
    source: join(FIXTURES, "README.md"),
    staged: join(dir, "out", "README.md"),
    label: "README.md",
    isPe: false,
    stamp: { fileVersion: "1.2.3.4" },
    date: DATE,
    inMemoryLimit: 0,
  };
  const err = await t.throwsAsync(stageOne(job), { instanceOf: StampRefused });
  t.regex(err!.message, /README\.md: not a PE file/);
  await t.throwsAsync(readFile(job.staged), { code: "ENOENT" });
});
