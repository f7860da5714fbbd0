/**
 * Interop peers (real tools other than ours) for tests. A test that needs one and cannot
 * find it FAILS naming the Debian package to install, never skips silently. `npm test`
 * installs every missing one first when it runs as root on Debian (test/setup/peers.ts).
 */
import { type ExecFileOptions, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

/** Peer commands and the Debian packages that provide them. */
export const PEERS = {
  gcab: "gcab",
  cabextract: "cabextract",
  "7zz": "7zip",
  wine: "wine",
  wineserver: "wine",
  "x86_64-w64-mingw32-gcc": "gcc-mingw-w64-x86-64",
  "i686-w64-mingw32-gcc": "gcc-mingw-w64-i686",
  "x86_64-w64-mingw32-windres": "binutils-mingw-w64-x86-64",
  "i686-w64-mingw32-windres": "binutils-mingw-w64-i686",
  "x86_64-w64-mingw32-nm": "binutils-mingw-w64-x86-64",
  "i686-w64-mingw32-nm": "binutils-mingw-w64-i686",
  "x86_64-w64-mingw32-objdump": "binutils-mingw-w64-x86-64",
  osslsigncode: "osslsigncode",
  openssl: "openssl",
  chromium: "chromium",
  strace: "strace",
  chattr: "e2fsprogs",
} as const;
export type Peer = keyof typeof PEERS;

/**
 * What the tests need beyond the commands: Wine's two loaders (Debian's paths; a prefix
 * runs x86 programs only with wine32) and pefile for the system python. Each with its
 * Debian package; test/setup/peers.ts installs the missing ones.
 */
export const OTHER_NEEDS: ReadonlyArray<{
  readonly what: string;
  readonly pkg: string;
  readonly present: () => Promise<boolean>;
}> = [
  {
    what: "Wine's 64-bit loader /usr/lib/wine/wine64",
    pkg: "wine64",
    present: async () => existsSync("/usr/lib/wine/wine64"),
  },
  {
    what: "Wine's 32-bit loader /usr/lib/wine/wine (x86 programs)",
    pkg: "wine32:i386",
    present: async () => existsSync("/usr/lib/wine/wine"),
  },
  {
    what: "pefile for /usr/bin/python3",
    pkg: "python3-pefile",
    present: () =>
      execFileP("/usr/bin/python3", ["-c", "import pefile"]).then(
        () => true,
        () => false,
      ),
  },
];

const found = new Map<string, string>();

/** Absolute path of a command on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  if (!found.has(cmd)) {
    const dirs = (process.env.PATH ?? "").split(":");
    const path = dirs.map((d) => join(d, cmd)).find((p) => existsSync(p));
    if (path) found.set(cmd, path); // a miss is looked up again: the setup may install it
  }
  return found.get(cmd);
}

/** The peer's path; throws an error naming the Debian package when it is missing. */
export function requirePeer(cmd: Peer): string {
  const path = which(cmd);
  if (!path) {
    throw new Error(
      `test needs \`${cmd}\`: install the Debian package ${PEERS[cmd]} (npm test does as root)`,
    );
  }
  return path;
}

/** /usr/bin/python3 with python3-pefile: Debian's pefile is for the system python only. */
export async function requirePefile(): Promise<string> {
  const py = "/usr/bin/python3";
  try {
    await execFileP(py, ["-c", "import pefile"]);
  } catch {
    throw new Error(
      "test needs python3-pefile for /usr/bin/python3: install the Debian package python3-pefile",
    );
  }
  return py;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Run a command; never throws on a non-zero exit (the code is returned). */
export async function run(
  cmd: string,
  args: readonly string[],
  opts: ExecFileOptions = {},
): Promise<RunResult> {
  try {
    const r = await execFileP(cmd, args as string[], {
      maxBuffer: 64 << 20,
      encoding: "utf8",
      ...opts,
    });
    return { stdout: String(r.stdout), stderr: String(r.stderr), code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number | string };
    if (typeof e.code !== "number") throw err;
    return { stdout: String(e.stdout ?? ""), stderr: String(e.stderr ?? ""), code: e.code };
  }
}

/** Wine's variables for a prefix: no GUI, no debug noise, no Mono or Gecko prompts. */
export function wineVars(prefix: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WINEPREFIX: prefix,
    WINEDEBUG: "-all",
    WINEDLLOVERRIDES: "mscoree,mshtml=",
    DISPLAY: "",
  };
}

let winePrefix: Promise<string> | undefined;

/**
 * Environment for wine: one prefix under TMPDIR for the whole test run (every test
 * process shares it), made by `wineboot -i` with both the 64-bit and the 32-bit loader
 * installed and checked to run x64 and x86 programs. A prefix that cannot (made by 64-bit
 * Wine alone, or by another Wine version) is made again; if the new one cannot either,
 * this fails naming the Debian package.
 */
export async function wineEnv(): Promise<NodeJS.ProcessEnv> {
  winePrefix ??= readyWinePrefix(join(tmpdir(), `cabwright-wine-${process.getuid?.() ?? 0}`));
  const env = wineVars(await winePrefix);
  await keepWineServer(env);
  return env;
}

/** The path Wine gives a Unix path: drive Z: is /. */
export function winePath(unixPath: string): string {
  return `Z:${unixPath.replaceAll("/", "\\")}`;
}

/** How long the prefix's wineserver outlives its last program (Debian's default is 0). */
const SERVER_LINGER_SECONDS = 30;

/**
 * Keep one wineserver running for the prefix, its services started with no stdio. Else
 * every wine call starts a server whose services hold the caller's stdout open until they
 * exit, seconds after the program did (and execFile waits for that).
 */
export async function keepWineServer(env: NodeJS.ProcessEnv): Promise<void> {
  const started = await exitCode(requirePeer("wineserver"), [`-p${SERVER_LINGER_SECONDS}`], env);
  if (started !== 0) return; // one runs already
  await exitCode(requirePeer("wine"), ["cmd", "/c", "exit 0"], env);
}

/** Run with no stdio and resolve to the exit code (not waiting for pipes to close). */
function exitCode(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  return new Promise<number | null>((done, fail) => {
    spawn(cmd, args, { env, stdio: "ignore" }).on("error", fail).on("exit", done);
  });
}

/** Written into a prefix this module made and checked: Wine's version, then this. */
const PREFIX_MARK = ".cabwright-prefix";

async function readyWinePrefix(prefix: string): Promise<string> {
  const wine = requirePeer("wine");
  const env = wineVars(prefix);
  const version = (await run(wine, ["--version"], { env })).stdout.trim();
  const mark = `${version}: made by wineboot -i with wine64 and wine32; runs x64 and x86\n`;
  return withLock(`${prefix}.lock`, async () => {
    if ((await readFile(join(prefix, PREFIX_MARK), "utf8").catch(() => "")) === mark) {
      await keepWineServer(env);
      if ((await winePrefixProblem(wine, env)) === undefined) return prefix;
    }
    await run(requirePeer("wineserver"), ["-k"], { env }); // a server still on the old one
    await rm(prefix, { recursive: true, force: true });
    await mkdir(prefix, { recursive: true });
    const boot = await run(wine, ["wineboot", "-i"], { env });
    if (boot.code === 0) await keepWineServer(env);
    const problem =
      boot.code !== 0
        ? `wineboot -i exited ${boot.code}: ${boot.stderr.trim()}`
        : await winePrefixProblem(wine, env);
    if (problem) throw new Error(`the Wine prefix ${prefix}: ${problem}`);
    await writeFile(join(prefix, PREFIX_MARK), mark);
    return prefix;
  });
}

/** Why the prefix cannot run x64 or x86 console programs (exit codes checked), if so. */
async function winePrefixProblem(wine: string, env: NodeJS.ProcessEnv) {
  const checks = [
    ["x64", "system32", 21, "wine64"],
    ["x86", "syswow64", 23, "wine32:i386 (after dpkg --add-architecture i386)"],
  ] as const;
  for (const [arch, dir, code, pkg] of checks) {
    const r = await run(wine, [`C:\\windows\\${dir}\\cmd.exe`, "/c", `exit ${code}`], { env });
    if (r.code !== code) {
      return `it cannot run ${arch} programs (cmd.exe /c exit ${code} gave ${r.code}: ${r.stderr.trim()}); install the Debian package ${pkg} (npm test does as root)`;
    }
  }
  return undefined;
}

/**
 * Run `fn` holding a lock folder shared by every test process (mkdir is atomic). A lock
 * left by a process that died, or older than ten minutes, is taken over.
 */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = Number(await readFile(join(lock, "pid"), "utf8").catch(() => "0"));
    const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
    if ((owner > 0 && !alive(owner)) || age > 10 * 60_000) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`waited 15 minutes for the lock ${lock}`);
    await new Promise((done) => setTimeout(done, 200));
  }
  try {
    await writeFile(join(lock, "pid"), String(process.pid));
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A fresh temporary folder, removed when `t.teardown` runs. */
export async function tempDir(
  t: { teardown(fn: () => unknown): void },
  prefix = "cabwright-test-",
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export type PeArch = "x86" | "x64";

/**
 * Compile a small Windows program or DLL with mingw-w64 (at test time: real PE files).
 * `strip` false keeps the COFF symbol table, as unstripped mingw builds have.
 */
export async function buildPe(
  dir: string,
  opts: {
    name: string;
    arch: PeArch;
    source: string;
    dll?: boolean;
    strip?: boolean;
    extraArgs?: string[];
  },
): Promise<string> {
  const gcc = requirePeer(opts.arch === "x64" ? "x86_64-w64-mingw32-gcc" : "i686-w64-mingw32-gcc");
  const src = join(dir, `${opts.name}.c`);
  const out = join(dir, opts.name);
  await writeFile(src, opts.source);
  const args = [
    src,
    "-o",
    out,
    "-Os",
    ...(opts.dll ? ["-shared"] : []),
    ...(opts.strip === false ? [] : ["-s"]),
    ...(opts.extraArgs ?? []),
  ];
  const r = await run(gcc, args);
  if (r.code !== 0) throw new Error(`mingw-w64 build of ${opts.name} failed:\n${r.stderr}`);
  return out;
}

/**
 * Sign `input` into `output` with osslsigncode and the throwaway self-signed test
 * certificate kept in test/fixtures/sfx/ (never a real key).
 */
export async function signWithTestCertificate(input: string, output: string): Promise<RunResult> {
  const fixtures = fileURLToPath(new URL("../../../test/fixtures/sfx/", import.meta.url));
  return run(requirePeer("osslsigncode"), [
    "sign",
    "-certs",
    join(fixtures, "test-signing.crt"),
    "-key",
    join(fixtures, "test-signing.key"),
    "-n",
    "cabwright test",
    "-in",
    input,
    "-out",
    output,
  ]);
}
