/*
 * The install engine: carries out the package's install plan (docs/install.md).
 *
 * Install, in order: applicability (product folder, installed version in range, not
 * already installed) -> extract the cabinet to a temporary folder -> wait for processes
 * -> backup folder and journal -> stop services (those running) -> back up and replace
 * each file (in use: delayed until restart, exit 3010) -> registry entries (the product's
 * and Installed Updates') -> start the services it stopped -> exit code. Every change is
 * written to the journal before it is made; any failure undoes the journal in reverse
 * (exit 1603). /uninstall undoes a finished install's journal; /whatif lists each action
 * and changes nothing.
 */
#include "sfx.h"

#define ARP_PARENT L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
#define BACKUP_ROOT L"$cabwright$"
#define JOURNAL_NAME L"journal.txt"
#define JOURNAL_MAGIC L"cabwright-journal"

/* Journal records: one line each, five tab-separated fields KIND N VIEW A B. */
enum { J_SERVICE = 1, J_DIR, J_REPLACE, J_ADD, J_STAGED, J_KEY, J_VALUE, J_COUNT };
static const WCHAR *const J_NAMES[J_COUNT] = {L"",        L"service", L"dir", L"replace",
                                              L"add",     L"staged",  L"key", L"value"};

typedef struct {
  DWORD kind, n;
  BYTE view;
  WCHAR *a, *b;
} Act;

static struct {
  Plan *pl;
  WCHAR *dir, *backup, *temp;
  int os64, wow64, with64, pending, failed;
  HANDLE journal;
  Act *acts;
  DWORD nActs, capActs, nBackups;
  WBuf what;
} e;

static WCHAR *join3(const WCHAR *a, const WCHAR *b, const WCHAR *c) {
  WBuf w = {0};
  wb_add(&w, a ? a : L"");
  wb_add(&w, b ? b : L"");
  wb_add(&w, c ? c : L"");
  return w.p;
}
static DWORD attrs(const WCHAR *p) { return GetFileAttributesW(p); }
static int exists(const WCHAR *p) { return attrs(p) != INVALID_FILE_ATTRIBUTES; }

/* An action: logged; under /whatif listed ("would ...") and not done (returns 0). */
static int doing(const WCHAR *verb, const WCHAR *a, const WCHAR *b) {
  WBuf m = {0};
  if (g.whatif) wb_add(&m, L"would ");
  wb_add(&m, verb);
  wb_add(&m, a);
  if (b) wb_add(&m, b);
  log_line(L"", m.p);
  if (g.whatif) {
    wb_add(&e.what, m.p);
    wb_add(&e.what, L"\r\n");
  }
  xfree(m.p);
  return !g.whatif;
}
static void note(const WCHAR *a, const WCHAR *b) { doing(L"", a, b); }

/* A failure: said (and logged) with the system's reason; returns 0 for "stop". */
static int failed(const WCHAR *what, const WCHAR *path, DWORD err) {
  WBuf m = {0};
  wb_add(&m, what);
  wb_add(&m, path);
  if (err) wb_syserr(&m, err);
  say(1, m.p);
  xfree(m.p);
  e.failed = 1;
  return 0;
}

static void wb_view(WBuf *b, BYTE view) { wb_add(b, view == 32 ? L" (32-bit view)" : L" (64-bit view)"); }

/* The journal. */
static void write_line(const WCHAR *s) {
  if (!e.journal) return;
  int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, NULL, 0, NULL, NULL);
  char *u = xalloc(n);
  DWORD done;
  WideCharToMultiByte(CP_UTF8, 0, s, -1, u, n, NULL, NULL);
  WriteFile(e.journal, u, (DWORD)n - 1, &done, NULL);
  FlushFileBuffers(e.journal);
  xfree(u);
}
static void remember(DWORD kind, DWORD n, BYTE view, const WCHAR *a, const WCHAR *b) {
  if (e.nActs == e.capActs) {
    e.capActs = e.capActs * 2 + 16;
    Act *p = xalloc(e.capActs * sizeof(Act));
    if (e.acts) memcpy(p, e.acts, e.nActs * sizeof(Act));
    xfree(e.acts);
    e.acts = p;
  }
  Act *x = &e.acts[e.nActs++];
  x->kind = kind;
  x->n = n;
  x->view = view;
  x->a = join3(a, L"", L"");
  x->b = join3(b ? b : L"", L"", L"");
}
/* Written (and flushed) before the change is made, so an undo covers a change half made. */
static void journal(DWORD kind, DWORD n, BYTE view, const WCHAR *a, const WCHAR *b) {
  remember(kind, n, view, a, b);
  WBuf l = {0};
  wb_add(&l, J_NAMES[kind]);
  wb_add(&l, L"\t");
  wb_num(&l, n);
  wb_add(&l, L"\t");
  wb_num(&l, view);
  wb_add(&l, L"\t");
  wb_add(&l, a);
  wb_add(&l, L"\t");
  wb_add(&l, b ? b : L"");
  wb_add(&l, L"\r\n");
  write_line(l.p);
  xfree(l.p);
}

static int parse_dword(const WCHAR *s, DWORD *v) {
  DWORD x = 0, i = 0;
  for (; s[i] >= '0' && s[i] <= '9' && i < 9; i++) x = x * 10 + (DWORD)(s[i] - '0');
  *v = x;
  return i > 0 && !s[i];
}

/* Read a journal back into e.acts; 0 when it is missing (*missing) or not a journal. */
static int read_journal(const WCHAR *path, int *missing) {
  HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  *missing = h == INVALID_HANDLE_VALUE;
  if (*missing) return 0;
  LARGE_INTEGER size;
  DWORD got = 0;
  int ok = GetFileSizeEx(h, &size) && size.QuadPart < (64 << 20);
  char *u = ok ? xalloc((SIZE_T)size.QuadPart + 1) : NULL;
  ok = ok && ReadFile(h, u, (DWORD)size.QuadPart, &got, NULL) && got == (DWORD)size.QuadPart;
  CloseHandle(h);
  int n = ok ? MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, u, (int)got, NULL, 0) : 0;
  WCHAR *w = xalloc(((SIZE_T)n + 1) * sizeof(WCHAR));
  if (n) MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, u, (int)got, w, n);
  xfree(u);
  ok = n > 0;
  int first = 1;
  for (WCHAR *line = w; ok && *line;) {
    WCHAR *end = line;
    while (*end && *end != '\r' && *end != '\n') end++;
    WCHAR *next = end;
    while (*next == '\r' || *next == '\n') next++;
    *end = 0;
    WCHAR *f[5] = {line, NULL, NULL, NULL, NULL};
    int nf = 1;
    for (WCHAR *q = line; *q && nf < 5; q++)
      if (*q == '\t') *q = 0, f[nf++] = q + 1;
    if (first) {
      ok = nf >= 2 && wieq(f[0], wlen(f[0]), JOURNAL_MAGIC) && f[1][0] == '1' && !f[1][1];
      first = 0;
    } else if (!wieq(line, wlen(line), L"complete")) {
      DWORD kind = 0;
      for (DWORD k = 1; k < J_COUNT; k++)
        if (wieq(f[0], wlen(f[0]), J_NAMES[k])) kind = k;
      DWORD n = 0, view = 0;
      ok = kind && nf == 5 && parse_dword(f[1], &n) && parse_dword(f[2], &view) && view < 256;
      if (ok) remember(kind, n, (BYTE)view, f[3], f[4]);
    }
    line = next;
  }
  xfree(w);
  return ok;
}

/* Applicability. */
static int not_applicable(const WCHAR *a, const WCHAR *b, const WCHAR *c) {
  WBuf m = {0};
  wb_add(&m, L"This update does not apply: ");
  wb_add(&m, a);
  wb_add(&m, b);
  wb_add(&m, c);
  say(1, m.p);
  xfree(m.p);
  return EXIT_NOT_APPLICABLE;
}

static void wb_ref(WBuf *b, const RegRef *r) {
  wb_add(b, L"HKLM\\");
  wb_add(b, r->key);
  wb_add(b, L"\\");
  wb_add(b, r->value[0] ? r->value : L"(default)");
  wb_view(b, r->view);
}

static int applicable(void) {
  Plan *pl = e.pl;
  WBuf m = {0};
  DWORD err = 0;
  e.os64 = os_is_64(&e.wow64);
  e.with64 = e.os64 && pl->is64;
  if (pl->locKind == PLAN_LOC_REGISTRY) {
    e.dir = reg_read_sz(&pl->locReg, &err);
    if (!e.dir) {
      wb_ref(&m, &pl->locReg);
      wb_syserr(&m, err);
      return not_applicable(pl->product, L" is not installed: no install folder in ", m.p);
    }
  } else {
    WCHAR *base = known_folder(pl->folder, e.wow64, pl->is64);
    if (!base) return not_applicable(L"a system folder cannot be found", L"", L"");
    e.dir = pl->folderPath[0] ? join3(base, L"\\", pl->folderPath) : base;
  }
  DWORD n = wlen(e.dir);
  while (n > 3 && e.dir[n - 1] == '\\') e.dir[--n] = 0;
  DWORD a = attrs(e.dir);
  if (a == INVALID_FILE_ATTRIBUTES || !(a & FILE_ATTRIBUTE_DIRECTORY))
    return not_applicable(pl->product, L" is not installed: no folder ", e.dir);
  WORD have[4];
  int ok;
  if (pl->verKind == PLAN_VER_REGISTRY) {
    WCHAR *s = reg_read_sz(&pl->verReg, &err);
    ok = s && parse_version(s, have);
    wb_ref(&m, &pl->verReg);
    if (s && !ok) {
      wb_add(&m, L" holds \"");
      wb_add(&m, s);
      wb_add(&m, L"\"");
    } else if (!s)
      wb_syserr(&m, err);
  } else {
    WCHAR *f = join3(e.dir, L"\\", pl->verFile);
    ok = file_version(f, have);
    wb_add(&m, L"the version resource of ");
    wb_add(&m, f);
  }
  if (!ok) return not_applicable(L"the installed version of ", pl->product, join3(L" cannot be read from ", m.p, L""));
  int in = pl->nAccept == 0;
  for (DWORD i = 0; i < pl->nAccept && !in; i++) {
    Interval *iv = &pl->accept[i];
    int lo = cmp_version(have, iv->min), hi = cmp_version(have, iv->max);
    in = (!(iv->flags & IV_HAS_MIN) || lo > 0 || (lo == 0 && (iv->flags & IV_MIN_INCL))) &&
         (!(iv->flags & IV_HAS_MAX) || hi < 0 || (hi == 0 && (iv->flags & IV_MAX_INCL)));
  }
  WBuf v = {0};
  wb_version(&v, have);
  if (!in) {
    wb_add(&v, L"; this update requires ");
    wb_add(&v, pl->requirement);
    return not_applicable(pl->product, L" is version ", v.p);
  }
  log_line(L"product ", join3(e.dir, L" version ", v.p));
  return EXIT_OK;
}

/* Services. */
static int stop_services(void) {
  for (DWORD i = 0; i < e.pl->nServices; i++) {
    const WCHAR *name = e.pl->services[i].name;
    DWORD st = service_state(name);
    if (!st || st == SERVICE_STOPPED) {
      note(L"service ", join3(name, st ? L" is not running: left stopped" : L" is not installed", L""));
      continue;
    }
    if (!doing(L"stop service ", name, NULL)) continue;
    journal(J_SERVICE, 0, 0, name, NULL);
    DWORD err = service_control(name, 0, e.pl->services[i].timeout);
    if (err) return failed(L"Cannot stop the service ", name, err);
  }
  return 1;
}

/* Start the services in `acts` (those the engine stopped), in the plan's order. */
static int start_services(Act *acts, DWORD n) {
  int ok = 1;
  for (DWORD i = 0; i < n; i++) {
    if (acts[i].kind != J_SERVICE || !doing(L"start service ", acts[i].a, NULL)) continue;
    DWORD err = 0, timeout = 30000;
    for (DWORD k = 0; k < e.pl->nServices; k++)
      if (lstrcmpiW(e.pl->services[k].name, acts[i].a) == 0) timeout = e.pl->services[k].timeout;
    err = service_control(acts[i].a, 1, timeout);
    if (err) ok = failed(L"Cannot start the service ", acts[i].a, err);
  }
  return ok;
}

/* Under /whatif no service was stopped: list the starts that would follow the stops. */
static void whatif_starts(void) {
  for (DWORD i = 0; g.whatif && i < e.pl->nServices; i++) {
    DWORD st = service_state(e.pl->services[i].name);
    if (st && st != SERVICE_STOPPED) doing(L"start service ", e.pl->services[i].name, NULL);
  }
}

/* Files. */
static DWORD make_parents(const WCHAR *path) {
  WCHAR *p = join3(path, L"", L"");
  DWORD rootLen = wlen(e.dir);
  for (WCHAR *q = p + rootLen + 1; *q; q++) {
    if (*q != '\\') continue;
    *q = 0;
    if (!exists(p) && doing(L"create folder ", p, NULL)) {
      journal(J_DIR, 0, 0, p, NULL);
      if (!CreateDirectoryW(p, NULL)) return GetLastError();
    }
    *q = '\\';
  }
  return 0;
}

static int in_use(DWORD err) { return err == ERROR_SHARING_VIOLATION || err == ERROR_ACCESS_DENIED || err == ERROR_USER_MAPPED_FILE; }

/* Put `from` at `to` through a staged copy beside it; a file in use is replaced at restart. */
static int put_file(const WCHAR *from, const WCHAR *to) {
  WCHAR *staged = join3(to, L".", join3(e.pl->updateId, L".new", L""));
  journal(J_STAGED, 0, 0, staged, to);
  if (!CopyFileW(from, staged, FALSE)) return failed(L"Cannot write ", staged, GetLastError());
  DWORD a = attrs(to);
  if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_READONLY))
    SetFileAttributesW(to, a & ~FILE_ATTRIBUTE_READONLY);
  if (MoveFileExW(staged, to, MOVEFILE_REPLACE_EXISTING)) return 1;
  DWORD err = GetLastError();
  if (!in_use(err)) return failed(L"Cannot replace ", to, err);
  if (!MoveFileExW(staged, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_DELAY_UNTIL_REBOOT))
    return failed(L"Cannot schedule the replacement at restart of ", to, GetLastError());
  log_line(L"", join3(L"in use: ", to, L" is replaced when Windows restarts"));
  e.pending = 1;
  return 1;
}

static int install_files(void) {
  for (DWORD i = 0; i < e.pl->nFiles && !e.failed; i++) {
    PlanFile *f = &e.pl->files[i];
    WCHAR *dest = join3(e.dir, L"\\", f->dest), *src = join3(e.temp, L"\\", f->source);
    WBuf v = {0};
    if ((f->flags & PF_ONLY64) && !e.with64) {
      note(L"skip ", join3(dest, L": 64-bit only, and this is not a 64-bit product on 64-bit Windows", L""));
      continue;
    }
    DWORD a = attrs(dest);
    if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY)) {
      if (g.whatif) note(L"fail: ", join3(dest, L" is a folder", L""));
      else failed(L"Cannot replace a folder with a file: ", dest, 0);
      continue;
    }
    if (a == INVALID_FILE_ATTRIBUTES) {
      DWORD err = make_parents(dest);
      if (err) return failed(L"Cannot create a folder for ", dest, err);
      if (!doing(L"add ", dest, NULL)) continue;
      journal(J_ADD, 0, 0, dest, NULL);
      if (!CopyFileW(src, dest, TRUE)) return failed(L"Cannot add ", dest, GetLastError());
      continue;
    }
    WORD have[4];
    int hasHave = file_version(dest, have);
    if (hasHave) {
      wb_add(&v, L" (installed ");
      wb_version(&v, have);
    }
    if (f->flags & PF_HAS_VERSION) {
      wb_add(&v, hasHave ? L", packaged " : L" (packaged ");
      wb_version(&v, f->ver);
    }
    if (v.len) wb_add(&v, L")");
    if (hasHave && (f->flags & PF_HAS_VERSION) && (f->flags & PF_NO_DOWNGRADE) && !g.overwriteoem &&
        cmp_version(have, f->ver) > 0) {
      note(L"keep ", join3(dest, v.p, L": the installed file is newer (/overwriteoem replaces it)"));
      continue;
    }
    WCHAR *bk = NULL;
    if (f->flags & PF_BACKUP) {
      WBuf b = {0};
      wb_add(&b, e.backup ? e.backup : L"");
      wb_add(&b, L"\\files\\");
      wb_num(&b, ++e.nBackups);
      bk = b.p;
      if (doing(L"back up ", dest, join3(L" to ", bk, L"")) && !CopyFileW(dest, bk, TRUE))
        return failed(L"Cannot back up ", dest, GetLastError());
    }
    if (!doing(L"replace ", dest, v.p)) continue;
    journal(J_REPLACE, bk ? e.nBackups : 0, 0, dest, bk);
    if (!put_file(src, dest)) return 0;
  }
  return !e.failed;
}

/* Registry entries: each key level the engine creates is journaled (and removed again). */
static HKEY create_key(BYTE view, const WCHAR *key, int *created) {
  WCHAR *p = join3(key, L"", L"");
  HKEY h = NULL;
  *created = 0;
  for (WCHAR *q = p;; q++) {
    if (*q && *q != '\\') continue;
    WCHAR c = *q;
    *q = 0;
    if (!reg_key_exists(view, p)) {
      WBuf m = {0};
      wb_add(&m, L"HKLM\\");
      wb_add(&m, p);
      wb_view(&m, view);
      if (doing(L"create registry key ", m.p, NULL)) {
        journal(J_KEY, 0, view, p, NULL);
        *created = 1;
      }
    }
    *q = c;
    if (!c) break;
  }
  if (g.whatif) return NULL;
  DWORD err = RegCreateKeyExW(HKEY_LOCAL_MACHINE, key, 0, NULL, 0, KEY_SET_VALUE | KEY_QUERY_VALUE | view_sam(view),
                              NULL, &h, NULL);
  if (err) failed(L"Cannot create the registry key HKLM\\", key, err);
  return err ? NULL : h;
}

static int set_value(HKEY h, BYTE view, const WCHAR *key, int created, const WCHAR *name, const WCHAR *sz, DWORD dw) {
  WBuf m = {0};
  wb_add(&m, name);
  wb_add(&m, L" = ");
  if (sz) wb_add(&m, sz);
  else wb_num(&m, dw);
  int go = doing(L"set value ", m.p, NULL);
  xfree(m.p);
  if (!go) return 1;
  if (!created) journal(J_VALUE, 0, view, key, name);
  DWORD err = sz ? RegSetValueExW(h, name, 0, REG_SZ, (const BYTE *)sz, (wlen(sz) + 1) * sizeof(WCHAR))
                 : RegSetValueExW(h, name, 0, REG_DWORD, (const BYTE *)&dw, sizeof dw);
  return err ? failed(L"Cannot set the registry value ", name, err) : 1;
}

static int write_key(BYTE view, const WCHAR *key, RegVal *vals, DWORD n, const WCHAR **extra) {
  int created;
  HKEY h = create_key(view, key, &created);
  if (!h && !g.whatif) return 0;
  int ok = 1;
  for (DWORD i = 0; ok && i < n; i++)
    ok = set_value(h, view, key, created, vals[i].name, vals[i].type == REG_SZ ? vals[i].sz : NULL, vals[i].dw);
  for (; ok && extra[0]; extra += 2) ok = set_value(h, view, key, created, extra[0], extra[1], 0);
  if (h) RegCloseKey(h);
  return ok;
}

static int write_entries(const WCHAR *engineCopy) {
  SYSTEMTIME t;
  WCHAR date[16];
  GetSystemTime(&t);
  wsprintfW(date, L"%04u%02u%02u", t.wYear, t.wMonth, t.wDay);
  const WCHAR *productExtra[] = {L"InstalledDate", date, NULL};
  if (!write_key(e.pl->entry.view, e.pl->entry.key, e.pl->entryVals, e.pl->nEntryVals, productExtra)) return 0;
  WCHAR *un = join3(L"\"", engineCopy, L"\" /uninstall");
  WCHAR *quiet = join3(un, L" /quiet", L"");
  const WCHAR *arpExtra[] = {L"UninstallString", un, L"QuietUninstallString", quiet, L"InstallDate", date, NULL};
  return write_key(64, join3(ARP_PARENT, L"\\", e.pl->arpKey), e.pl->arpVals, e.pl->nArpVals, arpExtra);
}

/* Undo one journal record (rollback and /uninstall); 0 when it could not be undone. */
static int undo(Act *x) {
  WBuf m = {0};
  DWORD err = 0;
  switch (x->kind) {
  case J_REPLACE:
    if (!x->b[0]) return doing(L"leave ", x->a, L" (not backed up)"), 1;
    if (same_bytes(x->b, x->a)) return 1;
    if (!doing(L"restore ", x->a, join3(L" from ", x->b, L""))) return 1;
    SetFileAttributesW(x->a, FILE_ATTRIBUTE_NORMAL);
    if (CopyFileW(x->b, x->a, FALSE)) return 1;
    err = GetLastError();
    if (in_use(err)) {
      WCHAR *staged = join3(x->a, L".", join3(e.pl->updateId, L".old", L""));
      if (CopyFileW(x->b, staged, FALSE) &&
          MoveFileExW(staged, x->a, MOVEFILE_REPLACE_EXISTING | MOVEFILE_DELAY_UNTIL_REBOOT)) {
        log_line(L"", join3(L"in use: ", x->a, L" is restored when Windows restarts"));
        return e.pending = 1;
      }
      err = GetLastError();
    }
    return failed(L"Cannot restore ", x->a, err);
  case J_ADD:
    if (!exists(x->a) || !doing(L"remove ", x->a, NULL)) return 1;
    SetFileAttributesW(x->a, FILE_ATTRIBUTE_NORMAL);
    if (DeleteFileW(x->a)) return 1;
    err = GetLastError();
    if (in_use(err) && MoveFileExW(x->a, NULL, MOVEFILE_DELAY_UNTIL_REBOOT)) return e.pending = 1;
    return failed(L"Cannot remove ", x->a, err);
  case J_STAGED:
    if (!doing(L"cancel ", x->a, NULL)) return 1;
    pending_cancel(x->a, 0);
    SetFileAttributesW(x->a, FILE_ATTRIBUTE_NORMAL);
    return DeleteFileW(x->a) || !exists(x->a) ? 1 : failed(L"Cannot remove ", x->a, GetLastError());
  case J_DIR:
    if (!exists(x->a) || !doing(L"remove folder ", x->a, NULL)) return 1;
    return RemoveDirectoryW(x->a) ? 1 : failed(L"Cannot remove the folder ", x->a, GetLastError());
  case J_KEY:
    wb_add(&m, L"HKLM\\");
    wb_add(&m, x->a);
    wb_view(&m, x->view);
    if (!doing(L"delete registry key ", m.p, NULL)) return 1;
    err = reg_delete_key(x->view, x->a);
    return err ? failed(L"Cannot delete the registry key ", m.p, err) : 1;
  case J_VALUE:
    if (!doing(L"delete registry value ", x->b, join3(L" of HKLM\\", x->a, L""))) return 1;
    err = reg_delete_value(x->view, x->a, x->b);
    return err ? failed(L"Cannot delete the registry value ", x->b, err) : 1;
  }
  return 1;
}

static void rollback(void) {
  log_line(L"", L"rolling back");
  e.failed = 0;
  for (DWORD i = e.nActs; i-- > 0;)
    if (e.acts[i].kind != J_SERVICE) undo(&e.acts[i]);
  start_services(e.acts, e.nActs);
  if (e.journal) CloseHandle(e.journal);
  e.journal = NULL;
  if (e.backup) remove_tree(e.backup);
  if (e.backup) RemoveDirectoryW(e.backup);
  log_line(L"", L"rolled back: the product is as it was before");
}

/* The restart policy and switches: 0, 3010 or 1641. */
static int finish(int needRestart, const WCHAR *done) {
  if (!needRestart) {
    say(0, done);
    return EXIT_OK;
  }
  WCHAR *m = join3(done, L" Windows must restart to complete it.", L"");
  int go = g.forcerestart;
  if (!go && !g.norestart && !g.quiet && !g.passive) {
    destroy_progress();
    go = MessageBoxW(NULL, join3(m, L"\r\n\r\nRestart now?", L""), g.selfName, MB_YESNO | MB_ICONQUESTION) == IDYES;
  } else {
    say(0, m);
  }
  if (go && request_restart()) {
    log_line(L"", L"restart started");
    return EXIT_REBOOT_INITIATED;
  }
  return EXIT_REBOOT_REQUIRED;
}

static WCHAR *backup_dir(void) {
  WCHAR win[MAX_PATH + 1];
  UINT n = GetSystemWindowsDirectoryW(win, MAX_PATH);
  if (!n || n >= MAX_PATH) return NULL;
  return join3(win, L"\\" BACKUP_ROOT L"\\", e.pl->updateId);
}

static int install(Package *pkg) {
  Plan *pl = e.pl;
  int rc = applicable();
  if (rc) return rc;
  if (reg_key_exists(pl->entry.view, pl->entry.key)) {
    say2(0, pl->updateId, join3(L" is already installed (HKLM\\", pl->entry.key, L" exists)."));
    return EXIT_ALREADY_INSTALLED;
  }
  e.backup = backup_dir();
  if (!e.backup) return failed(L"Cannot find the Windows folder", L"", GetLastError()), EXIT_FAILED;
  if (!g.whatif && exists(join3(e.backup, L"\\", JOURNAL_NAME))) {
    failed(L"A backup of an earlier install of this update is in the way (run /uninstall first): ", e.backup, 0);
    return EXIT_FAILED;
  }
  if (!g.whatif && exists(e.backup)) {
    /* What a removal left to go at restart (the engine that ran it): it goes now, and so
     * does the delayed delete, which would otherwise take the new copy with it. */
    log_line(L"remove the rest of an earlier removal: ", e.backup);
    pending_cancel(e.backup, 1);
    pending_cancel(e.backup, 0);
    remove_tree(e.backup);
    RemoveDirectoryW(e.backup);
  }
  if (!g.whatif) {
    WCHAR *plain, *lf;
    e.temp = make_temp_dir();
    if (!e.temp) return failed(L"Cannot create a temporary folder", L"", GetLastError()), EXIT_FAILED;
    full_paths(e.temp, &plain, &lf);
    log_line(L"folder ", plain);
    rc = extract(pkg, lf, plain);
    e.temp = plain;
    if (rc) return rc;
    WBuf who = {0};
    if (wait_processes(pl->processes, pl->nProcesses, &who))
      return failed(L"A program that must exit first is still running: ", who.p, 0), EXIT_FAILED;
    /* The first change: the backup folder and its journal. */
    WCHAR *root = backup_dir();
    root[wlen(root) - wlen(pl->updateId) - 1] = 0;
    CreateDirectoryW(root, NULL);
    SetFileAttributesW(root, FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM);
    WCHAR *files = join3(e.backup, L"\\files", L"");
    if ((!CreateDirectoryW(e.backup, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) ||
        !CreateDirectoryW(files, NULL))
      return failed(L"Cannot create the backup folder ", e.backup, GetLastError()), EXIT_FAILED;
    e.journal = CreateFileW(join3(e.backup, L"\\", JOURNAL_NAME), GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_NEW,
                            FILE_ATTRIBUTE_NORMAL, NULL);
    if (e.journal == INVALID_HANDLE_VALUE) {
      e.journal = NULL;
      failed(L"Cannot create the journal in ", e.backup, GetLastError());
      rollback();
      return EXIT_FAILED;
    }
    write_line(join3(JOURNAL_MAGIC L"\t1\t", pl->updateId, L"\r\n"));
  } else {
    wb_add(&e.what, L"would extract the package and create the backup folder ");
    wb_add(&e.what, e.backup);
    wb_add(&e.what, L"\r\n");
  }
  WCHAR *copy = join3(e.backup, L"\\", g.selfName);
  int ok = stop_services() && install_files() && (!doing(L"keep the package for removal as ", copy, NULL) ||
                                                    CopyFileW(g.selfPath, copy, FALSE) ||
                                                    failed(L"Cannot copy the package to ", copy, GetLastError()));
  ok = ok && write_entries(copy) && start_services(e.acts, e.nActs);
  whatif_starts();
  if (!ok) {
    rollback();
    say2(1, pl->updateId, L" was not installed; every change was undone.");
    return EXIT_FAILED;
  }
  if (g.whatif) return EXIT_OK;
  write_line(L"complete\r\n");
  CloseHandle(e.journal);
  e.journal = NULL;
  return finish(e.pending || pl->restart == PLAN_RESTART_REQUIRED, join3(pl->updateId, L" was installed.", L""));
}

static int uninstall(void) {
  Plan *pl = e.pl;
  int missing;
  e.backup = backup_dir();
  if (!e.backup) return failed(L"Cannot find the Windows folder", L"", GetLastError()), EXIT_FAILED;
  WCHAR *jpath = join3(e.backup, L"\\", JOURNAL_NAME);
  if (!read_journal(jpath, &missing)) {
    if (missing) {
      say2(1, pl->updateId, L" is not installed: there is nothing to remove.");
      return EXIT_NOT_APPLICABLE;
    }
    return damaged(join3(L"its removal journal ", jpath, L" is not valid; nothing was changed."));
  }
  WBuf who = {0};
  if (!g.whatif && wait_processes(pl->processes, pl->nProcesses, &who))
    return failed(L"A program that must exit first is still running: ", who.p, 0), EXIT_FAILED;
  /* The services: stop those running now (not the journal's: install started them again). */
  Act *kept = e.acts;
  DWORD nKept = e.nActs;
  e.acts = NULL;
  e.nActs = e.capActs = 0;
  int ok = stop_services();
  Act *stopped = e.acts;
  DWORD nStopped = e.nActs;
  for (DWORD i = nKept; ok && i-- > 0;)
    if (kept[i].kind != J_SERVICE && !undo(&kept[i])) ok = 0;
  e.acts = stopped;
  if (!start_services(stopped, nStopped)) ok = 0;
  whatif_starts();
  if (g.whatif) return EXIT_OK;
  if (!ok) {
    say2(1, pl->updateId, L" could not be removed completely; the backup folder is kept (see the log).");
    return EXIT_FAILED;
  }
  log_line(L"remove ", e.backup);
  remove_tree(e.backup);
  if (!RemoveDirectoryW(e.backup)) {
    /* This program runs from the backup folder: it and the folder go at the next restart. */
    MoveFileExW(g.selfPath, NULL, MOVEFILE_DELAY_UNTIL_REBOOT);
    MoveFileExW(e.backup, NULL, MOVEFILE_DELAY_UNTIL_REBOOT);
  }
  return finish(e.pending, join3(pl->updateId, L" was removed.", L""));
}

int install_main(Package *pkg) {
  e.pl = pkg->plan;
  log_line(g.uninstall ? L"uninstall " : L"install ", e.pl->updateId);
  int rc = g.uninstall ? uninstall() : install(pkg);
  if (e.temp) {
    /* The extracted files, whatever happened. */
    remove_tree(e.temp);
    RemoveDirectoryW(e.temp);
  }
  if (g.whatif && rc == EXIT_OK) {
    g.quiet = 0;
    say(0, e.what.len ? e.what.p : L"(nothing to do)");
  }
  WBuf m = {0};
  wb_add(&m, L"exit code ");
  wb_num(&m, (DWORD)rc);
  log_line(L"", m.p);
  return rc;
}
