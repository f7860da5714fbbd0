/**
 * Real PE files for the stamp tests, built at test time with mingw-w64 (and windres for
 * resources), plus a throwaway code-signing certificate made with openssl.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildPe, type PeArch, run, which } from "./peers.js";

export const HELLO_C = `#include <stdio.h>
int main(int argc, char **argv) { printf("hello from %d args\\n", argc); return 7; }
`;

export const DLL_C = `__declspec(dllexport) int answer(void) { return 42; }
`;

/** Loads a DLL by path and calls its `answer` export: proves a stamped DLL still works. */
export const LOADER_C = `#include <windows.h>
#include <stdio.h>
int wmain(int argc, wchar_t **argv) {
  HMODULE m = LoadLibraryW(argv[1]);
  if (!m) { printf("LoadLibrary failed: %lu\\n", GetLastError()); return 2; }
  int (*answer)(void) = (int (*)(void))GetProcAddress(m, "answer");
  if (!answer) return 3;
  printf("answer=%d\\n", answer());
  return 0;
}
`;

/**
 * Prints what Windows' own version API (GetFileVersionInfoW / VerQueryValueW) reads from a
 * file: the fixed FileVersion, then FileVersion and CompanyName of the first translation.
 */
export const VERQUERY_C = `#include <windows.h>
#include <stdio.h>
int wmain(int argc, wchar_t **argv) {
  for (int i = 1; i < argc; i++) {
    DWORD h = 0, n = GetFileVersionInfoSizeW(argv[i], &h);
    if (!n) { printf("%ls: no version info\\n", argv[i]); return 3; }
    void *buf = malloc(n);
    if (!GetFileVersionInfoW(argv[i], 0, n, buf)) return 4;
    VS_FIXEDFILEINFO *ffi; UINT len;
    if (!VerQueryValueW(buf, L"\\\\", (void **)&ffi, &len)) return 5;
    struct { WORD lang, cp; } *tr;
    if (!VerQueryValueW(buf, L"\\\\VarFileInfo\\\\Translation", (void **)&tr, &len)) return 6;
    wchar_t key[128]; wchar_t *fv = L"?", *co = L"?";
    swprintf(key, 128, L"\\\\StringFileInfo\\\\%04x%04x\\\\FileVersion", tr->lang, tr->cp);
    VerQueryValueW(buf, key, (void **)&fv, &len);
    swprintf(key, 128, L"\\\\StringFileInfo\\\\%04x%04x\\\\CompanyName", tr->lang, tr->cp);
    VerQueryValueW(buf, key, (void **)&co, &len);
    printf("%d.%d.%d.%d|%ls|%ls\\n", HIWORD(ffi->dwFileVersionMS), LOWORD(ffi->dwFileVersionMS),
      HIWORD(ffi->dwFileVersionLS), LOWORD(ffi->dwFileVersionLS), fv, co);
    free(buf);
  }
  return 0;
}
`;

/** A VERSIONINFO block in .rc syntax with one string table `block` (e.g. "040904E4"). */
export function versionRc(block: string, version: string, company: string): string {
  const commas = version.split(".").join(",");
  const lang = Number.parseInt(block.slice(0, 4), 16);
  const cp = Number.parseInt(block.slice(4), 16);
  return `1 VERSIONINFO
FILEVERSION ${commas}
PRODUCTVERSION ${commas}
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "${block}"
    BEGIN
      VALUE "CompanyName", "${company}"
      VALUE "FileDescription", "fixture"
      VALUE "FileVersion", "${version}"
      VALUE "ProductVersion", "${version}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x${lang.toString(16)}, ${cp}
  END
END
`;
}

/** An .rc with a string table and a custom RCDATA resource (other resources to keep). */
export const OTHER_RESOURCES_RC = `STRINGTABLE
BEGIN
  101 "a string resource that must survive"
END
200 RCDATA { "raw payload bytes", 0x1234 }
`;

/** Build a program or DLL with resources compiled from `rc` by windres. */
export async function buildPeWithRc(
  dir: string,
  opts: { name: string; arch: PeArch; source: string; rc: string; dll?: boolean; strip?: boolean },
): Promise<string> {
  const windresName =
    opts.arch === "x64" ? "x86_64-w64-mingw32-windres" : "i686-w64-mingw32-windres";
  const windres = which(windresName);
  if (!windres) {
    throw new Error(
      `test needs \`${windresName}\`: install the Debian package binutils-mingw-w64-${opts.arch === "x64" ? "x86-64" : "i686"}`,
    );
  }
  const rc = join(dir, `${opts.name}.rc`);
  const obj = join(dir, `${opts.name}.res.o`);
  await writeFile(rc, opts.rc);
  const r = await run(windres, [rc, "-O", "coff", "-o", obj]);
  if (r.code !== 0) throw new Error(`windres ${opts.name} failed:\n${r.stderr}`);
  return buildPe(dir, { ...opts, extraArgs: [obj] });
}

/** A throwaway self-signed code-signing certificate and key (PEM), made with openssl. */
export async function makeTestCertificate(
  dir: string,
  password?: string,
): Promise<{ cert: string; key: string }> {
  const openssl = which("openssl");
  if (!openssl) throw new Error("test needs `openssl`: install the Debian package openssl");
  const cert = join(dir, "test-cert.pem");
  const key = join(dir, "test-key.pem");
  const r = await run(openssl, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    ...(password === undefined ? ["-nodes"] : ["-passout", `pass:${password}`]),
    "-days",
    "2",
    "-subj",
    "/CN=cabwright test signer",
    "-addext",
    "extendedKeyUsage=codeSigning",
    "-keyout",
    key,
    "-out",
    cert,
  ]);
  if (r.code !== 0) throw new Error(`openssl failed:\n${r.stderr}`);
  return { cert, key };
}
