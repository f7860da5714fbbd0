/**
 * Helpers for the SFX tests: cabinets made by gcab (a writer that shares no code with
 * ours), Windows paths for wine, and small mingw-w64 programs: an entry command that
 * records how it was run, and a runner that reports a child's full 32-bit exit code
 * (wine's own exit status is cut to 8 bits).
 */
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { buildPe, requirePeer, run } from "./peers.js";

/** Fixed file time for cabinet inputs: 2010-06-29 18:08:00 UTC. */
export const CAB_TIME = new Date(Date.UTC(2010, 5, 29, 18, 8, 0));

/** Write files (relative "/" paths) under `dir` and make `cabPath` from them with gcab -c -z. */
export async function gcabFrom(
  dir: string,
  cabPath: string,
  files: ReadonlyArray<readonly [string, Uint8Array | string]>,
): Promise<void> {
  const gcab = requirePeer("gcab");
  for (const [name, data] of files) {
    const p = join(dir, name);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, data);
    await utimes(p, CAB_TIME, CAB_TIME);
  }
  const r = await run(gcab, ["-c", "-z", cabPath, ...files.map(([n]) => n)], {
    cwd: dir,
    env: { ...process.env, TZ: "UTC" },
  });
  if (r.code !== 0) throw new Error(`gcab failed: ${r.stderr}`);
}

/** The Unix path of a Windows path under wine (C: is the prefix's drive_c, Z: is /). */
export function unixPath(windowsPath: string, prefix: string): string {
  const m = /^([A-Za-z]):\\(.*)$/.exec(windowsPath.trim());
  if (!m) throw new Error(`not a drive path: ${windowsPath}`);
  const rest = m[2]!.replaceAll("\\", "/");
  return m[1]!.toUpperCase() === "Z" ? `/${rest}` : join(prefix, "drive_c", rest);
}

/**
 * entry.exe MARKER CODE [ARGS...]: writes its working folder, its command line and each
 * argument (one a line, UTF-8) to MARKER, checks payload.txt is beside it, exits with CODE.
 */
const PUT_LINE_SOURCE = String.raw`
#include <windows.h>
#include <stdlib.h>
static void put(HANDLE h, const wchar_t *s) {
  char buf[8192]; DWORD done;
  int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, buf, sizeof buf, NULL, NULL);
  if (n > 1) WriteFile(h, buf, n - 1, &done, NULL);
  WriteFile(h, "\n", 1, &done, NULL);
}
`;
const ENTRY_SOURCE = `${PUT_LINE_SOURCE}
int wmain(int argc, wchar_t **argv) {
  if (argc < 3) return 99;
  HANDLE h = CreateFileW(argv[1], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) return 98;
  wchar_t cwd[1024];
  GetCurrentDirectoryW(1024, cwd);
  put(h, cwd);
  put(h, GetFileAttributesW(L"payload.txt") != INVALID_FILE_ATTRIBUTES ? L"payload=yes" : L"payload=no");
  for (int i = 3; i < argc; i++) put(h, argv[i]);
  CloseHandle(h);
  return _wtoi(argv[2]);
}
`;

/**
 * echo.exe: writes its raw command line, then each argument after the program's name, one
 * a line (UTF-8), to the file %CWSFX_ECHO%; exits with %CWSFX_EXIT% (default 0). For the
 * tests of what the stub passes on, where no argument may be taken for a marker path.
 */
const ECHO_SOURCE = `${PUT_LINE_SOURCE}
int wmain(int argc, wchar_t **argv) {
  wchar_t path[1024], code[32];
  if (!GetEnvironmentVariableW(L"CWSFX_ECHO", path, 1024)) return 99;
  HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
  if (h == INVALID_HANDLE_VALUE) return 98;
  put(h, GetCommandLineW());
  for (int i = 1; i < argc; i++) put(h, argv[i]);
  CloseHandle(h);
  return GetEnvironmentVariableW(L"CWSFX_EXIT", code, 32) ? _wtoi(code) : 0;
}
`;

/** Build echo.exe (see ECHO_SOURCE) for `arch` into `dir`. */
export function buildEchoProgram(dir: string, arch: "x86" | "x64"): Promise<string> {
  return buildPe(dir, { name: "echo.exe", arch, source: ECHO_SOURCE, extraArgs: ["-municode"] });
}

/** runner.exe COMMAND LINE...: runs the rest of its command line, prints "exit=N". */
export const RUNNER_SOURCE = String.raw`
#include <windows.h>
#include <stdio.h>
int main(void) {
  wchar_t *cl = GetCommandLineW();
  int quoted = 0;
  while (*cl && (quoted || (*cl != ' ' && *cl != '\t'))) { if (*cl == '"') quoted = !quoted; cl++; }
  while (*cl == ' ' || *cl == '\t') cl++;
  STARTUPINFOW si = {0}; PROCESS_INFORMATION pi;
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
  si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  if (!CreateProcessW(NULL, cl, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
    printf("runner: CreateProcess failed: %lu\n", GetLastError());
    return 97;
  }
  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 0;
  GetExitCodeProcess(pi.hProcess, &code);
  fflush(stdout);
  printf("exit=%lu\n", code);
  return 0;
}
`;

export interface SfxTestPrograms {
  readonly entry: string;
  readonly runner: string;
}

/** Build entry.exe and runner.exe (x64 unless `arch` says x86) into `dir`. */
export async function buildSfxTestPrograms(
  dir: string,
  arch: "x86" | "x64" = "x64",
): Promise<SfxTestPrograms> {
  await mkdir(dir, { recursive: true });
  const [entry, runner] = await Promise.all([
    buildPe(dir, {
      name: "entry.exe",
      arch,
      source: ENTRY_SOURCE,
      extraArgs: ["-municode"],
    }),
    buildPe(dir, { name: "runner.exe", arch, source: RUNNER_SOURCE }),
  ]);
  return { entry, runner };
}

/** The exit code runner.exe printed (the last "exit=N" line), or undefined. */
export function runnerExit(stdout: string): number | undefined {
  const m = /exit=(\d+)\s*$/.exec(stdout);
  return m ? Number(m[1]) : undefined;
}
