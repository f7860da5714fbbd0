/**
 * The stage on worker threads (issue 18): a file staged on a worker has the digests and PE
 * facts of the bytes it wrote; the stamper's refusal and a system error come back as such;
 * jobs not started are cancelled; and whatever order the answers come in, the failure
 * reported is the first in manifest order (a file-by-file stage's).
 */
import { createHash } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { InputError, inspectPe, minimalPe } from "cabwright";
import type { CollectedFile } from "../builder/collect/collect.js";
import type { ManifestFile, PackageInfo } from "../builder/manifest/types.js";
import { silentProgress } from "../builder/pipeline/progress.js";
import { stageFiles } from "../builder/pipeline/stage-files.js";
import { StampRefused } from "../builder/pipeline/stage-one.js";
import { StageCancelled, type Stager, workerStager } from "../builder/pipeline/stage-pool.js";
import { tempDir } from "./helpers/peers.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const request = { fileVersion: "1.2.3.4", productVersion: "2.0.0.0", strings: {} };
const date = Date.UTC(2010, 5, 29, 18, 8);

test("a file staged on a worker: stamped, written with its date, digests of the bytes written", async (t) => {
  const dir = await tempDir(t);
  const source = join(dir, "app.dll");
  const original = minimalPe({ arch: "x64", dll: true, timestamp: 0 });
  await writeFile(source, original);
  const staged = join(dir, "staged", "00000", "app.dll");
  const stager = workerStager(1);
  try {
    const done = await stager.stage(
      { source, staged, label: "app.dll", isPe: true, stamp: request, date },
      original.length,
    );
    const written = await readFile(staged);
    t.deepEqual(done.before, { size: original.length, sha256: sha256(original) });
    t.deepEqual(done.after, { size: written.length, sha256: sha256(written) });
    t.is(done.shipped?.fileVersion, "1.2.3.4");
    t.is(inspectPe(written).fileVersion, "1.2.3.4", "our reader agrees on the file written");
    t.regex(done.neutralSha256 ?? "", /^[0-9a-f]{64}$/);
  } finally {
    await stager.close();
  }
});

test("a file staged on a worker, stamped or copied, has the manifest's date", async (t) => {
  const dir = await tempDir(t);
  const pe = join(dir, "app.dll");
  const text = join(dir, "notes.txt");
  await writeFile(pe, minimalPe({ arch: "x64", dll: true, timestamp: 0 }));
  await writeFile(text, "notes");
  const stager = workerStager(1);
  try {
    for (const [source, stamp] of [
      [pe, request],
      [text, undefined],
    ] as const) {
      const staged = join(dir, "staged", `${source === pe ? "pe" : "text"}`, "f");
      await stager.stage(
        {
          source,
          staged,
          label: source,
          isPe: stamp !== undefined,
          ...(stamp ? { stamp } : {}),
          date,
        },
        8,
      );
      t.is((await stat(staged)).mtimeMs, date, source);
    }
  } finally {
    await stager.close();
  }
});

test("the stamper's refusal and a system error come back as such", async (t) => {
  const dir = await tempDir(t);
  const text = join(dir, "notes.txt");
  await writeFile(text, "not a PE");
  const stager = workerStager(2);
  try {
    const refused = await t.throwsAsync(
      stager.stage(
        {
          source: text,
          staged: join(dir, "s", "notes.txt"),
          label: "notes.txt",
          isPe: false,
          stamp: request,
          date,
        },
        8,
      ),
    );
    t.true(refused instanceof StampRefused, String(refused));
    t.regex(refused!.message, /notes\.txt/);
    const missing = await t.throwsAsync(
      stager.stage(
        {
          source: join(dir, "gone.bin"),
          staged: join(dir, "s", "gone.bin"),
          label: "gone.bin",
          isPe: false,
          date,
        },
        1,
      ),
    );
    t.is((missing as NodeJS.ErrnoException).code, "ENOENT");
    // With its system call: build words such an error as the user's (one line, exit 2).
    t.is((missing as NodeJS.ErrnoException).syscall, "open");
  } finally {
    await stager.close();
  }
});

test("jobs not yet started are cancelled; the one running finishes", async (t) => {
  const dir = await tempDir(t);
  const source = join(dir, "data.bin");
  await writeFile(source, new Uint8Array(1000));
  const stager = workerStager(1);
  try {
    const jobs = [0, 1, 2].map((i) =>
      stager.stage(
        { source, staged: join(dir, String(i), "data.bin"), label: "data.bin", isPe: false, date },
        1000,
      ),
    );
    stager.cancelQueued();
    const settled = await Promise.allSettled(jobs);
    t.is(settled[0]!.status, "fulfilled");
    for (const r of settled.slice(1)) {
      t.true(r.status === "rejected" && r.reason instanceof StageCancelled);
    }
  } finally {
    await stager.close();
  }
});

test("the failure reported is the first in manifest order, whatever order the answers come in", async (t) => {
  const file = (name: string): ManifestFile => ({
    name,
    path: name,
    source: name,
    version: "1.0.0.0",
    date: "2010-06-29",
    time: "18:08",
    platform: "x64",
    stamp: true,
  });
  const collected: CollectedFile[] = ["first.dll", "second.dll", "third.dll"].map((n, index) => ({
    index,
    file: file(n),
    source: n,
    path: `/drop/${n}`,
    size: 10,
    pe: { size: 10, isPe: true, signed: false },
  }));
  let cancelled = 0;
  // The second file's refusal arrives first, the first file's later; the third never runs.
  const stager: Stager = {
    stage: (job) =>
      job.label === "third.dll"
        ? new Promise((_, reject) => setImmediate(() => reject(new StageCancelled())))
        : new Promise((_, reject) =>
            setTimeout(
              () => reject(new StampRefused(`${job.label}: refused`)),
              job.label === "first.dll" ? 50 : 0,
            ),
          ),
    cancelQueued: () => {
      cancelled++;
    },
    close: async () => {},
  };
  const pkg = { version: "2.0.0.0", company: "C", copyright: "(c) C", product: "P" } as PackageInfo;
  const err = await t.throwsAsync(
    stageFiles(
      pkg,
      collected,
      "/nowhere",
      { stager: () => stager },
      (i, f) => `m.yaml:${i + 10}:3 ${f}`,
      silentProgress,
    ),
    { instanceOf: InputError },
  );
  t.regex(
    err!.message,
    /^m\.yaml:10:3 stamp files\[0\] \(first\.dll\): cannot stamp: first\.dll: refused$/,
  );
  t.true(cancelled >= 1, "the first failure cancels what has not started");
});
