/*
 * Extraction with cabinet.dll's FDI into a folder, and the folder helpers.
 */
#include "sfx.h"

/* Folders. */
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
void full_paths(const WCHAR *dir, WCHAR **plain, WCHAR **longForm) {
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
int remove_tree(const WCHAR *dir) {
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

/* FDI callbacks. */
typedef struct {
  HANDLE h;
  int isCab;
  ULONGLONG base; /* cabinet: its offset in our file */
  LONG size, pos; /* cabinet: size and position relative to base */
  WCHAR *path;    /* extracted file: its final path */
  WCHAR *temp;    /* extracted file: the new name it is written to, renamed onto path */
  HANDLE *dirs;   /* extracted file: its folders, held open until it is in place */
  DWORD ndirs;
} FH;

static Package *g_pkg;
static WCHAR *g_root; /* "\\?\" form of the extraction folder */
DWORD g_extracted;
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
  if (f->h && f->temp) DeleteFileW(f->temp); /* abandoned half-way: no half-written file */
  for (DWORD i = 0; i < f->ndirs; i++) CloseHandle(f->dirs[i]);
  xfree(f->dirs);
  xfree(f->temp);
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

/*
 * Links planted in the target. The extraction makes no link or junction (reparse point),
 * so one found on the way was planted: a folder that is one is refused (exit 13), before
 * anything is written into it; a file name that is one is replaced, never written
 * through. Each file is written to a new name made with CREATE_NEW (which never opens an
 * existing name, dangling link or not) and MoveFileEx then puts it in place of whatever
 * held the name, a link included, without opening that link's target. Every folder on
 * the way is held open without FILE_SHARE_DELETE until the file is in place, so on
 * Windows it cannot be swapped for a junction between the check and the rename.
 */
static int g_linkRefused;

static int is_reparse(DWORD a) {
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_REPARSE_POINT);
}

static int link_refused(const WCHAR *path) {
  g_linkRefused = 1;
  return fdi_fail(path + 4,
                  L" is a link or junction that this extraction did not create: refusing to "
                  L"write through it (remove it, or extract elsewhere).",
                  0, EXIT_DAMAGED);
}

/* Check one folder (creating it if absent) and hold it open; 0, or fdi_fail's -1. */
static int hold_folder(FH *f, const WCHAR *path, int create) {
  DWORD a = GetFileAttributesW(path);
  if (a == INVALID_FILE_ATTRIBUTES && create) {
    CreateDirectoryW(path, NULL);
    a = GetFileAttributesW(path);
  }
  if (is_reparse(a)) return link_refused(path);
  HANDLE h = CreateFileW(path, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                         OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
                         NULL);
  BY_HANDLE_FILE_INFORMATION fi;
  if (h == INVALID_HANDLE_VALUE || !GetFileInformationByHandle(h, &fi)) {
    DWORD e = GetLastError();
    if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
    return fdi_fail(L"Cannot create the folder ", path + 4, e, EXIT_FAILED);
  }
  if (is_reparse(fi.dwFileAttributes)) {
    CloseHandle(h);
    return link_refused(path);
  }
  if (!(fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
    CloseHandle(h);
    return fdi_fail(L"Cannot create the folder ", path + 4, ERROR_DIRECTORY, EXIT_FAILED);
  }
  f->dirs[f->ndirs++] = h;
  return 0;
}

/* A new file beside `path`, under a name no one holds: "~cabwright-N.tmp". */
static int create_temp(FH *f, const WCHAR *path) {
  static DWORD counter;
  DWORD dirLen = wlen(path);
  while (dirLen && path[dirLen - 1] != '\\') dirLen--;
  for (int tries = 0; tries < 1000; tries++) {
    WBuf t = {0};
    wb_addn(&t, path, dirLen);
    wb_add(&t, L"~cabwright-");
    wb_num(&t, GetCurrentProcessId());
    wb_add(&t, L"-");
    wb_num(&t, ++counter);
    wb_add(&t, L".tmp");
    HANDLE h =
        CreateFileW(t.p, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h != INVALID_HANDLE_VALUE) {
      f->h = h;
      f->temp = t.p;
      return 0;
    }
    DWORD e = GetLastError();
    xfree(t.p);
    if (e != ERROR_FILE_EXISTS && e != ERROR_ALREADY_EXISTS)
      return fdi_fail(L"Cannot create ", path + 4, e, EXIT_FAILED);
  }
  return fdi_fail(L"Cannot create ", path + 4, ERROR_FILE_EXISTS, EXIT_FAILED);
}

/* Rename the complete file onto its name, replacing a file (or a link: the link itself). */
static BOOL put_in_place(FH *f) {
  if (MoveFileExW(f->temp, f->path, MOVEFILE_REPLACE_EXISTING)) return TRUE;
  if (GetLastError() != ERROR_ACCESS_DENIED) return FALSE;
  /* A read-only file from an earlier run; a link is removed, never its target changed. */
  DWORD a = GetFileAttributesW(f->path);
  if (a == INVALID_FILE_ATTRIBUTES || (a & FILE_ATTRIBUTE_DIRECTORY)) return FALSE;
  if (is_reparse(a))
    DeleteFileW(f->path);
  else
    SetFileAttributesW(f->path, FILE_ATTRIBUTE_NORMAL);
  return MoveFileExW(f->temp, f->path, MOVEFILE_REPLACE_EXISTING);
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
    FH *f = xalloc(sizeof(FH));
    f->dirs = xalloc((p.len - rootLen + 1) * sizeof(HANDLE));
    int r = 0;
    for (DWORD i = rootLen; i < p.len && !r; i++) /* parent folders, one level at a time */
      if (p.p[i] == '\\') {
        p.p[i] = 0;
        r = hold_folder(f, p.p, 1);
        p.p[i] = '\\';
      }
    if (!r) r = create_temp(f, p.p);
    if (r) {
      fdi_close((INT_PTR)f);
      xfree(p.p);
      xfree(name);
      return r;
    }
    f->path = p.p;
    set_progress(name, g_extracted, g_pkg->cabFiles);
    log_line(L"extract ", name);
    xfree(name);
    return (INT_PTR)f;
  }
  case fdintCLOSE_FILE_INFO: {
    FH *f = (FH *)pfdin->hf;
    FILETIME ft;
    /* Cabinet times are UTC (cabwright writes them so): no local-time conversion. */
    if (DosDateTimeToFileTime(pfdin->date, pfdin->time, &ft)) SetFileTime(f->h, &ft, NULL, &ft);
    CloseHandle(f->h);
    f->h = NULL;
    if (!put_in_place(f)) {
      DWORD e = GetLastError();
      DeleteFileW(f->temp);
      int r = fdi_fail(L"Cannot create ", f->path + 4, e, EXIT_FAILED);
      fdi_close((INT_PTR)f);
      return r;
    }
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

/* A DLL from the system folder by its full path (never from beside the package). */
HMODULE load_system_dll(const WCHAR *name) {
  WCHAR path[MAX_PATH + 32];
  UINT n = GetSystemDirectoryW(path, MAX_PATH);
  DWORD len = wlen(name);
  if (!n || n >= MAX_PATH || len > 30) return NULL;
  path[n] = '\\';
  memcpy(path + n + 1, name, (len + 1) * sizeof(WCHAR));
  return LoadLibraryW(path);
}

static int load_fdi(Fdi *api) {
  HMODULE m = load_system_dll(L"cabinet.dll");
  if (!m) return 0;
  api->create = (FdiCreateFn)(void (*)(void))GetProcAddress(m, "FDICreate");
  api->copy = (FdiCopyFn)(void (*)(void))GetProcAddress(m, "FDICopy");
  api->destroy = (FdiDestroyFn)(void (*)(void))GetProcAddress(m, "FDIDestroy");
  return api->create && api->copy && api->destroy;
}

int extract(Package *pkg, WCHAR *rootLong, const WCHAR *rootPlain) {
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
  g_linkRefused = 0;
  /* The folder beside the package (or a temporary one) must not be a planted junction
   * either; a folder named with /x: may be a link: the user chose it. */
  if (!g.extractDir && is_reparse(GetFileAttributesW(rootLong))) {
    link_refused(rootLong);
    say(1, g.error);
    return EXIT_DAMAGED;
  }
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
    if (g.errorCode == EXIT_DAMAGED && !g_linkRefused) return damaged(g.error);
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
