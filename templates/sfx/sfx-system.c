/*
 * What the install engine asks Windows: registry values in the 32- or 64-bit view,
 * versions (strings and VS_FIXEDFILEINFO), known folders, services, processes, pending
 * renames and the restart. advapi32 is imported (a KnownDLL); version.dll is loaded by its
 * full System32 path, as cabinet.dll is.
 */
#include "sfx.h"
#include <shlobj.h>
#include <tlhelp32.h>

#define SESSION_MANAGER L"SYSTEM\\CurrentControlSet\\Control\\Session Manager"
#define PENDING_RENAMES L"PendingFileRenameOperations"

REGSAM view_sam(BYTE view) { return view == 32 ? KEY_WOW64_32KEY : KEY_WOW64_64KEY; }

/* A REG_SZ or REG_EXPAND_SZ value (expanded); NULL and *err when it cannot be read. */
WCHAR *reg_read_sz(const RegRef *r, DWORD *err) {
  HKEY k;
  DWORD type = 0, bytes = 0;
  *err = RegOpenKeyExW(HKEY_LOCAL_MACHINE, r->key, 0, KEY_QUERY_VALUE | view_sam(r->view), &k);
  if (*err) return NULL;
  WCHAR *s = NULL;
  *err = RegQueryValueExW(k, r->value, NULL, &type, NULL, &bytes);
  if (!*err && type != REG_SZ && type != REG_EXPAND_SZ) *err = ERROR_INVALID_DATATYPE;
  if (!*err && bytes < 0x100000) {
    s = xalloc(bytes + 2 * sizeof(WCHAR));
    *err = RegQueryValueExW(k, r->value, NULL, &type, (BYTE *)s, &bytes);
  }
  RegCloseKey(k);
  if (*err || !s) {
    xfree(s);
    if (!*err) *err = ERROR_INVALID_DATA;
    return NULL;
  }
  if (type == REG_EXPAND_SZ) {
    DWORD n = ExpandEnvironmentStringsW(s, NULL, 0);
    WCHAR *e = xalloc((n + 1) * sizeof(WCHAR));
    ExpandEnvironmentStringsW(s, e, n + 1);
    xfree(s);
    s = e;
  }
  return s;
}

int reg_key_exists(BYTE view, const WCHAR *key) {
  HKEY k;
  if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, key, 0, KEY_QUERY_VALUE | view_sam(view), &k)) return 0;
  RegCloseKey(k);
  return 1;
}

/* Delete one key (no subkeys) in a view; RegDeleteKeyExW where Windows has it (not 32-bit XP). */
DWORD reg_delete_key(BYTE view, const WCHAR *key) {
  typedef LONG(WINAPI * DelEx)(HKEY, LPCWSTR, REGSAM, DWORD);
  DelEx del = (DelEx)(void (*)(void))GetProcAddress(GetModuleHandleW(L"advapi32.dll"), "RegDeleteKeyExW");
  DWORD e = del ? (DWORD)del(HKEY_LOCAL_MACHINE, key, view_sam(view), 0)
                : (DWORD)RegDeleteKeyW(HKEY_LOCAL_MACHINE, key);
  return e == ERROR_FILE_NOT_FOUND ? 0 : e;
}

DWORD reg_delete_value(BYTE view, const WCHAR *key, const WCHAR *name) {
  HKEY k;
  DWORD e = RegOpenKeyExW(HKEY_LOCAL_MACHINE, key, 0, KEY_SET_VALUE | view_sam(view), &k);
  if (e) return e == ERROR_FILE_NOT_FOUND ? 0 : e;
  e = RegDeleteValueW(k, name);
  RegCloseKey(k);
  return e == ERROR_FILE_NOT_FOUND ? 0 : e;
}

/* "a[.b[.c[.d]]]", each part 0..65535 (missing parts 0); 0 when it is not a version. */
int parse_version(const WCHAR *s, WORD v[4]) {
  int part = 0;
  v[0] = v[1] = v[2] = v[3] = 0;
  while (*s == ' ') s++;
  for (;;) {
    DWORD x = 0, digits = 0;
    while (*s >= '0' && *s <= '9' && digits < 6) x = x * 10 + (DWORD)(*s++ - '0'), digits++;
    if (!digits || x > 65535) return 0;
    v[part++] = (WORD)x;
    if (*s != '.' || part == 4) break;
    s++;
  }
  while (*s == ' ') s++;
  return *s == 0;
}

int cmp_version(const WORD a[4], const WORD b[4]) {
  for (int i = 0; i < 4; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

void wb_version(WBuf *b, const WORD v[4]) {
  for (int i = 0; i < 4; i++) {
    if (i) wb_add(b, L".");
    wb_num(b, v[i]);
  }
}

/* version.dll's three functions, loaded once by full path; 0 when it cannot be loaded. */
typedef DWORD(WINAPI * VerSizeFn)(LPCWSTR, LPDWORD);
typedef BOOL(WINAPI * VerInfoFn)(LPCWSTR, DWORD, DWORD, LPVOID);
typedef BOOL(WINAPI * VerQueryFn)(LPCVOID, LPCWSTR, LPVOID *, PUINT);
static VerQueryFn ver_query;

/* The version resource of `path` (xfree it), or NULL when it has none. */
static void *version_info(const WCHAR *path) {
  static HMODULE ver;
  static VerSizeFn size;
  static VerInfoFn info;
  if (!ver && (ver = load_system_dll(L"version.dll"))) {
    size = (VerSizeFn)(void (*)(void))GetProcAddress(ver, "GetFileVersionInfoSizeW");
    info = (VerInfoFn)(void (*)(void))GetProcAddress(ver, "GetFileVersionInfoW");
    ver_query = (VerQueryFn)(void (*)(void))GetProcAddress(ver, "VerQueryValueW");
  }
  DWORD handle = 0, n = size && info && ver_query ? size(path, &handle) : 0;
  if (!n) return NULL;
  void *data = xalloc(n);
  if (info(path, 0, n, data)) return data;
  xfree(data);
  return NULL;
}

/* The file version of VS_FIXEDFILEINFO; 0 when the file has none. */
int file_version(const WCHAR *path, WORD v[4]) {
  void *data = version_info(path);
  if (!data) return 0;
  VS_FIXEDFILEINFO *ffi = NULL;
  UINT len = 0;
  int ok = ver_query(data, L"\\", (void **)&ffi, &len) && ffi && len >= sizeof *ffi &&
           ffi->dwSignature == 0xFEEF04BD;
  if (ok) {
    v[0] = HIWORD(ffi->dwFileVersionMS);
    v[1] = LOWORD(ffi->dwFileVersionMS);
    v[2] = HIWORD(ffi->dwFileVersionLS);
    v[3] = LOWORD(ffi->dwFileVersionLS);
  }
  xfree(data);
  return ok;
}

/* The strings of `path`'s version resource, in its first language, under these names (each
 * out[i] a copy to xfree, or NULL when absent); 0 when the file has no version resource. */
int version_strings(const WCHAR *path, const WCHAR *const *names, int count, WCHAR **out) {
  for (int i = 0; i < count; i++) out[i] = NULL;
  void *data = version_info(path);
  if (!data) return 0;
  WORD *lang = NULL;
  UINT len = 0;
  if (ver_query(data, L"\\VarFileInfo\\Translation", (void **)&lang, &len) && lang && len >= 4) {
    for (int i = 0; i < count; i++) {
      WBuf key = {0};
      WCHAR *value = NULL;
      UINT chars = 0;
      wb_add(&key, L"\\StringFileInfo\\");
      wb_hex(&key, ((DWORD)lang[0] << 16) | lang[1]);
      wb_add(&key, L"\\");
      wb_add(&key, names[i]);
      if (ver_query(data, key.p, (void **)&value, &chars) && value && chars > 1 && value[0]) {
        WBuf copy = {0};
        wb_add(&copy, value);
        out[i] = copy.p;
      }
      xfree(key.p);
    }
  }
  xfree(data);
  return 1;
}

/* Whether Windows is 64-bit; *wow64: we are a 32-bit program on it. */
int os_is_64(int *wow64) {
  *wow64 = 0;
#ifdef _WIN64
  return 1;
#else
  typedef BOOL(WINAPI * IsWow64Fn)(HANDLE, PBOOL);
  IsWow64Fn f = (IsWow64Fn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "IsWow64Process");
  BOOL w = FALSE;
  if (f && f(GetCurrentProcess(), &w) && w) *wow64 = 1;
  return *wow64;
#endif
}

/* A known folder as the product sees it (a 64-bit product's from a 32-bit engine too). */
WCHAR *known_folder(BYTE id, int wow64, int is64) {
  WCHAR buf[MAX_PATH + 16];
  buf[0] = 0;
  int csidl = id == PLAN_FOLDER_PROGRAM_FILES      ? 0x26 /* CSIDL_PROGRAM_FILES */
              : id == PLAN_FOLDER_PROGRAM_FILES_X86 ? 0x2a /* CSIDL_PROGRAM_FILESX86 */
              : id == PLAN_FOLDER_SYSTEM32          ? 0x25 /* CSIDL_SYSTEM */
                                                    : 0x24; /* CSIDL_WINDOWS */
  if (wow64 && is64 && id == PLAN_FOLDER_PROGRAM_FILES) {
    if (!GetEnvironmentVariableW(L"ProgramW6432", buf, MAX_PATH)) buf[0] = 0;
  } else if (wow64 && is64 && id == PLAN_FOLDER_SYSTEM32) {
    /* The file system redirector maps System32 to SysWOW64 for us: Sysnative is the real one. */
    UINT n = GetSystemWindowsDirectoryW(buf, MAX_PATH);
    if (n && n < MAX_PATH) {
      WBuf b = {0};
      wb_add(&b, buf);
      wb_add(&b, L"\\Sysnative");
      return b.p;
    }
  } else if (SHGetFolderPathW(NULL, csidl, NULL, 0, buf) != S_OK) {
    if (id != PLAN_FOLDER_PROGRAM_FILES_X86 || SHGetFolderPathW(NULL, 0x26, NULL, 0, buf) != S_OK)
      buf[0] = 0;
  }
  if (!buf[0]) return NULL;
  WBuf b = {0};
  wb_add(&b, buf);
  return b.p;
}

/* The service's state (SERVICE_RUNNING...), or 0 when there is no such service. */
DWORD service_state(const WCHAR *name) {
  SC_HANDLE m = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), s;
  SERVICE_STATUS st = {0};
  if (!m) return 0;
  s = OpenServiceW(m, name, SERVICE_QUERY_STATUS);
  DWORD state = s && QueryServiceStatus(s, &st) ? st.dwCurrentState : 0;
  if (s) CloseServiceHandle(s);
  CloseServiceHandle(m);
  return state;
}

/* Stop (start = 0) or start a service and wait until it is so; 0 or the Win32 error
 * (WAIT_TIMEOUT when it did not get there in time). */
DWORD service_control(const WCHAR *name, int start, DWORD timeout) {
  SC_HANDLE m = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT), s = NULL;
  SERVICE_STATUS st = {0};
  DWORD e = 0, want = start ? SERVICE_RUNNING : SERVICE_STOPPED;
  if (!m) return GetLastError();
  s = OpenServiceW(m, name, SERVICE_QUERY_STATUS | SERVICE_START | SERVICE_STOP);
  if (!s) e = GetLastError();
  else if (start ? !StartServiceW(s, 0, NULL) : !ControlService(s, SERVICE_CONTROL_STOP, &st)) {
    e = GetLastError();
    if (e == ERROR_SERVICE_ALREADY_RUNNING || e == ERROR_SERVICE_NOT_ACTIVE) e = 0;
  }
  for (DWORD waited = 0; !e; waited += 100) {
    if (!QueryServiceStatus(s, &st)) e = GetLastError();
    else if (st.dwCurrentState == want) break;
    else if (start && st.dwCurrentState == SERVICE_STOPPED && waited > 500) e = ERROR_SERVICE_NO_THREAD;
    else if (waited >= timeout) e = WAIT_TIMEOUT;
    else Sleep(100);
  }
  if (s) CloseServiceHandle(s);
  CloseServiceHandle(m);
  return e;
}

/* Wait for every named process to exit; 0, or WAIT_TIMEOUT with the one still running. */
DWORD wait_processes(const Waitable *p, DWORD n, WBuf *why) {
  for (DWORD i = 0; i < n; i++) {
    for (DWORD waited = 0;; waited += 250) {
      int running = 0;
      HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
      PROCESSENTRY32W pe;
      pe.dwSize = sizeof pe;
      if (snap != INVALID_HANDLE_VALUE) {
        for (BOOL ok = Process32FirstW(snap, &pe); ok && !running; ok = Process32NextW(snap, &pe))
          running = lstrcmpiW(pe.szExeFile, p[i].name) == 0;
        CloseHandle(snap);
      }
      if (!running) break;
      if (waited >= p[i].timeout) {
        wb_add(why, p[i].name);
        return WAIT_TIMEOUT;
      }
      Sleep(250);
    }
  }
  return 0;
}

/* Remove the delayed renames whose source is `staged` (or, with `under`, is inside the
 * folder `staged`) from PendingFileRenameOperations. */
DWORD pending_cancel(const WCHAR *staged, int under) {
  HKEY k;
  DWORD type = 0, bytes = 0;
  DWORD e = RegOpenKeyExW(HKEY_LOCAL_MACHINE, SESSION_MANAGER, 0, KEY_QUERY_VALUE | KEY_SET_VALUE, &k);
  if (e) return e;
  e = RegQueryValueExW(k, PENDING_RENAMES, NULL, &type, NULL, &bytes);
  if (e || type != REG_MULTI_SZ) {
    RegCloseKey(k);
    return 0;
  }
  DWORD units = bytes / sizeof(WCHAR);
  WCHAR *in = xalloc((units + 2) * sizeof(WCHAR)), *out = xalloc((units + 2) * sizeof(WCHAR));
  e = RegQueryValueExW(k, PENDING_RENAMES, NULL, &type, (BYTE *)in, &bytes);
  DWORD o = 0, removed = 0;
  /* Pairs of strings: "\??\source", then the target ("" to delete; "!" + name to replace). */
  for (DWORD i = 0; !e && i < units && in[i];) {
    DWORD a = i, an = wlen(in + a), b = a + an + 1, bn = b < units ? wlen(in + b) : 0;
    i = b + bn + 1;
    const WCHAR *src = in + a;
    if (an > 4 && src[0] == '\\' && src[1] == '?' && src[2] == '?' && src[3] == '\\') src += 4;
    DWORD sn = wlen(staged), n = wlen(src);
    int match = lstrcmpiW(src, staged) == 0;
    if (!match && under && n > sn && src[sn] == '\\') {
      WCHAR *head = xalloc((sn + 1) * sizeof(WCHAR));
      memcpy(head, src, sn * sizeof(WCHAR));
      match = lstrcmpiW(head, staged) == 0;
      xfree(head);
    }
    if (match) {
      removed++;
      continue;
    }
    memcpy(out + o, in + a, (an + 1 + bn + 1) * sizeof(WCHAR));
    o += an + 1 + bn + 1;
  }
  if (!e && removed) {
    out[o++] = 0;
    e = o > 1 ? RegSetValueExW(k, PENDING_RENAMES, 0, REG_MULTI_SZ, (BYTE *)out, o * sizeof(WCHAR))
              : RegDeleteValueW(k, PENDING_RENAMES);
  }
  xfree(in);
  xfree(out);
  RegCloseKey(k);
  return e;
}

/* Restart Windows now (SeShutdownPrivilege first); 1 when it was started. */
int request_restart(void) {
  HANDLE tok;
  TOKEN_PRIVILEGES tp = {0};
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &tok)) {
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    if (LookupPrivilegeValueW(NULL, L"SeShutdownPrivilege", &tp.Privileges[0].Luid))
      AdjustTokenPrivileges(tok, FALSE, &tp, 0, NULL, NULL);
    CloseHandle(tok);
  }
  /* SHTDN_REASON_MAJOR_APPLICATION | MINOR_HOTFIX | FLAG_PLANNED */
  return ExitWindowsEx(EWX_REBOOT, 0x00040000 | 0x00000011 | 0x80000000) != 0;
}

/* Whether two files hold the same bytes. */
int same_bytes(const WCHAR *a, const WCHAR *b) {
  HANDLE ha = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                          OPEN_EXISTING, 0, NULL);
  HANDLE hb = CreateFileW(b, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                          OPEN_EXISTING, 0, NULL);
  int same = ha != INVALID_HANDLE_VALUE && hb != INVALID_HANDLE_VALUE;
  LARGE_INTEGER sa, sb;
  if (same) same = GetFileSizeEx(ha, &sa) && GetFileSizeEx(hb, &sb) && sa.QuadPart == sb.QuadPart;
  u8 *x = same ? xalloc(1 << 16) : NULL, *y = same ? xalloc(1 << 16) : NULL;
  while (same) {
    DWORD na = 0, nb = 0;
    if (!ReadFile(ha, x, 1 << 16, &na, NULL) || !ReadFile(hb, y, 1 << 16, &nb, NULL) || na != nb) same = 0;
    else if (!na) break;
    for (DWORD i = 0; same && i < na; i++) same = x[i] == y[i];
  }
  xfree(x);
  xfree(y);
  if (ha != INVALID_HANDLE_VALUE) CloseHandle(ha);
  if (hb != INVALID_HANDLE_VALUE) CloseHandle(hb);
  return same;
}
