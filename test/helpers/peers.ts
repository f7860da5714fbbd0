/**
 * Interop peers (real tools other than ours) for tests. A test that needs one and cannot
 * find it FAILS naming the Debian package to install (see .ci/run), never skips silently.
 */
import { type ExecFileOptions, execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
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
  wine: "wine64 (and wine)",
  "x86_64-w64-mingw32-gcc": "gcc-mingw-w64-x86-64",
  "i686-w64-mingw32-gcc": "gcc-mingw-w64-i686",
  osslsigncode: "osslsigncode",
  chromium: "chromium",
} as const;
export type Peer = keyof typeof PEERS;

const found = new Map<string, string | undefined>();

/** Absolute path of a command on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  if (!found.has(cmd)) {
    const dirs = (process.env.PATH ?? "").split(":");
    found.set(
      cmd,
      dirs.map((d) => join(d, cmd)).find((p) => existsSync(p)),
    );
  }
  return found.get(cmd);
}

/** The peer's path; throws an error naming the Debian package when it is missing. */
export function requirePeer(cmd: Peer): string {
  const path = which(cmd);
  if (!path) {
    throw new Error(
      `test needs \`${cmd}\`: install the Debian package ${PEERS[cmd]} (as .ci/run does)`,
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

/** Environment for wine: a private prefix per test run, no GUI, no debug noise. */
export async function wineEnv(): Promise<NodeJS.ProcessEnv> {
  const prefix = join(tmpdir(), `cabwright-wine-${process.getuid?.() ?? 0}`);
  await mkdir(prefix, { recursive: true });
  return {
    ...process.env,
    WINEPREFIX: prefix,
    WINEDEBUG: "-all",
    WINEDLLOVERRIDES: "mscoree,mshtml=",
    DISPLAY: "",
  };
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
