/*
 * cabwright self-extracting stub.
 *
 * A package is this program with a package header and an MS-CAB cabinet appended to its
 * image (see docs/sfx.md for the layout; builder/sfx/constants.ts mirrors every number
 * below). At run time the stub finds the header at the end of its own image (from its
 * section table), checks the header and the cabinet's CRC-32, extracts the cabinet with
 * cabinet.dll's FDI into a fresh temporary folder, runs the package's entry command there,
 * removes the folder and returns the entry command's exit code.
 *
 * Built without the C runtime (no startup files, no msvcrt): only kernel32, user32,
 * shell32 and cabinet are imported. Wide-character Win32 API throughout.
 */
#define WIN32_LEAN_AND_MEAN
#define UNICODE
#define _UNICODE
#include <windows.h>
#include <shellapi.h>
#include <fdi.h>

#ifndef ERROR_ELEVATION_REQUIRED
#define ERROR_ELEVATION_REQUIRED 740
#endif

typedef unsigned char u8;

/* ---- package header (docs/sfx.md, builder/sfx/constants.ts) ---------------------- */
#define SFX_HEADER_SIZE 40
#define SFX_VERSION 1
#define SFX_MAX_COMMAND_BYTES 2048 /* 1024 UTF-16 code units */
#define SFX_MAX_ARGS_BYTES 16384   /* 8192 UTF-16 code units */
#define CAB_HEADER_MIN 36          /* CFHEADER without reserve fields */
#define CAB_MAX_SIZE 0x7fffffffu   /* FDI seeks with signed 32-bit offsets */
static const u8 SFX_MAGIC[8] = {'C', 'W', 'S', 'F', 'X', '\r', '\n', 0x1a};

/* ---- exit codes of the stub itself (the entry command's own pass through) ------------ */
#define EXIT_OK 0
#define EXIT_DAMAGED 13    /* ERROR_INVALID_DATA: package damaged, truncated or unsafe */
#define EXIT_BAD_SWITCH 87 /* ERROR_INVALID_PARAMETER: unknown switch or bad value */
#define EXIT_FAILED 1603   /* ERROR_INSTALL_FAILURE: could not extract or start the command */

#define SEEK_SET_ 0
#define SEEK_CUR_ 1
#define SEEK_END_ 2

/* ---- no C runtime: the two functions the compiler may call on its own ---------------- */
void *memset(void *dst, int c, size_t n) {
  u8 *d = dst;
  while (n--) *d++ = (u8)c;
  return dst;
}
void *memcpy(void *dst, const void *src, size_t n) {
  u8 *d = dst;
  const u8 *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

static HANDLE g_heap;

static void fatal_oom(void) { ExitProcess(EXIT_FAILED); }

static void *xalloc(SIZE_T n) {
  void *p = HeapAlloc(g_heap, HEAP_ZERO_MEMORY, n ? n : 1);
  if (!p) fatal_oom();
  return p;
}
static void xfree(void *p) {
  if (p) HeapFree(g_heap, 0, p);
}

/* ---- wide strings --------------------------------------------------------------------- */
static DWORD wlen(const WCHAR *s) {
  DWORD n = 0;
  while (s[n]) n++;
  return n;
}
static WCHAR wlower(WCHAR c) { return (c >= 'A' && c <= 'Z') ? (WCHAR)(c + 32) : c; }
/* Case-insensitive (ASCII) equality of s[0..n) with the NUL-terminated lit. */
static int wieq(const WCHAR *s, DWORD n, const WCHAR *lit) {
  DWORD i = 0;
  for (; i < n && lit[i]; i++)
    if (wlower(s[i]) != wlower(lit[i])) return 0;
  return i == n && !lit[i];
}

typedef struct {
  WCHAR *p;
  DWORD len, cap;
} WBuf;

static void wb_addn(WBuf *b, const WCHAR *s, DWORD n) {
  if (b->len + n + 1 > b->cap) {
    DWORD cap = (b->len + n + 1) * 2 + 64;
    WCHAR *p = xalloc(cap * sizeof(WCHAR));
    if (b->p) memcpy(p, b->p, b->len * sizeof(WCHAR));
    xfree(b->p);
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n * sizeof(WCHAR));
  b->len += n;
  b->p[b->len] = 0;
}
static void wb_add(WBuf *b, const WCHAR *s) { wb_addn(b, s, wlen(s)); }
static void wb_num(WBuf *b, ULONGLONG v) {
  WCHAR t[24];
  int i = 24;
  do {
    t[--i] = (WCHAR)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  wb_addn(b, t + i, 24 - i);
}
static void wb_hex(WBuf *b, DWORD v) {
  WCHAR t[8];
  for (int i = 7; i >= 0; i--, v >>= 4) t[i] = L"0123456789abcdef"[v & 15];
  wb_addn(b, t, 8);
}
/* Append one argument quoted so that CommandLineToArgvW gives it back unchanged. */
static void wb_arg(WBuf *b, const WCHAR *a) {
  int plain = a[0] != 0;
  for (const WCHAR *p = a; *p; p++)
    if (*p == ' ' || *p == '\t' || *p == '"') plain = 0;
  if (plain) {
    wb_add(b, a);
    return;
  }
  wb_add(b, L"\"");
  for (const WCHAR *p = a;; p++) {
    DWORD slashes = 0;
    while (*p == '\\') p++, slashes++;
    DWORD reps = !*p ? slashes * 2 : *p == '"' ? slashes * 2 + 1 : slashes;
    while (reps--) wb_add(b, L"\\");
    if (!*p) break;
    wb_addn(b, p, 1);
  }
  wb_add(b, L"\"");
}

/* ---- state ---------------------------------------------------------------------------- */
static struct {
  int quiet, passive, norestart, help;
  const WCHAR *extractDir; /* /x:DIR */
  const WCHAR *logPath;    /* /log:FILE */
  const WCHAR **passArgs;  /* after "--" */
  int passCount;
  HANDLE log;
  int consoleTried;
  HANDLE out, err;
  WCHAR *selfPath;
  const WCHAR *selfName;
  HWND window;
  WCHAR progressText[300];
  DWORD progressDone, progressTotal;
  WCHAR *error; /* set by the FDI callbacks before they abort */
  int errorCode;
} g;

/* ---- output: log, console or message box ---------------------------------------------- */
static void write_utf8(HANDLE h, const WCHAR *s, DWORD n) {
  DWORD done;
  int bytes = WideCharToMultiByte(CP_UTF8, 0, s, (int)n, NULL, 0, NULL, NULL);
  if (bytes <= 0) return;
  char *u = xalloc(bytes);
  WideCharToMultiByte(CP_UTF8, 0, s, (int)n, u, bytes, NULL, NULL);
  WriteFile(h, u, (DWORD)bytes, &done, NULL);
  xfree(u);
}

static void write_text(HANDLE h, const WCHAR *s) {
  DWORD mode, done, n = wlen(s);
  if (GetConsoleMode(h, &mode)) {
    WriteConsoleW(h, s, n, &done, NULL);
    WriteConsoleW(h, L"\r\n", 2, &done, NULL);
  } else {
    write_utf8(h, s, n);
    write_utf8(h, L"\r\n", 2);
  }
}

static HANDLE usable(HANDLE h) { return (h == INVALID_HANDLE_VALUE) ? NULL : h; }

/* Standard handles when the caller gave any (redirected or a console), else the parent's
 * console when there is one (run from cmd), else none (run from Explorer: message boxes). */
static void find_console(void) {
  if (g.consoleTried) return;
  g.consoleTried = 1;
  g.out = usable(GetStdHandle(STD_OUTPUT_HANDLE));
  g.err = usable(GetStdHandle(STD_ERROR_HANDLE));
  if (!g.out && !g.err && AttachConsole(ATTACH_PARENT_PROCESS)) {
    HANDLE c = usable(CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE,
                                  FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL));
    g.out = g.err = c;
  }
  if (!g.out) g.out = g.err;
  if (!g.err) g.err = g.out;
}

static void log_line(const WCHAR *level, const WCHAR *text) {
  if (!g.log) return;
  SYSTEMTIME t;
  WCHAR stamp[40];
  GetLocalTime(&t);
  wsprintfW(stamp, L"%04u-%02u-%02u %02u:%02u:%02u ", t.wYear, t.wMonth, t.wDay, t.wHour,
            t.wMinute, t.wSecond);
  WBuf b = {0};
  wb_add(&b, stamp);
  wb_add(&b, level);
  wb_add(&b, text);
  wb_add(&b, L"\r\n");
  write_utf8(g.log, b.p, b.len);
  xfree(b.p);
}

static void destroy_progress(void);

/* A message for the user: always logged; shown unless /quiet (and, for /passive, only
 * when a console is there to take it: passive mode opens no message box). */
static void say(int isError, const WCHAR *text) {
  log_line(isError ? L"error: " : L"", text);
  if (g.quiet) return;
  find_console();
  HANDLE h = isError ? g.err : g.out;
  if (h) {
    write_text(h, text);
  } else if (!g.passive) {
    destroy_progress();
    MessageBoxW(NULL, text, g.selfName ? g.selfName : L"Setup",
                MB_OK | (isError ? MB_ICONERROR : MB_ICONINFORMATION));
  }
}

static void say2(int isError, const WCHAR *a, const WCHAR *b) {
  WBuf m = {0};
  wb_add(&m, a);
  wb_add(&m, b);
  say(isError, m.p);
  xfree(m.p);
}

/* The system's text for a Win32 error code, as " (text)". */
static void wb_syserr(WBuf *b, DWORD code) {
  WCHAR *msg = NULL;
  DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                               FORMAT_MESSAGE_IGNORE_INSERTS,
                           NULL, code, 0, (WCHAR *)&msg, 0, NULL);
  while (n && (msg[n - 1] == '\r' || msg[n - 1] == '\n' || msg[n - 1] == '.')) msg[--n] = 0;
  wb_add(b, L" (error ");
  wb_num(b, code);
  if (n) {
    wb_add(b, L": ");
    wb_add(b, msg);
  }
  wb_add(b, L")");
  if (msg) LocalFree(msg);
}

/* ---- progress window (user32 only: a caption, a line of text and a drawn bar) -------- */
static LRESULT CALLBACK progress_proc(HWND w, UINT m, WPARAM wp, LPARAM lp) {
  if (m == WM_PAINT) {
    PAINTSTRUCT ps;
    RECT r, t, bar;
    HDC dc = BeginPaint(w, &ps);
    GetClientRect(w, &r);
    t = r;
    t.left += 16;
    t.right -= 16;
    t.top += 12;
    t.bottom = t.top + 24;
    DrawTextW(dc, g.progressText, -1, &t, DT_SINGLELINE | DT_PATH_ELLIPSIS | DT_NOPREFIX);
    bar = t;
    bar.top = t.bottom + 8;
    bar.bottom = bar.top + 18;
    FrameRect(dc, &bar, GetSysColorBrush(COLOR_WINDOWFRAME));
    if (g.progressTotal) {
      RECT f = bar;
      InflateRect(&f, -2, -2);
      LONG width = f.right - f.left;
      f.right = f.left + (LONG)((ULONGLONG)width * g.progressDone / g.progressTotal);
      FillRect(dc, &f, GetSysColorBrush(COLOR_HIGHLIGHT));
    }
    EndPaint(w, &ps);
    return 0;
  }
  if (m == WM_CLOSE) return 0; /* extraction cannot be interrupted half way */
  return DefWindowProcW(w, m, wp, lp);
}

static void pump(void) {
  MSG msg;
  while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
    TranslateMessage(&msg);
    DispatchMessageW(&msg);
  }
}

static void show_progress(void) {
  if (g.quiet) return;
  WNDCLASSW wc = {0};
  wc.lpfnWndProc = progress_proc;
  wc.hInstance = GetModuleHandleW(NULL);
  wc.hCursor = LoadCursorW(NULL, (LPCWSTR)IDC_WAIT);
  wc.hbrBackground = (HBRUSH)(COLOR_WINDOW + 1);
  wc.lpszClassName = L"CabwrightSfxProgress";
  RegisterClassW(&wc);
  int cx = 440, cy = 120;
  g.window = CreateWindowExW(0, wc.lpszClassName, g.selfName, WS_POPUP | WS_CAPTION | WS_SYSMENU,
                             (GetSystemMetrics(SM_CXSCREEN) - cx) / 2,
                             (GetSystemMetrics(SM_CYSCREEN) - cy) / 2, cx, cy, NULL, NULL,
                             wc.hInstance, NULL);
  if (g.window) {
    ShowWindow(g.window, SW_SHOWNORMAL);
    UpdateWindow(g.window);
    pump();
  }
}

static void set_progress(const WCHAR *text, DWORD done, DWORD total) {
  if (!g.window) return;
  if (text) {
    DWORD n = wlen(text);
    if (n >= 299) n = 299;
    memcpy(g.progressText, text, n * sizeof(WCHAR));
    g.progressText[n] = 0;
  }
  g.progressDone = done;
  g.progressTotal = total;
  InvalidateRect(g.window, NULL, TRUE);
  UpdateWindow(g.window);
  pump();
}

static void destroy_progress(void) {
  if (g.window) {
    DestroyWindow(g.window);
    g.window = NULL;
    pump();
  }
}

/* ---- CRC-32 (IEEE 802.3, reflected, as zlib's crc32) --------------------------------- */
static DWORD crc_table[256];
static void crc_init(void) {
  for (DWORD i = 0; i < 256; i++) {
    DWORD c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}
static DWORD crc_update(DWORD crc, const u8 *p, DWORD n) {
  crc = ~crc;
  while (n--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

/* ---- reading our own file -------------------------------------------------------------- */
static DWORD le32(const u8 *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((DWORD)p[3] << 24); }
static WORD le16(const u8 *p) { return (WORD)(p[0] | (p[1] << 8)); }

static HANDLE open_self(void) {
  return CreateFileW(g.selfPath, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL,
                     OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_SEQUENTIAL_SCAN, NULL);
}

/* Read up to n bytes at an absolute offset; returns the count read. */
static DWORD read_at(HANDLE h, ULONGLONG off, void *buf, DWORD n) {
  OVERLAPPED o = {0};
  DWORD got = 0;
  o.Offset = (DWORD)off;
  o.OffsetHigh = (DWORD)(off >> 32);
  if (!ReadFile(h, buf, n, &got, &o)) return 0;
  return got;
}

typedef struct {
  ULONGLONG cabOffset; /* absolute, in our own file */
  DWORD cabSize;
  WORD cabFiles;
  WCHAR *command; /* NULL: extract only */
  WCHAR *args;
} Package;

/* Where the image ends (the end of the last section's raw data) and where the
 * Authenticode certificate table starts (0 when unsigned), from our own headers. */
static ULONGLONG image_end(ULONGLONG *certOffset) {
  u8 *base = (u8 *)GetModuleHandleW(NULL);
  IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + ((IMAGE_DOS_HEADER *)base)->e_lfanew);
  IMAGE_SECTION_HEADER *s = IMAGE_FIRST_SECTION(nt);
  ULONGLONG end = nt->OptionalHeader.SizeOfHeaders;
  for (WORD i = 0; i < nt->FileHeader.NumberOfSections; i++) {
    ULONGLONG e = (ULONGLONG)s[i].PointerToRawData + s[i].SizeOfRawData;
    if (s[i].SizeOfRawData && e > end) end = e;
  }
  IMAGE_DATA_DIRECTORY *d = &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_SECURITY];
  *certOffset = (nt->OptionalHeader.NumberOfRvaAndSizes > IMAGE_DIRECTORY_ENTRY_SECURITY &&
                 d->VirtualAddress && d->Size)
                    ? d->VirtualAddress
                    : 0;
  return end;
}

static WCHAR *read_utf16(HANDLE h, ULONGLONG off, DWORD bytes) {
  WCHAR *s = xalloc(bytes + sizeof(WCHAR));
  if (bytes && read_at(h, off, s, bytes) != bytes) {
    xfree(s);
    return NULL;
  }
  return s;
}

static int damaged(const WCHAR *what) {
  say2(1, L"This package is damaged: ", what);
  return EXIT_DAMAGED;
}

/* Find the package header after our image, check it and the cabinet's CRC-32. */
static int load_package(Package *pkg) {
  ULONGLONG cert, end = image_end(&cert), fileSize, limit;
  LARGE_INTEGER li;
  u8 hdr[SFX_HEADER_SIZE];
  WBuf m = {0};
  HANDLE h = open_self();
  if (h == INVALID_HANDLE_VALUE) {
    wb_add(&m, L"Cannot read the package ");
    wb_add(&m, g.selfPath);
    wb_syserr(&m, GetLastError());
    say(1, m.p);
    return EXIT_FAILED;
  }
  GetFileSizeEx(h, &li);
  fileSize = (ULONGLONG)li.QuadPart;
  limit = (cert && cert <= fileSize) ? cert : fileSize;
  int rc = EXIT_OK;
  if (end + SFX_HEADER_SIZE > limit || read_at(h, end, hdr, SFX_HEADER_SIZE) != SFX_HEADER_SIZE) {
    rc = damaged(L"it holds no cabinet after the program (it was cut short, or is the bare stub).");
    goto done;
  }
  for (int i = 0; i < 8; i++)
    if (hdr[i] != SFX_MAGIC[i]) {
      rc = damaged(L"the package header after the program is missing or overwritten.");
      goto done;
    }
  if (crc_update(0, hdr, 36) != le32(hdr + 36)) {
    rc = damaged(L"the package header's checksum does not match.");
    goto done;
  }
  DWORD cmdBytes = le32(hdr + 16), argBytes = le32(hdr + 20), cabRel = le32(hdr + 24);
  pkg->cabSize = le32(hdr + 28);
  DWORD wantCrc = le32(hdr + 32);
  DWORD stringsEnd = SFX_HEADER_SIZE + cmdBytes + argBytes;
  if (le16(hdr + 8) != SFX_VERSION || le16(hdr + 10) != SFX_HEADER_SIZE || le32(hdr + 12) != 0) {
    rc = damaged(L"the package header has an unknown version (made by a newer cabwright?).");
    goto done;
  }
  if ((cmdBytes | argBytes) & 1 || cmdBytes > SFX_MAX_COMMAND_BYTES ||
      argBytes > SFX_MAX_ARGS_BYTES || cabRel != ((stringsEnd + 7) & ~7u) ||
      pkg->cabSize < CAB_HEADER_MIN || pkg->cabSize > CAB_MAX_SIZE) {
    rc = damaged(L"the package header's sizes are inconsistent.");
    goto done;
  }
  pkg->cabOffset = end + cabRel;
  if (pkg->cabOffset + pkg->cabSize > limit) {
    wb_add(&m, L"it is truncated: the cabinet needs ");
    wb_num(&m, pkg->cabOffset + pkg->cabSize);
    wb_add(&m, L" bytes but the file holds ");
    wb_num(&m, limit);
    wb_add(&m, L". Download the package again.");
    rc = damaged(m.p);
    goto done;
  }
  /* CRC-32 over everything after the fixed header: strings, padding, cabinet. */
  {
    DWORD chunk = 1 << 16, crc = 0, total = cabRel - SFX_HEADER_SIZE + pkg->cabSize, done_ = 0;
    u8 *buf = xalloc(chunk);
    set_progress(L"Checking the package...", 0, total);
    while (done_ < total) {
      DWORD want = total - done_ < chunk ? total - done_ : chunk;
      if (read_at(h, end + SFX_HEADER_SIZE + done_, buf, want) != want) break;
      crc = crc_update(crc, buf, want);
      done_ += want;
      if ((done_ & 0xfffff) == 0) set_progress(NULL, done_, total);
    }
    xfree(buf);
    if (done_ != total) {
      rc = damaged(L"it could not be read to the end.");
      goto done;
    }
    if (crc != wantCrc) {
      wb_add(&m, L"the cabinet's CRC-32 is ");
      wb_hex(&m, crc);
      wb_add(&m, L", expected ");
      wb_hex(&m, wantCrc);
      wb_add(&m, L". Download the package again.");
      rc = damaged(m.p);
      goto done;
    }
  }
  /* The cabinet's own header: "MSCF", reserved 0, cbCabinet equal to the size we hold. */
  u8 cab[CAB_HEADER_MIN];
  if (read_at(h, pkg->cabOffset, cab, CAB_HEADER_MIN) != CAB_HEADER_MIN ||
      le32(cab) != 0x4643534du || le32(cab + 8) != pkg->cabSize || cab[25] != 1) {
    rc = damaged(L"the cabinet header is not valid.");
    goto done;
  }
  pkg->cabFiles = le16(cab + 28);
  if (cmdBytes) {
    pkg->command = read_utf16(h, end + SFX_HEADER_SIZE, cmdBytes);
    pkg->args = read_utf16(h, end + SFX_HEADER_SIZE + cmdBytes, argBytes);
    if (!pkg->command || !pkg->args) rc = damaged(L"its entry command could not be read.");
  }
done:
  CloseHandle(h);
  xfree(m.p);
  return rc;
}

/* ---- names inside the cabinet -------------------------------------------------------- */
static int is_device_name(const WCHAR *c, DWORD n) {
  static const WCHAR *const devices[] = {L"con", L"prn", L"aux", L"nul", L"conin$", L"conout$"};
  DWORD base = 0;
  while (base < n && c[base] != '.') base++;
  for (int i = 0; i < 6; i++)
    if (wieq(c, base, devices[i])) return 1;
  if (base == 4 && (wieq(c, 3, L"com") || wieq(c, 3, L"lpt")) && c[3] >= '0' && c[3] <= '9')
    return 1;
  return 0;
}

/* A relative path that stays inside the folder: "/" becomes "\" in place; no drive, no
 * root, no "." or ".." or empty part, no device name, no character Windows rejects or
 * drops (":" would open an alternate data stream, a trailing dot or space is stripped). */
static int safe_name(WCHAR *n) {
  if (!n[0]) return 0;
  for (WCHAR *p = n; *p; p++)
    if (*p == '/') *p = '\\';
  for (WCHAR *c = n;;) {
    WCHAR *e = c;
    while (*e && *e != '\\') e++;
    DWORD len = (DWORD)(e - c);
    if (!len || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.')) return 0;
    if (c[len - 1] == '.' || c[len - 1] == ' ' || is_device_name(c, len)) return 0;
    for (WCHAR *q = c; q < e; q++) {
      if (*q < 32) return 0;
      for (const WCHAR *bad = L"<>:\"|?*"; *bad; bad++)
        if (*q == *bad) return 0;
    }
    if (!*e) return 1;
    c = e + 1;
  }
}

/* ---- folders ----------------------------------------------------------------------------- */
static int is_dir(const WCHAR *p) {
  DWORD a = GetFileAttributesW(p);
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

/* Create a folder and its parents; 0 on success, else the Win32 error. */
static DWORD make_dirs(WCHAR *p) {
  if (is_dir(p) || CreateDirectoryW(p, NULL)) return 0;
  DWORD e = GetLastError();
  if (e == ERROR_ALREADY_EXISTS) return is_dir(p) ? 0 : e;
  if (e != ERROR_PATH_NOT_FOUND) return e;
  WCHAR *slash = NULL;
  for (WCHAR *q = p; *q; q++)
    if (*q == '\\') slash = q;
  if (!slash || slash == p) return e;
  *slash = 0;
  e = make_dirs(p);
  *slash = '\\';
  if (e) return e;
  return CreateDirectoryW(p, NULL) || GetLastError() == ERROR_ALREADY_EXISTS ? 0 : GetLastError();
}

/* Full path of dir, without a trailing backslash, and its "\\?\" form for long paths. */
static void full_paths(const WCHAR *dir, WCHAR **plain, WCHAR **longForm) {
  DWORD n = GetFullPathNameW(dir, 0, NULL, NULL);
  WCHAR *f = xalloc((n + 1) * sizeof(WCHAR));
  GetFullPathNameW(dir, n + 1, f, NULL);
  n = wlen(f);
  while (n > 3 && f[n - 1] == '\\') f[--n] = 0;
  if (n == 3 && f[2] == '\\') f[--n] = 0; /* "C:\" -> "C:" so that "C:" + "\" + name works */
  WBuf b = {0};
  if (f[0] == '\\' && f[1] == '\\' && (f[2] == '?' || f[2] == '.')) {
    wb_add(&b, f);
  } else if (f[0] == '\\' && f[1] == '\\') {
    wb_add(&b, L"\\\\?\\UNC\\");
    wb_add(&b, f + 2);
  } else {
    wb_add(&b, L"\\\\?\\");
    wb_add(&b, f);
  }
  *plain = f;
  *longForm = b.p;
}

/* Remove a folder and everything in it (read-only files too); best effort. */
static int remove_tree(const WCHAR *dir) {
  WIN32_FIND_DATAW fd;
  WBuf pat = {0};
  wb_add(&pat, dir);
  wb_add(&pat, L"\\*");
  HANDLE f = FindFirstFileW(pat.p, &fd);
  xfree(pat.p);
  if (f != INVALID_HANDLE_VALUE) {
    do {
      const WCHAR *n = fd.cFileName;
      if ((n[0] == '.' && !n[1]) || (n[0] == '.' && n[1] == '.' && !n[2])) continue;
      WBuf c = {0};
      wb_add(&c, dir);
      wb_add(&c, L"\\");
      wb_add(&c, n);
      if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
          !(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
        remove_tree(c.p);
      } else {
        SetFileAttributesW(c.p, FILE_ATTRIBUTE_NORMAL);
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
          RemoveDirectoryW(c.p); /* a junction: remove the link, not its target */
        else
          DeleteFileW(c.p);
      }
      xfree(c.p);
    } while (FindNextFileW(f, &fd));
    FindClose(f);
  }
  SetFileAttributesW(dir, FILE_ATTRIBUTE_NORMAL);
  return RemoveDirectoryW(dir);
}

/* ---- FDI callbacks ------------------------------------------------------------------- */
typedef struct {
  HANDLE h;
  int isCab;
  ULONGLONG base; /* cabinet: its offset in our file */
  LONG size, pos; /* cabinet: size and position relative to base */
  WCHAR *path;    /* extracted file: its path, for attributes after close */
} FH;

static Package *g_pkg;
static WCHAR *g_root; /* "\\?\" form of the extraction folder */
static DWORD g_extracted;
static const char CAB_TOKEN[] = "package.cab";

static FNALLOC(fdi_alloc) { return HeapAlloc(g_heap, 0, cb ? cb : 1); }
static FNFREE(fdi_free) {
  if (pv) HeapFree(g_heap, 0, pv);
}

static FNOPEN(fdi_open) {
  (void)oflag;
  (void)pmode;
  for (int i = 0; i < (int)sizeof(CAB_TOKEN); i++)
    if (pszFile[i] != CAB_TOKEN[i]) return -1; /* FDI opens nothing but the cabinet */
  HANDLE h = open_self();
  if (h == INVALID_HANDLE_VALUE) return -1;
  FH *f = xalloc(sizeof(FH));
  f->h = h;
  f->isCab = 1;
  f->base = g_pkg->cabOffset;
  f->size = (LONG)g_pkg->cabSize;
  return (INT_PTR)f;
}

static FNREAD(fdi_read) {
  FH *f = (FH *)hf;
  if (!f->isCab) return (UINT)-1;
  LONG left = f->size - f->pos;
  if ((LONG)cb > left) cb = left > 0 ? (UINT)left : 0;
  DWORD got = cb ? read_at(f->h, f->base + (ULONGLONG)f->pos, pv, cb) : 0;
  f->pos += (LONG)got;
  return got;
}

static FNWRITE(fdi_write) {
  FH *f = (FH *)hf;
  DWORD done = 0;
  if (f->isCab || !WriteFile(f->h, pv, cb, &done, NULL)) return (UINT)-1;
  return done;
}

static FNCLOSE(fdi_close) {
  FH *f = (FH *)hf;
  if (f->h) CloseHandle(f->h);
  xfree(f->path);
  xfree(f);
  return 0;
}

static FNSEEK(fdi_seek) {
  FH *f = (FH *)hf;
  if (f->isCab) {
    LONG to = seektype == SEEK_SET_ ? dist : seektype == SEEK_CUR_ ? f->pos + dist : f->size + dist;
    if (to < 0) return -1;
    f->pos = to;
    return to;
  }
  return (LONG)SetFilePointer(f->h, dist, NULL, seektype);
}

static int fdi_fail(const WCHAR *what, const WCHAR *name, DWORD sysErr, int code) {
  WBuf m = {0};
  wb_add(&m, what);
  wb_add(&m, name);
  if (sysErr) wb_syserr(&m, sysErr);
  xfree(g.error);
  g.error = m.p;
  g.errorCode = code;
  return -1;
}

static WCHAR *name_from_cab(const char *raw, USHORT attribs) {
  UINT cp = (attribs & _A_NAME_IS_UTF) ? CP_UTF8 : CP_ACP;
  DWORD flags = cp == CP_UTF8 ? MB_ERR_INVALID_CHARS : 0;
  int n = MultiByteToWideChar(cp, flags, raw, -1, NULL, 0);
  if (n <= 0) return NULL;
  WCHAR *w = xalloc(n * sizeof(WCHAR));
  MultiByteToWideChar(cp, flags, raw, -1, w, n);
  return w;
}

static FNFDINOTIFY(fdi_notify) {
  switch (fdint) {
  case fdintCOPY_FILE: {
    WCHAR *name = name_from_cab(pfdin->psz1, pfdin->attribs);
    if (!name) return fdi_fail(L"a file name in the cabinet is not valid UTF-8", L"", 0, EXIT_DAMAGED);
    if (!safe_name(name)) {
      int r = fdi_fail(L"it holds a file name that would leave the extraction folder: ", name, 0,
                       EXIT_DAMAGED);
      xfree(name);
      return r;
    }
    WBuf p = {0};
    wb_add(&p, g_root);
    wb_add(&p, L"\\");
    DWORD rootLen = p.len;
    wb_add(&p, name);
    for (DWORD i = rootLen; i < p.len; i++) /* parent folders, one level at a time */
      if (p.p[i] == '\\') {
        p.p[i] = 0;
        if (!is_dir(p.p)) CreateDirectoryW(p.p, NULL);
        p.p[i] = '\\';
      }
    HANDLE h = CreateFileW(p.p, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_ACCESS_DENIED) {
      SetFileAttributesW(p.p, FILE_ATTRIBUTE_NORMAL); /* a read-only file from an earlier run */
      h = CreateFileW(p.p, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    }
    if (h == INVALID_HANDLE_VALUE) {
      int r = fdi_fail(L"Cannot create ", p.p + 4, GetLastError(), EXIT_FAILED);
      xfree(p.p);
      xfree(name);
      return r;
    }
    set_progress(name, g_extracted, g_pkg->cabFiles);
    log_line(L"extract ", name);
    xfree(name);
    FH *f = xalloc(sizeof(FH));
    f->h = h;
    f->path = p.p;
    return (INT_PTR)f;
  }
  case fdintCLOSE_FILE_INFO: {
    FH *f = (FH *)pfdin->hf;
    FILETIME ft;
    /* Cabinet times are UTC (cabwright writes them so): no local-time conversion. */
    if (DosDateTimeToFileTime(pfdin->date, pfdin->time, &ft)) SetFileTime(f->h, &ft, NULL, &ft);
    CloseHandle(f->h);
    f->h = NULL;
    DWORD attrs = pfdin->attribs & (FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN |
                                    FILE_ATTRIBUTE_SYSTEM | FILE_ATTRIBUTE_ARCHIVE);
    if (attrs) SetFileAttributesW(f->path, attrs);
    fdi_close((INT_PTR)f);
    g_extracted++;
    return TRUE;
  }
  case fdintNEXT_CABINET:
    return fdi_fail(L"its cabinet continues in another cabinet, which a package cannot hold", L"",
                    0, EXIT_DAMAGED);
  default:
    return 0;
  }
}

/* cabinet.dll is not a KnownDLL: imported normally, the loader would take a cabinet.dll
 * planted next to the package (in Downloads, say). Load it by its full system path. */
typedef HFDI(DIAMONDAPI *FdiCreateFn)(PFNALLOC, PFNFREE, PFNOPEN, PFNREAD, PFNWRITE, PFNCLOSE,
                                      PFNSEEK, int, PERF);
typedef BOOL(DIAMONDAPI *FdiCopyFn)(HFDI, char *, char *, int, PFNFDINOTIFY, PFNFDIDECRYPT,
                                    void *);
typedef BOOL(DIAMONDAPI *FdiDestroyFn)(HFDI);
typedef struct {
  FdiCreateFn create;
  FdiCopyFn copy;
  FdiDestroyFn destroy;
} Fdi;

static int load_fdi(Fdi *api) {
  WCHAR path[MAX_PATH + 20];
  UINT n = GetSystemDirectoryW(path, MAX_PATH);
  if (!n || n >= MAX_PATH) return 0;
  memcpy(path + n, L"\\cabinet.dll", 13 * sizeof(WCHAR));
  HMODULE m = LoadLibraryW(path);
  if (!m) return 0;
  api->create = (FdiCreateFn)(void (*)(void))GetProcAddress(m, "FDICreate");
  api->copy = (FdiCopyFn)(void (*)(void))GetProcAddress(m, "FDICopy");
  api->destroy = (FdiDestroyFn)(void (*)(void))GetProcAddress(m, "FDIDestroy");
  return api->create && api->copy && api->destroy;
}

static int extract(Package *pkg, WCHAR *rootLong, const WCHAR *rootPlain) {
  ERF erf = {0};
  DWORD e = make_dirs(rootLong);
  if (e) {
    WBuf m = {0};
    wb_add(&m, L"Cannot create the folder ");
    wb_add(&m, rootPlain);
    wb_syserr(&m, e);
    say(1, m.p);
    xfree(m.p);
    return EXIT_FAILED;
  }
  g_pkg = pkg;
  g_root = rootLong;
  g_extracted = 0;
  Fdi api;
  if (!load_fdi(&api)) {
    say(1, L"Cannot load cabinet.dll from the system folder to extract the package.");
    return EXIT_FAILED;
  }
  HFDI fdi = api.create(fdi_alloc, fdi_free, fdi_open, fdi_read, fdi_write, fdi_close, fdi_seek,
                        cpuUNKNOWN, &erf);
  if (!fdi) {
    say(1, L"Cannot start cabinet extraction (cabinet.dll: FDICreate failed).");
    return EXIT_FAILED;
  }
  BOOL ok = api.copy(fdi, (char *)CAB_TOKEN, "", 0, fdi_notify, NULL, NULL);
  api.destroy(fdi);
  if (ok && g_extracted == pkg->cabFiles) {
    set_progress(NULL, g_extracted, pkg->cabFiles);
    return EXIT_OK;
  }
  if (g.error) {
    if (g.errorCode == EXIT_DAMAGED) return damaged(g.error);
    say(1, g.error);
    return g.errorCode;
  }
  WBuf m = {0};
  wb_add(&m, L"the cabinet could not be extracted (FDI error ");
  wb_num(&m, ok ? 0 : (DWORD)erf.erfOper);
  wb_add(&m, L" after ");
  wb_num(&m, g_extracted);
  wb_add(&m, L" of ");
  wb_num(&m, pkg->cabFiles);
  wb_add(&m, L" files).");
  int rc = damaged(m.p);
  xfree(m.p);
  return rc;
}

/* ---- switches --------------------------------------------------------------------------- */
static const WCHAR USAGE[] =
    L"Usage: %s [/quiet | /passive] [/norestart] [/log:FILE] [/x:DIR] [-- ARGS...]\r\n"
    L"\r\n"
    L"  /x:DIR, /extract:DIR  extract the files to DIR and run nothing\r\n"
    L"  /quiet                show nothing; the exit code and /log tell the result\r\n"
    L"  /passive              show progress only\r\n"
    L"  /norestart            do not restart (passed to the setup command)\r\n"
    L"  /log:FILE             append a log of what happens to FILE\r\n"
    L"  -- ARGS...            pass ARGS to the setup command\r\n"
    L"  /?                    show this help\r\n"
    L"\r\n"
    L"Exit codes: the setup command's own (3010: restart required), or\r\n"
    L"  13 package damaged, 87 bad switch, 1603 extraction or start failed.";

/* A switch "/name" or "/name:value"; *value gets the part after ':' (or NULL). */
static int is_switch(const WCHAR *a, const WCHAR *name, const WCHAR **value) {
  DWORD n = wlen(name);
  if (a[0] != '/') return 0;
  for (DWORD i = 0; i < n; i++)
    if (!a[1 + i] || wlower(a[1 + i]) != wlower(name[i])) return 0;
  WCHAR next = a[1 + n];
  if (value) {
    if (next != ':') return 0;
    *value = a + 2 + n;
    return 1;
  }
  return next == 0;
}

static int bad_switch(const WCHAR *what, const WCHAR *arg) {
  WBuf m = {0};
  wb_add(&m, what);
  wb_add(&m, arg);
  wb_add(&m, L". Run ");
  wb_add(&m, g.selfName);
  wb_add(&m, L" /? for the list of switches.");
  say(1, m.p);
  xfree(m.p);
  return EXIT_BAD_SWITCH;
}

static int parse_args(int argc, WCHAR **argv) {
  /* /quiet first, so that an error about another switch is not shown in a window. */
  for (int i = 1; i < argc && !(argv[i][0] == '-' && argv[i][1] == '-' && !argv[i][2]); i++)
    if (is_switch(argv[i], L"quiet", NULL)) g.quiet = 1;
  for (int i = 1; i < argc; i++) {
    const WCHAR *a = argv[i], *v;
    if (a[0] == '-' && a[1] == '-' && !a[2]) {
      g.passArgs = (const WCHAR **)argv + i + 1;
      g.passCount = argc - i - 1;
      break;
    }
    if (is_switch(a, L"?", NULL)) g.help = 1;
    else if (is_switch(a, L"quiet", NULL)) g.quiet = 1;
    else if (is_switch(a, L"passive", NULL)) g.passive = 1;
    else if (is_switch(a, L"norestart", NULL)) g.norestart = 1;
    else if (is_switch(a, L"x", &v) || is_switch(a, L"extract", &v)) {
      if (!*v) return bad_switch(L"The switch needs a folder, as in /x:C:\\Temp\\files: ", a);
      g.extractDir = v;
    } else if (is_switch(a, L"log", &v)) {
      if (!*v) return bad_switch(L"The switch needs a file, as in /log:C:\\Temp\\setup.log: ", a);
      g.logPath = v;
    } else if (is_switch(a, L"x", NULL) || is_switch(a, L"extract", NULL) ||
               is_switch(a, L"log", NULL))
      return bad_switch(L"The switch needs a value after a colon: ", a);
    else if (a[0] == '/')
      return bad_switch(L"Unknown switch ", a);
    else
      return bad_switch(L"Unexpected argument (switches start with /; arguments for the setup "
                        L"command go after --): ",
                        a);
  }
  if (g.quiet && g.passive) return bad_switch(L"Choose one of /quiet and /passive, not both", L"");
  return EXIT_OK;
}

/* ---- running the entry command ------------------------------------------------------- */
static int has_ext(const WCHAR *path, const WCHAR *ext) {
  DWORD n = wlen(path), e = wlen(ext);
  return n > e && wieq(path + n - e, e, ext);
}

static int run_entry(Package *pkg, const WCHAR *root, DWORD *exitCode) {
  WBuf exe = {0}, params = {0}, cl = {0};
  wb_add(&exe, root);
  wb_add(&exe, L"\\");
  wb_add(&exe, pkg->command);
  wb_add(&params, pkg->args);
  if (g.quiet) wb_add(&params, L" /quiet");
  if (g.passive) wb_add(&params, L" /passive");
  if (g.norestart) wb_add(&params, L" /norestart");
  for (int i = 0; i < g.passCount; i++) {
    wb_add(&params, L" ");
    wb_arg(&params, g.passArgs[i]);
  }
  const WCHAR *ps = params.p;
  while (*ps == ' ') ps++;
  int batch = has_ext(exe.p, L".bat") || has_ext(exe.p, L".cmd");
  int direct = batch || has_ext(exe.p, L".exe") || has_ext(exe.p, L".com");
  HANDLE proc = NULL;
  DWORD err = 0;
  if (direct) {
    if (batch) wb_add(&cl, L"cmd.exe /d /s /c \"");
    wb_arg(&cl, exe.p);
    if (*ps) {
      wb_add(&cl, L" ");
      wb_add(&cl, ps);
    }
    if (batch) wb_add(&cl, L"\"");
    STARTUPINFOW si = {0};
    PROCESS_INFORMATION pi = {0};
    si.cb = sizeof si;
    BOOL inherit = FALSE;
    if (usable(GetStdHandle(STD_OUTPUT_HANDLE))) {
      si.dwFlags = STARTF_USESTDHANDLES;
      si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
      si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
      si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
      inherit = TRUE;
    }
    if (CreateProcessW(NULL, cl.p, NULL, NULL, inherit, 0, NULL, root, &si, &pi)) {
      CloseHandle(pi.hThread);
      proc = pi.hProcess;
    } else {
      err = GetLastError();
    }
  }
  /* Not a program (an .msi, say), or one that asks for elevation: let the shell start it. */
  if (!proc && (!direct || err == ERROR_ELEVATION_REQUIRED)) {
    SHELLEXECUTEINFOW se = {0};
    se.cbSize = sizeof se;
    se.fMask = SEE_MASK_NOCLOSEPROCESS | SEE_MASK_NOASYNC | SEE_MASK_FLAG_NO_UI;
    se.lpFile = exe.p;
    se.lpParameters = ps;
    se.lpDirectory = root;
    se.nShow = SW_SHOWNORMAL;
    if (ShellExecuteExW(&se) && se.hProcess) proc = se.hProcess;
    else err = GetLastError();
  }
  int rc = EXIT_OK;
  if (proc) {
    log_line(L"run ", cl.p ? cl.p : exe.p);
    WaitForSingleObject(proc, INFINITE);
    GetExitCodeProcess(proc, exitCode);
    CloseHandle(proc);
  } else {
    WBuf m = {0};
    wb_add(&m, L"Cannot start the setup command ");
    wb_add(&m, pkg->command);
    wb_syserr(&m, err);
    say(1, m.p);
    xfree(m.p);
    rc = EXIT_FAILED;
  }
  xfree(exe.p);
  xfree(params.p);
  xfree(cl.p);
  return rc;
}

/* A fresh folder under %TEMP%: a name that did not exist, created by us. */
static WCHAR *make_temp_dir(void) {
  WCHAR base[MAX_PATH + 2];
  DWORD n = GetTempPathW(MAX_PATH + 1, base);
  if (!n || n > MAX_PATH) return NULL;
  DWORD seed = GetTickCount() ^ (GetCurrentProcessId() << 12);
  for (int i = 0; i < 1000; i++) {
    WBuf b = {0};
    wb_add(&b, base);
    wb_add(&b, L"cwsfx-");
    wb_hex(&b, seed + (DWORD)i * 0x9E3779B9u);
    if (CreateDirectoryW(b.p, NULL)) return b.p;
    DWORD e = GetLastError();
    xfree(b.p);
    if (e != ERROR_ALREADY_EXISTS) return NULL;
  }
  return NULL;
}

/* ---- main ----------------------------------------------------------------------------- */
static int sfx_main(void) {
  g_heap = GetProcessHeap();
  /* Later loads (the shell's, for ShellExecuteEx) skip the current folder. */
  SetDllDirectoryW(L"");
  crc_init();
  {
    DWORD cap = 32768;
    g.selfPath = xalloc(cap * sizeof(WCHAR));
    GetModuleFileNameW(NULL, g.selfPath, cap);
    g.selfName = g.selfPath;
    for (const WCHAR *p = g.selfPath; *p; p++)
      if (*p == '\\' || *p == '/') g.selfName = p + 1;
  }
  int argc = 0;
  WCHAR **argv = CommandLineToArgvW(GetCommandLineW(), &argc);
  if (!argv) return EXIT_FAILED;
  int rc = parse_args(argc, argv);
  if (rc) return rc;
  if (g.help) {
    /* wsprintfW stops at 1024 characters: put the name in by hand */
    WBuf b = {0};
    const WCHAR *mark = USAGE + 7; /* "%s" */
    wb_addn(&b, USAGE, 7);
    wb_add(&b, g.selfName);
    wb_add(&b, mark + 2);
    g.quiet = 0;
    say(0, b.p);
    xfree(b.p);
    return EXIT_OK;
  }
  if (g.logPath) {
    WCHAR *plain, *lf;
    full_paths(g.logPath, &plain, &lf);
    g.log = CreateFileW(lf, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
                        FILE_ATTRIBUTE_NORMAL, NULL);
    if (g.log == INVALID_HANDLE_VALUE) {
      DWORD e = GetLastError();
      g.log = NULL;
      WBuf m = {0};
      wb_add(&m, L"Cannot open the log file ");
      wb_add(&m, plain);
      wb_syserr(&m, e);
      say(1, m.p);
      return EXIT_BAD_SWITCH;
    }
    SetFilePointer(g.log, 0, NULL, FILE_END);
    log_line(L"start ", GetCommandLineW());
  }

  Package pkg = {0};
  show_progress();
  rc = load_package(&pkg);
  if (rc) return rc;

  const WCHAR *target = g.extractDir;
  WCHAR *defaultDir = NULL, *tempDir = NULL;
  if (!target && !pkg.command) {
    /* No entry command: extract next to the package, into a folder named after it. */
    WBuf b = {0};
    wb_add(&b, g.selfPath);
    DWORD cut = b.len;
    for (DWORD i = 0; i < b.len; i++)
      if (b.p[i] == '.') cut = i;
    if (cut <= (DWORD)(g.selfName - g.selfPath)) cut = b.len;
    b.p[cut] = 0;
    b.len = cut;
    if (cut == (DWORD)wlen(g.selfPath)) wb_add(&b, L".files");
    defaultDir = b.p;
    target = defaultDir;
  }
  if (!target) {
    tempDir = make_temp_dir();
    if (!tempDir) {
      WBuf m = {0};
      wb_add(&m, L"Cannot create a temporary folder");
      wb_syserr(&m, GetLastError());
      say(1, m.p);
      return EXIT_FAILED;
    }
    target = tempDir;
  }
  WCHAR *rootPlain, *rootLong;
  full_paths(target, &rootPlain, &rootLong);
  log_line(L"folder ", rootPlain);
  rc = extract(&pkg, rootLong, rootPlain);
  destroy_progress();
  if (rc == EXIT_OK && !tempDir) {
    WBuf m = {0};
    wb_add(&m, L"Extracted ");
    wb_num(&m, g_extracted);
    wb_add(&m, g_extracted == 1 ? L" file to " : L" files to ");
    wb_add(&m, rootPlain);
    say(0, m.p);
    xfree(m.p);
    return EXIT_OK;
  }
  if (rc == EXIT_OK) {
    DWORD code = 0;
    rc = run_entry(&pkg, rootPlain, &code);
    if (rc == EXIT_OK) {
      WBuf m = {0};
      wb_add(&m, L"exit code ");
      wb_num(&m, code);
      log_line(L"", m.p);
      xfree(m.p);
      rc = (int)code;
    }
  }
  if (tempDir) {
    /* The command may leave a child running a moment longer: retry for a few seconds. */
    int gone = 0;
    for (int i = 0; i < 20 && !(gone = remove_tree(rootLong)); i++) Sleep(250);
    if (!gone) log_line(L"warning: could not remove ", rootPlain);
  }
  return rc;
}

/* The entry point (no C runtime): the loader calls it with nothing set up. */
#ifdef __i386__
__attribute__((force_align_arg_pointer))
#endif
void WinMainCRTStartup(void) {
  ExitProcess((UINT)sfx_main());
}
