/*
 * Reading the install plan block (docs/install.md, "The plan in the package";
 * builder/install/plan-format.ts has the same numbers). One bounded cursor: every length
 * is checked against what is left before it is used, every string is copied out with a
 * NUL, and the first problem stops the parse with its byte offset.
 */
#include "sfx.h"

typedef struct {
  const u8 *p;
  DWORD n, at;
  DWORD badAt;
  const WCHAR *bad; /* the first problem, or NULL */
} Cursor;

static int fail(Cursor *c, DWORD at, const WCHAR *what) {
  if (!c->bad) {
    c->bad = what;
    c->badAt = at;
  }
  return 0;
}
static int need(Cursor *c, DWORD k) {
  if (c->bad) return 0;
  if (c->n - c->at < k) return fail(c, c->at, L"the plan is cut short");
  return 1;
}
static u8 rd8(Cursor *c) { return need(c, 1) ? c->p[c->at++] : 0; }
static WORD rd16(Cursor *c) {
  if (!need(c, 2)) return 0;
  WORD v = (WORD)(c->p[c->at] | (c->p[c->at + 1] << 8));
  c->at += 2;
  return v;
}
static DWORD rd32(Cursor *c) {
  DWORD lo = rd16(c);
  return lo | ((DWORD)rd16(c) << 16);
}
static void rdver(Cursor *c, WORD v[4]) {
  for (int i = 0; i < 4; i++) v[i] = rd16(c);
}
/* A string: u16 count of UTF-16 code units, then the units; no NUL or control character. */
static WCHAR *rdstr(Cursor *c) {
  DWORD at = c->at;
  WORD n = rd16(c);
  if (c->bad) return NULL;
  if (n > PLAN_MAX_STRING) return fail(c, at, L"a string is longer than 4096 characters"), NULL;
  if (!need(c, (DWORD)n * 2)) return NULL;
  WCHAR *s = xalloc(((SIZE_T)n + 1) * sizeof(WCHAR));
  for (WORD i = 0; i < n; i++) {
    s[i] = (WCHAR)(c->p[c->at] | (c->p[c->at + 1] << 8));
    if (s[i] < 32) return fail(c, c->at, L"a string holds a control character"), s;
    c->at += 2;
  }
  return s;
}
static WCHAR *rdnonempty(Cursor *c) {
  DWORD at = c->at;
  WCHAR *s = rdstr(c);
  if (s && !s[0]) fail(c, at, L"a name is empty");
  return s;
}
/* A relative path inside its folder (safe_name), or one name without a backslash. */
static WCHAR *rdpath(Cursor *c, int oneName, int mayBeEmpty) {
  DWORD at = c->at;
  WCHAR *s = rdstr(c);
  if (!s || c->bad || (mayBeEmpty && !s[0])) return s;
  for (WCHAR *q = s; *q; q++)
    if (*q == '/' || (oneName && *q == '\\')) return fail(c, at, L"a path holds a separator it may not have"), s;
  if (!safe_name(s)) fail(c, at, L"a path leaves its folder or is not a Windows name");
  return s;
}
static WCHAR *rdkey(Cursor *c) {
  DWORD at = c->at;
  WCHAR *s = rdnonempty(c);
  if (!s || c->bad) return s;
  DWORD n = wlen(s);
  if (s[0] == '\\' || s[n - 1] == '\\') return fail(c, at, L"a registry key starts or ends with \\"), s;
  for (DWORD i = 1; i < n; i++)
    if (s[i] == '\\' && s[i - 1] == '\\') return fail(c, at, L"a registry key has an empty part"), s;
  return s;
}
static u8 rdenum(Cursor *c, u8 lo, u8 hi) {
  DWORD at = c->at;
  u8 v = rd8(c);
  if (!c->bad && (v < lo || v > hi)) fail(c, at, L"an unknown code");
  return v;
}
static u8 rdview(Cursor *c) {
  DWORD at = c->at;
  u8 v = rd8(c);
  if (!c->bad && v != 32 && v != 64) fail(c, at, L"a registry view that is not 32 or 64");
  return v;
}
static void rdref(Cursor *c, RegRef *r, int withValue) {
  rdenum(c, PLAN_ROOT_HKLM, PLAN_ROOT_HKLM);
  r->view = rdview(c);
  r->key = rdkey(c);
  if (withValue) r->value = rdstr(c);
}
static void *rdlist(Cursor *c, DWORD *count, SIZE_T size) {
  *count = rd16(c);
  return c->bad ? NULL : xalloc(*count * size + 1);
}
static RegVal *rdvalues(Cursor *c, DWORD *count) {
  RegVal *v = rdlist(c, count, sizeof(RegVal));
  for (DWORD i = 0; v && i < *count && !c->bad; i++) {
    v[i].name = rdstr(c);
    DWORD at = c->at;
    v[i].type = rd8(c);
    if (v[i].type == REG_SZ) v[i].sz = rdstr(c);
    else if (v[i].type == REG_DWORD) v[i].dw = rd32(c);
    else fail(c, at, L"a registry value type that is not REG_SZ or REG_DWORD");
  }
  return v;
}

/* Parse the plan block; 0 and a message with the byte offset (in *why) when it is not valid. */
int plan_parse(const u8 *bytes, DWORD n, Plan *pl, WBuf *why) {
  Cursor cc = {bytes, n, 0, 0, NULL}, *c = &cc;
  if (!need(c, 8) || bytes[0] != 'C' || bytes[1] != 'W' || bytes[2] != 'P' || bytes[3] != 'L')
    fail(c, 0, L"no plan signature");
  c->at = 4;
  if (!c->bad && rd16(c) != PLAN_VERSION) fail(c, 4, L"an unknown plan format version");
  if (!c->bad && rd16(c) != 0) fail(c, 6, L"a reserved field is not 0");
  pl->name = rdstr(c);
  pl->title = rdstr(c);
  rdver(c, pl->version);
  pl->kb = rdstr(c);
  pl->company = rdstr(c);
  pl->restart = rdenum(c, 0, 2);
  pl->product = rdstr(c);
  pl->locKind = rdenum(c, PLAN_LOC_REGISTRY, PLAN_LOC_FOLDER);
  if (pl->locKind == PLAN_LOC_REGISTRY) rdref(c, &pl->locReg, 1);
  else {
    pl->folder = rdenum(c, PLAN_FOLDER_PROGRAM_FILES, PLAN_FOLDER_WINDOWS);
    pl->folderPath = rdpath(c, 0, 1);
  }
  pl->verKind = rdenum(c, PLAN_VER_REGISTRY, PLAN_VER_FILE);
  if (pl->verKind == PLAN_VER_REGISTRY) rdref(c, &pl->verReg, 1);
  else pl->verFile = rdpath(c, 0, 0);
  pl->accept = rdlist(c, &pl->nAccept, sizeof(Interval));
  for (DWORD i = 0; pl->accept && i < pl->nAccept && !c->bad; i++) {
    DWORD at = c->at;
    pl->accept[i].flags = rd8(c);
    if (pl->accept[i].flags & ~15) fail(c, at, L"unknown interval flags");
    rdver(c, pl->accept[i].min);
    rdver(c, pl->accept[i].max);
  }
  pl->requirement = rdstr(c);
  pl->is64 = rdenum(c, 0, 1);
  pl->services = rdlist(c, &pl->nServices, sizeof(Waitable));
  for (DWORD i = 0; pl->services && i < pl->nServices && !c->bad; i++) {
    pl->services[i].name = rdnonempty(c);
    pl->services[i].timeout = rd32(c);
  }
  pl->processes = rdlist(c, &pl->nProcesses, sizeof(Waitable));
  for (DWORD i = 0; pl->processes && i < pl->nProcesses && !c->bad; i++) {
    pl->processes[i].name = rdnonempty(c);
    pl->processes[i].timeout = rd32(c);
  }
  pl->files = rdlist(c, &pl->nFiles, sizeof(PlanFile));
  for (DWORD i = 0; pl->files && i < pl->nFiles && !c->bad; i++) {
    PlanFile *f = &pl->files[i];
    f->source = rdpath(c, 0, 0);
    f->dest = rdpath(c, 0, 0);
    DWORD at = c->at;
    f->flags = rd8(c);
    if (f->flags & ~31) fail(c, at, L"unknown file flags");
    rdver(c, f->ver);
  }
  pl->updateId = rdpath(c, 1, 0);
  rdref(c, &pl->entry, 0);
  pl->entryVals = rdvalues(c, &pl->nEntryVals);
  pl->arpKey = rdpath(c, 1, 0);
  pl->arpVals = rdvalues(c, &pl->nArpVals);
  if (!c->bad && c->at != n) fail(c, c->at, L"bytes follow the plan's end");
  if (!c->bad) return 1;
  wb_add(why, L"its install plan is not valid at plan byte ");
  wb_num(why, c->badAt);
  wb_add(why, L": ");
  wb_add(why, c->bad);
  wb_add(why, L".");
  return 0;
}
