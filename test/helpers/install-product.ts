/**
 * A fake installed product for the install engine's Wine tests, made at test time with
 * mingw-w64: a real SCM service program (it holds lib\held.dll open while it runs and
 * appends "start"/"stop" to C:\CwTestSvc.log), DLLs with older version resources (windres),
 * svcctl.exe (create, start, stop and query services through the service control API),
 * and the update's newer files; plus the InstallPlan of a test rollup over it.
 */
import { cp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { InstallPlan, PlanFile } from "../../builder/install/plan.js";
import { buildPe, type PeArch } from "./peers.js";
import { RUNNER_SOURCE } from "./sfx.js";
import { buildVersionedPe } from "./versioned-pe.js";

export const SERVICE = "CwTestSvc";
export const PRODUCT_DIR = "C:\\CwProduct";
export const PRODUCT_KEY = "SOFTWARE\\CabwrightTest\\Product";
export const UPDATE_ID = "KB999001";
export const OLD_VERSION = "10.2.0.0";
export const NEW_VERSION = "10.2.952.0";
/** A file the product has in a newer version than the update's: never downgraded. */
export const NEWER_VERSION = "10.3.0.0";
/** The update's files, as the cabinet holds them (every source of rollupPlan). */
export const UPDATE_FILES: readonly string[] = [
  "core.dll",
  "lib/held.dll",
  "x64/perf.dll",
  "data/keep.dll",
  "new/added.dll",
  "readme.txt",
];

const serviceSource = (name: string) => String.raw`
#include <windows.h>
static SERVICE_STATUS_HANDLE h;
static SERVICE_STATUS st;
static HANDLE stopped;
static void note(const char *s) {
  HANDLE f = CreateFileW(L"C:\\${name}.log", FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS, 0, NULL);
  DWORD done;
  if (f != INVALID_HANDLE_VALUE) { WriteFile(f, s, lstrlenA(s), &done, NULL); CloseHandle(f); }
}
static DWORD WINAPI ctrl(DWORD c, DWORD t, void *d, void *x) {
  (void)t; (void)d; (void)x;
  if (c == SERVICE_CONTROL_STOP) { st.dwCurrentState = SERVICE_STOP_PENDING; SetServiceStatus(h, &st); SetEvent(stopped); }
  return NO_ERROR;
}
static void WINAPI svc_main(DWORD argc, LPWSTR *argv) {
  (void)argc; (void)argv;
  h = RegisterServiceCtrlHandlerExW(L"${name}", ctrl, NULL);
  st.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  st.dwControlsAccepted = SERVICE_ACCEPT_STOP;
  stopped = CreateEventW(NULL, TRUE, FALSE, NULL);
  wchar_t path[MAX_PATH];
  DWORD n = GetModuleFileNameW(NULL, path, MAX_PATH);
  while (n && path[n - 1] != '\\') n--;
  lstrcpyW(path + n, L"lib\\held.dll");
  /* Held open without FILE_SHARE_WRITE or FILE_SHARE_DELETE: it cannot be replaced or renamed. */
  HANDLE held = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  note(held == INVALID_HANDLE_VALUE ? "start-unheld\n" : "start\n");
  st.dwCurrentState = SERVICE_RUNNING;
  SetServiceStatus(h, &st);
  WaitForSingleObject(stopped, INFINITE);
  if (held != INVALID_HANDLE_VALUE) CloseHandle(held);
  note("stop\n");
  st.dwCurrentState = SERVICE_STOPPED;
  SetServiceStatus(h, &st);
}
int main(void) {
  SERVICE_TABLE_ENTRYW t[] = {{L"${name}", svc_main}, {NULL, NULL}};
  return StartServiceCtrlDispatcherW(t) ? 0 : 1;
}
`;

/** svcctl.exe create NAME BIN | start NAME | stop NAME | state NAME: prints "state=N" or "error=N". */
const SVCCTL_SOURCE = String.raw`
#include <windows.h>
#include <stdio.h>
int wmain(int argc, wchar_t **argv) {
  if (argc < 3) return 2;
  SC_HANDLE m = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS), s = NULL;
  SERVICE_STATUS st = {0};
  if (!m) { printf("error=%lu\n", GetLastError()); return 1; }
  if (!lstrcmpW(argv[1], L"create")) {
    s = CreateServiceW(m, argv[2], argv[2], SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                       SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, argv[3], NULL, NULL, NULL, NULL, NULL);
    if (!s) { printf("error=%lu\n", GetLastError()); return 1; }
  } else {
    s = OpenServiceW(m, argv[2], SERVICE_ALL_ACCESS);
    if (!s) { printf("error=%lu\n", GetLastError()); return 1; }
    DWORD want = 0;
    if (!lstrcmpW(argv[1], L"start")) { StartServiceW(s, 0, NULL); want = SERVICE_RUNNING; }
    if (!lstrcmpW(argv[1], L"stop")) { ControlService(s, SERVICE_CONTROL_STOP, &st); want = SERVICE_STOPPED; }
    for (int i = 0; i < 200; i++) {
      QueryServiceStatus(s, &st);
      if (!want || st.dwCurrentState == want) break;
      Sleep(50);
    }
    printf("state=%lu\n", st.dwCurrentState);
  }
  CloseServiceHandle(s);
  CloseServiceHandle(m);
  return 0;
}
`;

/**
 * A service program for the service `name`: it logs "start" (or "start-unheld" when there
 * is no lib\held.dll beside it to hold open) and "stop" to C:\<name>.log.
 */
export function buildServiceProgram(
  dir: string,
  file: string,
  arch: PeArch,
  name: string,
): Promise<string> {
  return buildPe(dir, { name: file, arch, source: serviceSource(name) });
}

/** svcctl.exe: create, start, stop and query a service through the service control API. */
export function buildSvcctl(dir: string, arch: PeArch): Promise<string> {
  return buildPe(dir, {
    name: "svcctl.exe",
    arch,
    source: SVCCTL_SOURCE,
    extraArgs: ["-municode"],
  });
}

export interface ProductKit {
  /** The installed product's files (relative Windows paths -> Unix path of the original). */
  readonly original: string;
  /** The update's files, laid out as in the cabinet. */
  readonly update: string;
  readonly runner: string;
  readonly svcctl: string;
}

/** Build the product's old files, the update's new ones and the helper programs into `dir`. */
export async function buildProductKit(dir: string, arch: PeArch): Promise<ProductKit> {
  const original = join(dir, "product");
  const update = join(dir, "update");
  const tools = join(dir, "tools");
  for (const d of [original, update, tools]) await mkdir(d, { recursive: true });
  const dll = (where: string, name: string, a: PeArch, version: string) =>
    buildVersionedPe(where, { name, arch: a, version, dll: true, source: "int x;\n" });
  const [runner, svcctl] = await Promise.all([
    buildPe(tools, { name: "runner.exe", arch, source: RUNNER_SOURCE }),
    buildSvcctl(tools, arch),
    buildServiceProgram(original, "fakesvc.exe", arch, SERVICE),
    buildVersionedPe(original, { name: "product.exe", arch, version: OLD_VERSION }),
  ]);
  const layout: Array<[string, string, PeArch, string]> = [
    ["", "core.dll", arch, OLD_VERSION],
    ["lib", "held.dll", arch, OLD_VERSION],
    ["x64", "perf.dll", "x64", OLD_VERSION],
    ["data", "keep.dll", arch, NEWER_VERSION],
  ];
  await Promise.all(
    layout.map(async ([sub, name, a, v]) => {
      await mkdir(join(original, sub), { recursive: true });
      await mkdir(join(update, sub), { recursive: true });
      await dll(join(original, sub), name, a, v);
      await dll(join(update, sub), name, a, NEW_VERSION);
    }),
  );
  await mkdir(join(update, "new"), { recursive: true });
  await dll(join(update, "new"), "added.dll", arch, NEW_VERSION);
  await writeFile(join(original, "readme.txt"), "old readme\r\n");
  await writeFile(join(update, "readme.txt"), "new readme, not backed up\r\n");
  // Only the built binaries stay (buildPe leaves its .c, .rc and .o files beside them).
  for (const d of [original, update]) await pruneSources(d);
  return { original, update, runner, svcctl };
}

async function pruneSources(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && /\.(c|rc|o)$/.test(e.name)) await rm(join(e.parentPath, e.name));
  }
}

/** Lay the product's files out at `unixDir` (the prefix's C:\CwProduct), replacing what is there. */
export async function layProduct(kit: ProductKit, unixDir: string): Promise<void> {
  await rm(unixDir, { recursive: true, force: true });
  await cp(kit.original, unixDir, { recursive: true });
}

export interface RollupOptions {
  readonly is64: boolean;
  readonly services?: boolean;
  /** Accepted installed versions (default [10.2.0.0, 10.3.0.0)). */
  readonly accept?: InstallPlan["product"]["accept"];
  /** Where the install folder is recorded (default the product key's InstalledPath, 32-bit view). */
  readonly locationKey?: string;
  /** Read the installed version from the registry value Version instead of product.exe. */
  readonly versionFromRegistry?: boolean;
  /** readme.txt is not backed up (default), so neither rollback nor removal restores it. */
  readonly backupReadme?: boolean;
  /** Extra files after the normal ones (for failures injected half-way). */
  readonly extraFiles?: readonly PlanFile[];
}

const file = (source: string, extra: Partial<PlanFile> = {}): PlanFile => ({
  source,
  dest: source,
  version: NEW_VERSION,
  only64: false,
  noDowngrade: true,
  backup: true,
  isNew: false,
  ...extra,
});

/** The test rollup's plan over the fake product. */
export function rollupPlan(o: RollupOptions): InstallPlan {
  return {
    format: "cabwright.plan/1",
    package: {
      name: "cw-test-rollup",
      title: "Test rollup for the cabwright test product",
      version: NEW_VERSION,
      kb: "999001",
      company: "cabwright tests",
      restart: "not-required",
    },
    product: {
      name: "cabwright test product",
      location: {
        kind: "registry",
        ref: {
          root: "HKLM",
          view: "32",
          key: o.locationKey ?? PRODUCT_KEY,
          value: "InstalledPath",
        },
      },
      version: o.versionFromRegistry
        ? {
            kind: "registry",
            ref: { root: "HKLM", view: "32", key: PRODUCT_KEY, value: "Version" },
          }
        : { kind: "file", path: "product.exe" },
      accept: o.accept ?? [
        { min: "10.2.0.0", minInclusive: true, max: "10.3.0.0", maxInclusive: false },
      ],
      requirement: "Service Pack 2 (>=10.2.0 <10.3.0)",
      is64: o.is64,
    },
    services: o.services === false ? [] : [{ name: SERVICE, timeoutMs: 20000 }],
    processes: [{ image: "cw-never-running.exe", timeoutMs: 1000 }],
    files: [
      file("core.dll"),
      file("lib\\held.dll"),
      file("x64\\perf.dll", { only64: true }),
      file("data\\keep.dll"),
      file("new\\added.dll", { isNew: true }),
      file("readme.txt", { version: undefined, backup: o.backupReadme ?? false }),
      ...(o.extraFiles ?? []),
    ],
    identity: {
      updateId: UPDATE_ID,
      productEntry: {
        root: "HKLM",
        view: "32",
        key: `${PRODUCT_KEY}\\Updates\\${UPDATE_ID}`,
        values: { PackageVersion: NEW_VERSION, Description: "Test rollup" },
      },
      arp: {
        keyName: UPDATE_ID,
        values: {
          DisplayName: "Test rollup for the cabwright test product (KB999001)",
          DisplayVersion: NEW_VERSION,
          Publisher: "cabwright tests",
          ParentKeyName: "CabwrightTestProduct",
          ParentDisplayName: "cabwright test product",
          ReleaseType: "Hotfix",
          NoModify: 1,
          NoRepair: 1,
        },
      },
    },
  };
}
