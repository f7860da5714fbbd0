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
  needsAllocatorRestart,
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
  t.false(
    needsAllocatorRestart("build", linux({ MALLOC_MMAP_THRESHOLD_: "65536" })),
    "the user's",
  );
  t.true(needsAllocatorRestart("build", linux({ MALLOC_CHECK_: "3" })), "another setting");
  t.false(
    needsAllocatorRestart("build", linux({ GLIBC_TUNABLES: "glibc.malloc.trim_threshold=0" })),
  );
  t.true(needsAllocatorRestart("build", linux({ GLIBC_TUNABLES: "glibc.rtld.nns=4" })));
});

test("the CLI's build runs in a second process that has the allocator set, with the first one's exit code and message", async (t) => {
  if (!isGlibc()) {
    t.pass("not glibc: no restart to see");
    return;
  }
  const dir = await tempDir(t);
  // Each node process the command starts says its pid and its allocator setting.
  const probe = join(dir, "probe.cjs");
  const log = join(dir, "log");
  await writeFile(
    probe,
    `require("node:fs").appendFileSync(${JSON.stringify(log)}, process.pid + " " + (process.env.MALLOC_MMAP_THRESHOLD_ ?? "-") + "\\n");\n`,
  );
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("MALLOC_")),
  );
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const p = spawn(
      process.execPath,
      [cliPath, "build", join(dir, "missing.yaml"), "--drop", dir],
      {
        env: { ...env, NODE_OPTIONS: `--require ${probe}` },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    p.stderr.on("data", (d) => {
      stderr += d;
    });
    p.on("close", (code) => resolve({ code, stderr }));
  });
  assertOneLine(t, r, /missing\.yaml: cannot read the manifest/);
  const lines = (await readFile(log, "utf8")).trim().split("\n");
  t.is(lines.length, 2, lines.join("; "));
  t.is(lines[0]!.split(" ")[1], "-", "the first process: as started");
  t.is(lines[1]!.split(" ")[1], ALLOCATOR_ENV.MALLOC_MMAP_THRESHOLD_, "the second: set");
});

// Alone (serial): a test running beside it would allocate buffers of its own meanwhile.
test.serial("collectGarbage frees dead buffers past its bound, and leaves them under it", (t) => {
  const gc = fullCollection();
  t.is((globalThis as { gc?: unknown }).gc, undefined, "no gc left in the global scope");
  gc();
  const before = process.memoryUsage().arrayBuffers;
  // Less garbage than makes V8 collect by itself (some 64 MB), more than the bound.
  const limit = before + 8 * 1048576;
  let kept: Uint8Array | undefined;
  for (let i = 0; i < 8; i++) kept = new Uint8Array(2 * 1048576).fill(i);
  kept = undefined;
  t.true(process.memoryUsage().arrayBuffers > limit, "the garbage is still accounted for");
  t.true(collectGarbage(limit, gc));
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
