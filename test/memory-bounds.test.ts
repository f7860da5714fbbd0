/**
 * What keeps a build's memory from growing with its drop (issue 18): the build runs with
 * glibc's mmap threshold fixed (builder/cli/allocator.ts: the CLI runs itself once more
 * with it), and a thread that reads files whole frees its garbage once past a bound
 * (builder/util/memory.ts, used between a stage worker's jobs). No memory figure is
 * asserted here (the bench prints them): these tests show the mechanisms do what they say.
 */
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import {
  ALLOCATOR_ENV,
  type AllocatorFacts,
  isGlibc,
  KEEP_ALLOCATOR_VAR,
  needsAllocatorRestart,
  restartEnv,
} from "../builder/cli/allocator.js";
import { collectGarbage, fullCollection } from "../builder/util/memory.js";
import { assertOneLine, cliPath } from "./helpers/cli.js";
import { tempDir } from "./helpers/peers.js";

const linux = (env: NodeJS.ProcessEnv = {}, glibc = true): AllocatorFacts => ({
  platform: "linux",
  env,
  glibc: () => glibc,
});

test("a build, a demo and a verify restart with the allocator set; other commands do not", (t) => {
  for (const c of ["build", "demo", "verify"]) t.true(needsAllocatorRestart(c, linux()), c);
  for (const c of ["check", "table", "cab", "diff", "inspect", undefined]) {
    t.false(needsAllocatorRestart(c, linux()), String(c));
  }
});

test("no restart off glibc, or when the allocator is set already (by the restart or the user)", (t) => {
  t.false(needsAllocatorRestart("build", { ...linux(), platform: "darwin" }));
  t.false(needsAllocatorRestart("build", { ...linux(), platform: "win32" }));
  t.false(needsAllocatorRestart("build", linux({}, false)), "musl");
  t.false(needsAllocatorRestart("build", linux({ ...ALLOCATOR_ENV })), "restarted");
  const own = { MALLOC_MMAP_THRESHOLD_: "65536", MALLOC_ARENA_MAX: "4" };
  t.false(needsAllocatorRestart("build", linux(own)), "the user's");
  const partly = restartEnv({ MALLOC_MMAP_THRESHOLD_: "65536" });
  t.is(partly.MALLOC_MMAP_THRESHOLD_, "65536", "the user's value is kept");
  t.is(partly.MALLOC_ARENA_MAX, ALLOCATOR_ENV.MALLOC_ARENA_MAX, "the missing one added");
  t.false(needsAllocatorRestart("build", linux(partly)), "restarted once");
  t.true(needsAllocatorRestart("build", linux({ MALLOC_CHECK_: "3" })), "another setting");
  t.false(
    needsAllocatorRestart("build", linux({ GLIBC_TUNABLES: "glibc.malloc.trim_threshold=0" })),
  );
  t.true(needsAllocatorRestart("build", linux({ GLIBC_TUNABLES: "glibc.rtld.nns=4" })));
  t.false(needsAllocatorRestart("build", linux({ [KEEP_ALLOCATOR_VAR]: "1" })), "turned off");
});

/** A probe preloaded in every node process: it logs its pid and allocator setting. */
async function probeEnv(dir: string): Promise<{ env: NodeJS.ProcessEnv; log: string }> {
  const probe = join(dir, "probe.cjs");
  const log = join(dir, "log");
  await writeFile(
    probe,
    `require("node:fs").appendFileSync(${JSON.stringify(log)}, process.pid + " " + (process.env.MALLOC_MMAP_THRESHOLD_ ?? "-") + "\\n");\n`,
  );
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith("MALLOC_") && k !== KEEP_ALLOCATOR_VAR,
    ),
  );
  return { env: { ...env, NODE_OPTIONS: `--require ${probe}` }, log };
}

const logLines = async (log: string) =>
  (await readFile(log, "utf8").catch(() => "")).trim().split("\n").filter(Boolean);

function runCli(args: readonly string[], env: NodeJS.ProcessEnv) {
  const p = spawn(process.execPath, [cliPath, ...args], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  p.stderr.on("data", (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>(
    (resolve) => p.on("close", (code, signal) => resolve({ code, signal, stderr })),
  );
  return { p, done };
}

test("the CLI's build runs in a second process that has the allocator set, with the first one's exit code and message", async (t) => {
  if (!isGlibc()) {
    t.pass("not glibc: no restart to see");
    return;
  }
  const dir = await tempDir(t);
  const { env, log } = await probeEnv(dir);
  const r = await runCli(["build", join(dir, "missing.yaml"), "--drop", dir], env).done;
  assertOneLine(t, r, /missing\.yaml: cannot read the manifest/);
  const lines = await logLines(log);
  t.is(lines.length, 2, lines.join("; "));
  t.is(lines[0]!.split(" ")[1], "-", "the first process: as started");
  t.is(lines[1]!.split(" ")[1], ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_, "the second: set");

  const kept = await tempDir(t);
  const k = await probeEnv(kept);
  const once = await runCli(["build", join(dir, "missing.yaml"), "--drop", dir], {
    ...k.env,
    [KEEP_ALLOCATOR_VAR]: "1",
  }).done;
  t.is(once.code, 2);
  t.is((await logLines(k.log)).length, 1, `${KEEP_ALLOCATOR_VAR}=1: one process`);
});

/**
 * `cabwright demo` started (it makes its drop, then builds it: seconds, time enough to be
 * interrupted), once its second process runs: that process's pid.
 */
async function demoRestarted(dir: string) {
  const { env, log } = await probeEnv(dir);
  const run = runCli(["demo", "--drop", join(dir, "drop"), "--out", join(dir, "out")], env);
  while ((await logLines(log)).length < 2) await new Promise((r) => setTimeout(r, 20));
  return { run, child: Number((await logLines(log))[1]!.split(" ")[0]) };
}

test("a signal to the first process ends the build and then the first process by the same signal", async (t) => {
  if (!isGlibc()) {
    t.pass("not glibc: no restart to see");
    return;
  }
  const { run, child } = await demoRestarted(await tempDir(t));
  run.p.kill("SIGTERM");
  const r = await run.done;
  t.is(r.signal, "SIGTERM", r.stderr);
  t.throws(() => process.kill(child, 0), { code: "ESRCH" }, "the second process is gone");
});

test("kill -9 of the first process, which cannot be passed on, ends the second one too", async (t) => {
  if (!isGlibc()) {
    t.pass("not glibc: no restart to see");
    return;
  }
  const { run, child } = await demoRestarted(await tempDir(t));
  t.not(child, run.p.pid);
  run.p.kill("SIGKILL");
  t.is((await run.done).signal, "SIGKILL");
  // The child polls its parent every 20 ms; 3 s is ample on a loaded machine, and shorter
  // than the demo's build, so a child that went on would still be running.
  const until = Date.now() + 3_000;
  let alive = true;
  while (alive && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    try {
      process.kill(child, 0);
    } catch {
      alive = false;
    }
  }
  t.false(alive, "the second process ended with the first");
});

// Alone (serial): a test running beside it would allocate buffers of its own meanwhile.
test.serial("collectGarbage frees dead buffers past its bound, and leaves them under it", (t) => {
  const gc = fullCollection();
  if (!gc) {
    t.fail("V8 gives no gc");
    return;
  }
  t.is((globalThis as { gc?: unknown }).gc, undefined, "this context has no gc of its own");
  gc();
  const before = process.memoryUsage().arrayBuffers;
  // Less garbage than makes V8 collect by itself (some 64 MB), more than the bound.
  const limit = before + 8 * 1048576;
  let kept: Uint8Array | undefined;
  for (let i = 0; i < 8; i++) kept = new Uint8Array(2 * 1048576).fill(i);
  kept = undefined;
  t.true(process.memoryUsage().arrayBuffers > limit, "the garbage is still accounted for");
  let collections = 0;
  t.true(
    collectGarbage(limit, () => {
      collections++;
      gc();
    }),
  );
  t.is(collections, 1);
  // V8 frees the dead buffers' memory after the collection, on a thread of its own, and
  // finishes that before the next one: collect again to read what the first one freed.
  gc();
  const after = process.memoryUsage().arrayBuffers;
  t.true(after <= limit, `collected: ${before} before, ${after} after`);
  let calls = 0;
  t.false(
    collectGarbage(limit, () => calls++),
    "under the bound",
  );
  t.is(calls, 0);
  t.is(kept, undefined);
});
