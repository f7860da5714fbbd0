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
 * Files: sfxstub.c (switches, running the entry command, main), sfx-package.c (finding and
 * checking the package), sfx-extract.c (FDI, folders), sfx-ui.c (messages, log, progress
 * window), sfx-base.c (memory, strings, CRC-32), sfx.h (what they share).
 *
 * Built without the C runtime (no startup files, no msvcrt): kernel32, user32 and shell32
 * are imported; cabinet.dll (and ole32, only for ShellExecuteEx) are loaded at run time by
 * their full System32 path. Wide-character Win32 API throughout.
 */
#include "sfx.h"

/* Switches. */
static const WCHAR USAGE[] =
    L"Usage: %s [/quiet | /passive] [/norestart | /forcerestart | /promptrestart] [/log:FILE]\r\n"
    L"       [/x:DIR] [/uninstall] [/whatif] [/overwriteoem] [/replaceargs] [-- ARGS...]\r\n"
    L"\r\n"
    L"  /x:DIR, /extract:DIR  extract the files to DIR and run or install nothing\r\n"
    L"  /quiet                show nothing; the exit code and /log tell the result\r\n"
    L"  /passive              show progress only\r\n"
    L"  /norestart            never restart (passed to the setup command)\r\n"
    L"  /forcerestart         restart Windows after installing, when a restart is needed\r\n"
    L"  /promptrestart        ask before restarting, when a restart is needed\r\n"
    L"  /log:FILE             append a log of every action to FILE (UTF-8)\r\n"
    L"  /uninstall            remove the update: restore every file it replaced\r\n"
    L"  /whatif               list every action the install would take; change nothing\r\n"
    L"  /overwriteoem         replace files even when the installed one is newer\r\n"
    L"  -- ARGS...            pass ARGS to the setup command, after its default arguments\r\n"
    L"  /replaceargs          pass ARGS instead of the default arguments and of /quiet,\r\n"
    L"                        /passive, /norestart (nothing when no -- follows)\r\n"
    L"  /?                    show this help\r\n"
    L"\r\n"
    L"Exit codes: 0 done, 3010 restart required, 1641 restart started, 13 package damaged,\r\n"
    L"  87 bad switch, 1603 failed (every change undone), 2149842967 (0x80240017) not\r\n"
    L"  applicable, 2359302 (0x00240006) already installed; or the setup command's own.";

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
    else if (is_switch(a, L"forcerestart", NULL)) g.forcerestart = 1;
    else if (is_switch(a, L"promptrestart", NULL)) g.promptrestart = 1;
    else if (is_switch(a, L"uninstall", NULL)) g.uninstall = 1;
    else if (is_switch(a, L"whatif", NULL)) g.whatif = 1;
    else if (is_switch(a, L"overwriteoem", NULL)) g.overwriteoem = 1;
    else if (is_switch(a, L"replaceargs", NULL)) g.replaceArgs = 1;
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
  if (g.norestart + g.forcerestart + g.promptrestart > 1)
    return bad_switch(L"Choose one of /norestart, /forcerestart and /promptrestart", L"");
  if (g.extractDir && (g.uninstall || g.whatif))
    return bad_switch(L"/x extracts only; it does not go with /uninstall or /whatif", L"");
  if (g.extractDir && g.replaceArgs)
    return bad_switch(L"/x extracts only and runs nothing; /replaceargs is for the setup command", L"");
  return EXIT_OK;
}

/* The package's title and version, from its own version resource (the build stamps the
 * manifest's title as FileDescription and its version as ProductVersion, as Explorer shows
 * them; a "KBnnn" Comments string is the KB number), then the usage. An unstamped stub
 * (assembled without the pipeline) shows the usage alone. */
static void print_help(void) {
  static const WCHAR *const names[] = {L"FileDescription", L"ProductVersion", L"Comments"};
  WCHAR *v[3];
  WBuf b = {0};
  version_strings(g.selfPath, names, 3, v);
  if (v[0]) {
    wb_add(&b, v[0]);
    wb_add(&b, L"\r\n");
  }
  if (v[1]) {
    wb_add(&b, L"Version ");
    wb_add(&b, v[1]);
    int kb = v[2] && (v[2][0] == 'K' || v[2][0] == 'k') && (v[2][1] == 'B' || v[2][1] == 'b') &&
             v[2][2] >= '0' && v[2][2] <= '9';
    for (WCHAR *p = kb ? v[2] + 2 : NULL; p && *p; p++)
      if (*p < '0' || *p > '9') kb = 0;
    if (kb) {
      wb_add(&b, L" (");
      wb_add(&b, v[2]);
      wb_add(&b, L")");
    }
    wb_add(&b, L"\r\n");
  }
  if (b.len) wb_add(&b, L"\r\n");
  /* wsprintfW stops at 1024 characters: put the name in by hand */
  const WCHAR *mark = USAGE + 7; /* "%s" */
  wb_addn(&b, USAGE, 7);
  wb_add(&b, g.selfName);
  wb_add(&b, mark + 2);
  say(0, b.p);
  for (int i = 0; i < 3; i++) xfree(v[i]);
  xfree(b.p);
}

/* Running the entry command. */
static int has_ext(const WCHAR *path, const WCHAR *ext) {
  DWORD n = wlen(path), e = wlen(ext);
  return n > e && wieq(path + n - e, e, ext);
}

static int run_entry(Package *pkg, const WCHAR *root, DWORD *exitCode) {
  WBuf exe = {0}, params = {0}, cl = {0};
  wb_add(&exe, root);
  wb_add(&exe, L"\\");
  wb_add(&exe, pkg->command);
  /* /replaceargs: exactly the arguments after "--", neither the defaults nor our switches. */
  wb_add(&params, L"");
  if (!g.replaceArgs) {
    wb_add(&params, pkg->args);
    if (g.quiet) wb_add(&params, L" /quiet");
    if (g.passive) wb_add(&params, L" /passive");
    if (g.norestart) wb_add(&params, L" /norestart");
  }
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
    /* The shell may hand the file to a COM handler: initialise COM (ole32 by full path). */
    typedef HRESULT(WINAPI * CoInitializeExFn)(void *, DWORD);
    HMODULE ole = load_system_dll(L"ole32.dll");
    CoInitializeExFn coInit =
        ole ? (CoInitializeExFn)(void (*)(void))GetProcAddress(ole, "CoInitializeEx") : NULL;
    if (coInit) coInit(NULL, 0x2 | 0x4); /* COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE */
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
WCHAR *make_temp_dir(void) {
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

/* Main. */
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
    g.quiet = 0;
    print_help();
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
  if (g.replaceArgs && !pkg.command) {
    destroy_progress();
    return bad_switch(L"This package has no setup command to pass arguments to: ", L"/replaceargs");
  }
  if (pkg.plan && !g.extractDir) {
    rc = install_main(&pkg);
    destroy_progress();
    return rc;
  }
  if (g.uninstall || g.whatif || g.overwriteoem || g.forcerestart || g.promptrestart) {
    destroy_progress();
    return bad_switch(L"This package has no install plan; the switch is for packages that install: ",
                      g.uninstall ? L"/uninstall" : g.whatif ? L"/whatif" : L"a restart or /overwriteoem switch");
  }

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
