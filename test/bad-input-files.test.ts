/**
 * Inputs and outputs that are not ordinary files (issue 11), made for real: a FIFO as a
 * cabinet, as a set's next cabinet, as a manifest or a package; a full disk (a 64 KiB
 * tmpfs mounted for the test, which needs root) under `cab create`, `sfx -o`, `report -o`
 * and `diff -o`. Each must end with exit 2 and one line naming the file, never a hang
 * (every run has a timeout) or a stack.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { assertOneLine, cabwright, seedManifest } from "./helpers/cli.js";
import { tempDir } from "./helpers/peers.js";

const TIMEOUT = { timeoutMs: 20_000 };

function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

test("a FIFO named as a cabinet, a manifest, a package or an input is refused at once", async (t) => {
  const dir = await tempDir(t);
  const fifo = join(dir, "pipe.cab");
  mkfifo(fifo);
  const cases = [
    ["cab", "list", fifo],
    ["cab", "test", fifo],
    ["cab", "extract", fifo, "-C", join(dir, "out")],
    ["cab", "list", "--search", fifo],
    ["check", fifo],
    ["sfx", fifo, "-o", join(dir, "p.exe")],
    ["verify", fifo, "--manifest", seedManifest],
    ["inspect", fifo],
    ["locate", fifo],
    ["diff", fifo, seedManifest],
    ["table", fifo],
    ["report", fifo],
    ["stamp", fifo, "--version", "1.2.3.4"],
  ];
  for (const args of cases) {
    const r = await cabwright(args, TIMEOUT);
    assertOneLine(t, r, /pipe\.cab: is (a FIFO, )?not a regular file/, args.join(" "));
  }
});

test("a FIFO in place of a set's next cabinet is refused, not waited on", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "data.bin"), randomBytes(120_000));
  const made = await cabwright(
    [
      "cab",
      "create",
      "--compression",
      "none",
      "--max-size",
      "50K",
      join(dir, "set.cab"),
      "data.bin",
    ],
    { cwd: dir },
  );
  t.is(made.code, 0, made.stderr);
  t.true((await readdir(dir)).includes("set2.cab"));
  await rename(join(dir, "set2.cab"), join(dir, "set2.real"));
  mkfifo(join(dir, "set2.cab"));
  for (const cmd of ["list", "test"]) {
    const r = await cabwright(["cab", cmd, join(dir, "set.cab")], TIMEOUT);
    assertOneLine(t, r, /set2\.cab: is a FIFO, not a regular file/, cmd);
  }
});

/** A 64 KiB tmpfs at `dir`, unmounted at teardown. Needs root (CI runs the tests so). */
async function fullDisk(t: import("ava").ExecutionContext, dir: string): Promise<string> {
  const mnt = join(dir, "full");
  await mkdir(mnt);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]);
  } catch (err) {
    throw new Error(
      `test needs to mount a small tmpfs (run the tests as root, as .ci/run does): ${(err as Error).message}`,
    );
  }
  t.teardown(() => execFileSync("umount", [mnt]));
  return mnt;
}

/** Fill `mnt` to the last byte. */
function fill(mnt: string): void {
  try {
    execFileSync("dd", ["if=/dev/zero", `of=${join(mnt, "filler")}`, "bs=4k"], { stdio: "ignore" });
  } catch {
    // dd ends with "No space left on device": that is the point
  }
}

test("a full disk under cab create, sfx -o, report -o and diff -o: exit 2, one line naming the output", async (t) => {
  const dir = await tempDir(t);
  const mnt = await fullDisk(t, dir);
  await writeFile(join(dir, "big.bin"), randomBytes(300_000));
  const cab = join(dir, "big.cab");
  t.is((await cabwright(["cab", "create", cab, "big.bin"], { cwd: dir })).code, 0);

  const out = (name: string) => join(mnt, name);
  const create = await cabwright(["cab", "create", out("x.cab"), "big.bin"], { cwd: dir });
  assertOneLine(
    t,
    create,
    /cannot write ".*full\/x\.cab": ENOSPC: no space left on device/,
    "cab create",
  );
  const set = await cabwright(
    ["cab", "create", "--compression", "none", "--max-size", "40K", out("s.cab"), "big.bin"],
    { cwd: dir },
  );
  assertOneLine(t, set, /cannot write ".*full\/s\d?\.cab": ENOSPC/, "cab create (a set)");
  const sfx = await cabwright(["sfx", cab, "-o", out("x.exe")]);
  assertOneLine(t, sfx, /full\/x\.exe: cannot write \(ENOSPC: no space left on device\)/, "sfx -o");
  fill(mnt);
  const report = await cabwright(["report", seedManifest, "-o", out("r.html")]);
  assertOneLine(t, report, /full\/r\.html: cannot write \(ENOSPC/, "report -o");
  const diff = await cabwright(["diff", seedManifest, seedManifest, "-o", out("d.txt")]);
  assertOneLine(t, diff, /full\/d\.txt: cannot write \(ENOSPC/, "diff -o");
  t.deepEqual(await readdir(mnt), ["filler"], "no half-written output, no temporary file left");
});
