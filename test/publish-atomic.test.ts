/**
 * Publishing is all or nothing, as a set (issue 11), proven on real failures: an immutable
 * file and an immutable folder (chattr +i), a full tmpfs mounted for the test, a tiny tmpfs
 * as TMPDIR, kill -9 of a real build process at random points, and two real processes
 * racing for the lock. Needs root (chattr, mount): fails, never skips, without it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import {
  build,
  defaultToolkit,
  isLeftover,
  loadManifest,
  lockOutput,
  recoverOutput,
  verifyPackage,
} from "cabwright";
import { prng } from "./helpers/cab-fixtures.js";
import { repo } from "./helpers/demo-build.js";
import { run, tempDir, which } from "./helpers/peers.js";
import { type SmallCase, smallCase, writeSmallData } from "./helpers/small-build.js";

const cli = join(repo, "dist", "builder", "cli", "main.js");
const OUTPUTS = ["small.build.json", "small.cab", "small.exe", "small.html"];

function requireRoot(t: ExecutionContext): void {
  if (process.getuid?.() !== 0) {
    t.fail("these tests need root: chattr +i (package e2fsprogs) and mount -t tmpfs (mount)");
  }
}

async function chattr(t: ExecutionContext, flag: "+i" | "-i", path: string): Promise<void> {
  const r = await run("chattr", [flag, path]);
  if (r.code !== 0)
    t.fail(`chattr ${flag} ${path} failed (e2fsprogs; a file system with attributes): ${r.stderr}`);
}

/** A tmpfs of `size` mounted on a fresh folder, unmounted at teardown. */
async function tmpfs(t: ExecutionContext, size: string): Promise<string> {
  const dir = join(await tempDir(t), "mnt");
  await mkdir(dir);
  const r = await run("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  if (r.code !== 0) t.fail(`mount -t tmpfs failed (needs root): ${r.stderr}`);
  t.teardown(() => run("umount", ["-l", dir]));
  return dir;
}

/** Every published file's bytes, by name. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await readdir(dir)).sort()) {
    out[n] = (await readFile(join(dir, n))).toString("base64");
  }
  return out;
}

async function verifies(t: ExecutionContext, c: SmallCase, dir: string, label: string) {
  const report = await verifyPackage(
    join(dir, "small.exe"),
    await loadManifest(c.manifest),
    defaultToolkit(),
  );
  t.true(report.ok && report.contents.compared, `${label}: ${JSON.stringify(report.mismatches)}`);
}

function cliBuild(c: SmallCase, env: NodeJS.ProcessEnv = process.env) {
  return run(process.execPath, [cli, "build", c.manifest, "--drop", c.drop, "--out", c.out], {
    env,
  });
}

test("an immutable file in the previous set: the new set is published whole; the old one is removed later", async (t) => {
  requireRoot(t);
  const c = await smallCase(await tempDir(t));
  await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  const html = join(c.out, "small", "small.html");
  await chattr(t, "+i", html);
  t.teardown(() => run("chattr", ["-i", html]));
  await writeSmallData(c.drop, 64 * 1024, 2);
  const r = await cliBuild(c);
  t.is(r.code, 0, r.stderr);
  t.regex(
    r.stderr,
    /^warning: the previous small set could not be removed from .*\.small\.old-\w+; the next build tries again$/m,
  );
  t.deepEqual((await readdir(join(c.out, "small"))).sort(), OUTPUTS);
  await verifies(t, c, join(c.out, "small"), "the new set");
  const old = (await readdir(c.out)).filter((n) => n.startsWith(".small.old-"));
  t.is(old.length, 1);
  // The old set stays whole where it was moved (only the immutable file is left, or all of it).
  await run("chattr", ["-i", join(c.out, old[0]!, "small.html")]);
  const again = await cliBuild(c);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stderr, /^warning: removed .*\.small\.old-\w+, left by an earlier build$/m);
  t.deepEqual(await readdir(c.out), ["small"]);
});

test("an immutable output folder: the build fails in publish, says so truly, and the old set is as it was", async (t) => {
  requireRoot(t);
  const c = await smallCase(await tempDir(t));
  await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  const dir = join(c.out, "small");
  const before = await snapshot(dir);
  await chattr(t, "+i", dir);
  t.teardown(() => run("chattr", ["-i", dir]));
  await writeSmallData(c.drop, 64 * 1024, 3);
  const r = await cliBuild(c);
  t.is(r.code, 2, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("cabwright"));
  t.is(lines.length, 1, r.stderr);
  t.regex(
    lines[0]!,
    /build failed in the publish stage \(.*small was left as it was\): EPERM: operation not permitted, rename/,
  );
  t.deepEqual(await snapshot(dir), before);
  t.deepEqual(await readdir(c.out), ["small"], "no staging folder, no lock left");
});

test("a full tmpfs as --out: the build fails, the old set is as it was, nothing is left beside it", async (t) => {
  requireRoot(t);
  const mnt = await tmpfs(t, "1m");
  const base = await smallCase(await tempDir(t));
  const c = { ...base, out: mnt };
  const first = await cliBuild(c);
  t.is(first.code, 0, first.stderr);
  const before = await snapshot(join(mnt, "small"));
  await writeSmallData(c.drop, 2 * 1024 * 1024, 4); // staging needs more than the 1 MB there is
  const r = await cliBuild(c);
  t.is(r.code, 2, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("cabwright"));
  t.is(lines.length, 1, r.stderr);
  t.regex(lines[0]!, /small was left as it was\): ENOSPC/);
  t.deepEqual(await snapshot(join(mnt, "small")), before);
  await verifies(t, c, join(mnt, "small"), "the old set");
  t.deepEqual(await readdir(mnt), ["small"]);
});

test("staging stays out of TMPDIR: a build of 4 MB succeeds with a 64 KB tmpfs as TMPDIR", async (t) => {
  requireRoot(t);
  const small = await tmpfs(t, "64k");
  const c = await smallCase(await tempDir(t));
  await writeSmallData(c.drop, 4 * 1024 * 1024, 5);
  const r = await cliBuild(c, { ...process.env, TMPDIR: small });
  t.is(r.code, 0, r.stderr);
  await verifies(t, c, join(c.out, "small"), "built");
  t.deepEqual(await readdir(small), [], "nothing left in TMPDIR");
});

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

test.serial(
  "kill -9 at random points: out/NAME is always one whole set that verifies, and the next build cleans up",
  async (t) => {
    const dir = await tempDir(t);
    const c = await smallCase(dir);
    const dataSize = 3 * 1024 * 1024;
    // The two sets the builds alternate between, built for reference (builds are reproducible).
    const sets: Record<string, string>[] = [];
    for (const seed of [10, 11]) {
      await writeSmallData(c.drop, dataSize, seed);
      const ref = join(dir, `ref-${seed}`);
      await build({ manifest: c.manifest, drop: c.drop, out: ref });
      sets.push(await snapshot(join(ref, "small")));
    }
    await writeSmallData(c.drop, dataSize, 10);
    // One CLI build, timed from the moment it holds the lock (all it writes comes after):
    // the kills land anywhere from there to the last rename.
    const lock = join(c.out, ".small.lock");
    const timedChild = spawn(process.execPath, buildArgs(c), { stdio: "ignore" });
    await waitFor(lock, 60_000);
    const locked = Date.now();
    await exited(timedChild);
    t.is(timedChild.exitCode, 0);
    let windowMs = Date.now() - locked;
    const random = prng(11);
    let leftovers = 0;
    const outcomes = { killed: 0, finished: 0 };
    for (let round = 0; round < 10; round++) {
      await writeSmallData(c.drop, dataSize, 10 + ((round + 1) % 2));
      const child = spawn(process.execPath, buildArgs(c), { stdio: "ignore" });
      // The previous round's lock was removed (a finished build) or is stale (a killed one,
      // until this build takes it over): wait for this build's own.
      await waitForLockOf(lock, child.pid!, 60_000);
      await new Promise((r) => setTimeout(r, windowMs * random()));
      child.kill("SIGKILL");
      await exited(child);
      if (child.signalCode === "SIGKILL") outcomes.killed++;
      else {
        outcomes.finished++;
        windowMs *= 0.7; // the machine got faster: aim earlier
      }
      const names = await readdir(c.out);
      leftovers += names.filter((n) => n.startsWith(".small.")).length;
      const published = names.includes("small")
        ? join(c.out, "small")
        : join(c.out, names.find((n) => n.startsWith(".small.old-"))!);
      const seen = await snapshot(published);
      t.deepEqual(Object.keys(seen), OUTPUTS, `round ${round}: ${names.join(" ")}`);
      t.true(
        sets.some((s) => JSON.stringify(s) === JSON.stringify(seen)),
        `round ${round}: the published files are one build's set, not a mix`,
      );
      if (names.includes("small")) await verifies(t, c, published, `round ${round}`);
    }
    t.log(
      `${outcomes.killed} killed, ${outcomes.finished} finished before the kill; ${leftovers} leftovers seen`,
    );
    t.true(outcomes.killed > 0, "some builds were killed");
    t.true(leftovers > 0, "a killed build leaves a staging folder or lock behind");
    const last = await run(process.execPath, [
      cli,
      "build",
      c.manifest,
      "--drop",
      c.drop,
      "--out",
      c.out,
    ]);
    t.is(last.code, 0, last.stderr);
    t.deepEqual(
      await readdir(c.out),
      ["small"],
      "the next build removed what the killed ones left",
    );
    await verifies(t, c, join(c.out, "small"), "after the clean-up");
  },
);

/** The pids of `pid`'s children (Linux's /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
  return text.split(" ").filter(Boolean).map(Number);
}

/** Wait until the lock at `path` names `pid`. */
async function waitForLockOf(path: string, pid: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const text = await readFile(path, "utf8").catch(() => "");
    if (text.includes(`"pid":${pid},`)) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`${path} did not name pid ${pid} within ${ms} ms`);
}

async function waitFor(path: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${path} did not appear within ${ms} ms`);
}

test.serial(
  "a second build into the same --out/NAME is refused in one line naming the holder's pid",
  async (t) => {
    const c = await smallCase(await tempDir(t));
    await writeSmallData(c.drop, 4 * 1024 * 1024, 20);
    const args = [cli, "build", c.manifest, "--drop", c.drop, "--out", c.out];
    const holder = spawn(process.execPath, args, { stdio: "ignore" });
    const holderDone = new Promise<number | null>((r) => holder.once("exit", (code) => r(code)));
    await waitFor(join(c.out, ".small.lock"), 20_000);
    // Paused while it holds the lock (a real process, alive, mid-build), so the second build
    // meets the lock however fast the machine is; then let go.
    // The build that holds it may be the holder's child (the CLI restarts a build with its
    // allocator set, builder/cli/allocator.ts): pause both; the lock names the holder.
    const paused = [holder.pid!, ...(await childrenOf(holder.pid!))];
    for (const pid of paused) process.kill(pid, "SIGSTOP");
    const second = await run(process.execPath, args);
    for (const pid of paused) process.kill(pid, "SIGCONT");
    t.is(second.code, 2, second.stderr);
    const lines = second.stderr.split("\n").filter((l) => l.startsWith("cabwright"));
    t.is(lines.length, 1, second.stderr);
    t.regex(
      lines[0]!,
      new RegExp(
        `small: another build \\(pid ${holder.pid}\\) is writing it \\(lock .*\\.small\\.lock\\)`,
      ),
    );
    t.is(await holderDone, 0);
    await verifies(t, c, join(c.out, "small"), "the holder's set");

    // Both at once: one wins; a loser is refused naming the winner; the set verifies.
    const a = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    const b = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    const result = (p: ChildProcess) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        let stderr = "";
        p.stderr!.on("data", (d) => (stderr += d));
        p.once("exit", (code) => resolve({ code, stderr }));
      });
    const [ra, rb] = await Promise.all([result(a), result(b)]);
    t.true(ra.code === 0 || rb.code === 0, `${ra.stderr}\n${rb.stderr}`);
    for (const [r, other] of [
      [ra, b],
      [rb, a],
    ] as const) {
      if (r.code === 0) continue;
      t.is(r.code, 2);
      t.regex(r.stderr, new RegExp(`another build \\(pid ${other.pid}\\) is writing it`));
    }
    await verifies(t, c, join(c.out, "small"), "after the race");
    t.deepEqual(await readdir(c.out), ["small"]);
  },
);

test("a stale lock (its process is gone) is taken over; a live holder's is not", async (t) => {
  const c = await smallCase(await tempDir(t));
  await mkdir(c.out, { recursive: true });
  const lock = join(c.out, ".small.lock");
  // A live process that is not a build: its pid in the lock keeps it held.
  const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
  t.teardown(() => sleeper.kill("SIGKILL"));
  await writeFile(
    lock,
    JSON.stringify({
      pid: sleeper.pid,
      host: (await import("node:os")).hostname(),
      started: null,
      token: "x",
    }),
  );
  const held = await cliBuild(c);
  t.is(held.code, 2, held.stderr);
  t.regex(held.stderr, new RegExp(`another build \\(pid ${sleeper.pid}\\)`));
  sleeper.kill("SIGKILL");
  await exited(sleeper);
  const r = await cliBuild(c);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(await readdir(c.out), ["small"], "the stale lock was taken over and released");
  // In-process: the library's lock, held, refuses a second taker.
  const mine = await lockOutput(c.out, "small");
  await t.throwsAsync(lockOutput(c.out, "small"), {
    name: "OutputLocked",
    message: new RegExp(`pid ${process.pid}`),
  });
  await mine.release();
  t.deepEqual(await readdir(c.out), ["small"]);
});

function buildArgs(c: SmallCase): string[] {
  return [cli, "build", c.manifest, "--drop", c.drop, "--out", c.out];
}

/** The pid of the program strace started (its only child). */
async function tracee(strace: ChildProcess): Promise<number> {
  const file = `/proc/${strace.pid}/task/${strace.pid}/children`;
  for (let i = 0; i < 1000; i++) {
    const pid = Number.parseInt(await readFile(file, "utf8").catch(() => ""), 10);
    if (pid > 0) return pid;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("strace started nothing");
}

/**
 * The three instants of the swap, each reached for real under strace: a SIGKILL injected
 * as the build enters the rename of OUT/small aside; a real kill -9 while the exit of that
 * rename is held (it is done; the new set is not in yet); a real kill -9 while the removal of
 * the old set is slowed down (the new set is in; the old one is still there).
 */
function killPoints(dir: string) {
  const renames = "rename,renameat,renameat2";
  const unlinks = "unlink,unlinkat,rmdir";
  /** strace arguments: on the first rename naming OUT/small, do `action`. */
  const onRename = (action: string) => [
    "-P",
    dir,
    "-e",
    `trace=${renames}`,
    "-e",
    `inject=${renames}:${action}:when=1`,
  ];
  const names = (n: string[]) => ({
    small: n.includes("small"),
    old: n.some((x) => x.startsWith(".small.old-")),
  });
  return [
    {
      what: "before the old set is moved aside",
      strace: onRename("signal=SIGKILL"),
      at: undefined,
    },
    {
      what: "between the two renames",
      strace: onRename("delay_exit=5000000"),
      at: (n: string[]) => !names(n).small && names(n).old,
    },
    {
      what: "after the swap, while the old set is removed",
      strace: ["-e", `trace=${unlinks}`, "-e", `inject=${unlinks}:delay_enter=300000`],
      at: (n: string[]) => names(n).small && names(n).old,
    },
  ];
}

test.serial(
  "kill -9 at each instant of the swap (reached under strace): one whole set, put back or kept",
  async (t) => {
    const strace = which("strace");
    if (!strace) return t.fail("test needs `strace`: install the Debian package strace");
    const c = await smallCase(await tempDir(t));
    const dir = join(c.out, "small");
    await writeSmallData(c.drop, 64 * 1024, 30);
    const ref = join(c.dir, "ref");
    await build({ manifest: c.manifest, drop: c.drop, out: ref });
    const newSet = await snapshot(join(ref, "small"));
    for (const p of killPoints(dir)) {
      await writeSmallData(c.drop, 64 * 1024, 31);
      await build({ manifest: c.manifest, drop: c.drop, out: c.out });
      const oldSet = await snapshot(dir);
      await writeSmallData(c.drop, 64 * 1024, 30);
      const child = spawn(
        strace,
        ["-f", "-qq", "-o", "/dev/null", ...p.strace, process.execPath, ...buildArgs(c)],
        {
          stdio: "ignore",
        },
      );
      if (p.at) {
        const until = Date.now() + 60_000;
        while (!p.at(await readdir(c.out)) && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 5));
        }
        const reached = p.at(await readdir(c.out));
        t.true(reached, `${p.what}: reached`);
        // Read the tracee now: strace starts through a short-lived helper child first.
        if (reached) process.kill(await tracee(child), "SIGKILL");
      }
      await exited(child);
      // strace passes the tracee's death on: it dies of SIGKILL itself.
      t.is(child.signalCode, "SIGKILL", `${p.what}: the build was killed`);
      const names = await readdir(c.out);
      t.log(`${p.what}: ${names.join(" ")}`);
      t.true(names.includes(".small.lock"), `${p.what}: killed holding the lock`);
      const published = names.includes("small")
        ? dir
        : join(c.out, names.find((n) => n.startsWith(".small.old-"))!);
      const seen = await snapshot(published);
      t.true(
        JSON.stringify(seen) === JSON.stringify(oldSet) ||
          JSON.stringify(seen) === JSON.stringify(newSet),
        `${p.what}: one whole set`,
      );
      // The next build (one that fails at once: a missing drop) recovers before anything else.
      const next = await run(process.execPath, [
        cli,
        "build",
        c.manifest,
        "--drop",
        join(c.dir, "none"),
        "--out",
        c.out,
      ]);
      t.is(next.code, 2, next.stderr);
      if (!names.includes("small"))
        t.regex(next.stderr, /^warning: put back .*small from .*\.small\.old-/m);
      t.deepEqual(await readdir(c.out), ["small"], `${p.what}: cleaned up`);
      t.deepEqual(await snapshot(dir), seen, `${p.what}: that whole set is in place`);
      await verifies(t, c, dir, p.what);
    }
  },
);

test("recovery touches only this package's leftovers, and puts a set moved aside back", async (t) => {
  const out = await tempDir(t);
  const mk = async (d: string, file?: string) => {
    await mkdir(join(out, d), { recursive: true });
    if (file) await writeFile(join(out, d, file), d);
  };
  await mk(".small.old-AbC123", "small.exe"); // killed between the two renames
  await mk(".small.staging-Zz9Zz9", "junk");
  await mk(".small.old-x.staging-AAAAAA", "theirs"); // a package named "small.old-x"
  await mk(".smaller.staging-BBBBBB", "theirs");
  const said = await recoverOutput(out, "small");
  t.is(said.length, 2, said.join("\n"));
  t.regex(said[0]!, /put back .*small from .*\.small\.old-AbC123/);
  t.deepEqual((await readdir(out)).sort(), [
    ".small.old-x.staging-AAAAAA",
    ".smaller.staging-BBBBBB",
    "small",
  ]);
  t.is(await readFile(join(out, "small", "small.exe"), "utf8"), ".small.old-AbC123");
  t.false(isLeftover(".small.old-x.staging-AAAAAA", "small", "old"));
  t.true(isLeftover(".small.staging-Zz9Zz9", "small", "staging"));
});

test("a read-only output root (a read-only bind mount): exit 2 in one line before any work, the set as it was", async (t) => {
  requireRoot(t);
  const c = await smallCase(await tempDir(t));
  await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  const before = await snapshot(join(c.out, "small"));
  const ro = join(c.dir, "ro");
  await mkdir(ro);
  const bind = await run("mount", ["--bind", "-o", "ro", c.out, ro]);
  if (bind.code !== 0) return t.fail(`mount --bind -o ro failed (needs root): ${bind.stderr}`);
  t.teardown(() => run("umount", ["-l", ro]));
  await writeSmallData(c.drop, 64 * 1024, 40);
  const r = await cliBuild({ ...c, out: ro });
  t.is(r.code, 2, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("cabwright"));
  t.is(lines.length, 1, r.stderr);
  t.regex(
    lines[0]!,
    /ro: cannot prepare the build of small there \(.*ro\/small was left as it was\): EROFS: read-only file system/,
  );
  t.deepEqual(await snapshot(join(ro, "small")), before);
  t.deepEqual(await readdir(c.out), ["small"]);
});
