/*
 * Where the stub's messages go (log, console or message box) and its progress window.
 */
#include "sfx.h"

struct SfxState g;

/* Output: log, console or message box. */
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

HANDLE usable(HANDLE h) { return (h == INVALID_HANDLE_VALUE) ? NULL : h; }

/* Standard handles when the caller gave any (redirected or a console), else the parent's
 * console when there is one (run from cmd), else none (run from Explorer: message boxes). */
void find_console(void) {
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

void log_line(const WCHAR *level, const WCHAR *text) {
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

/* A message for the user: always logged; shown unless /quiet (and, for /passive, only
 * when a console is there to take it: passive mode opens no message box). */
void say(int isError, const WCHAR *text) {
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

void say2(int isError, const WCHAR *a, const WCHAR *b) {
  WBuf m = {0};
  wb_add(&m, a);
  wb_add(&m, b);
  say(isError, m.p);
  xfree(m.p);
}

/* The system's text for a Win32 error code, as " (text)". */
void wb_syserr(WBuf *b, DWORD code) {
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

/* Progress window (user32 only: a caption, a line of text and a drawn bar). */
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

void show_progress(void) {
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

void set_progress(const WCHAR *text, DWORD done, DWORD total) {
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

void destroy_progress(void) {
  if (g.window) {
    DestroyWindow(g.window);
    g.window = NULL;
    pump();
  }
}
