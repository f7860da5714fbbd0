/*
 * No C runtime: memory, wide strings and CRC-32 for the stub.
 */
#include "sfx.h"

/* No C runtime: the two functions the compiler may call on its own. */
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

HANDLE g_heap;

void fatal_oom(void) { ExitProcess(EXIT_FAILED); }

void *xalloc(SIZE_T n) {
  void *p = HeapAlloc(g_heap, HEAP_ZERO_MEMORY, n ? n : 1);
  if (!p) fatal_oom();
  return p;
}
void xfree(void *p) {
  if (p) HeapFree(g_heap, 0, p);
}

/* Wide strings. */
DWORD wlen(const WCHAR *s) {
  DWORD n = 0;
  while (s[n]) n++;
  return n;
}
WCHAR wlower(WCHAR c) { return (c >= 'A' && c <= 'Z') ? (WCHAR)(c + 32) : c; }
/* Case-insensitive (ASCII) equality of s[0..n) with the NUL-terminated lit. */
int wieq(const WCHAR *s, DWORD n, const WCHAR *lit) {
  DWORD i = 0;
  for (; i < n && lit[i]; i++)
    if (wlower(s[i]) != wlower(lit[i])) return 0;
  return i == n && !lit[i];
}


void wb_addn(WBuf *b, const WCHAR *s, DWORD n) {
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
void wb_add(WBuf *b, const WCHAR *s) { wb_addn(b, s, wlen(s)); }
void wb_num(WBuf *b, ULONGLONG v) {
  WCHAR t[24];
  int i = 24;
  do {
    t[--i] = (WCHAR)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  wb_addn(b, t + i, 24 - i);
}
void wb_hex(WBuf *b, DWORD v) {
  WCHAR t[8];
  for (int i = 7; i >= 0; i--, v >>= 4) t[i] = L"0123456789abcdef"[v & 15];
  wb_addn(b, t, 8);
}
/* Append one argument quoted so that CommandLineToArgvW gives it back unchanged. */
void wb_arg(WBuf *b, const WCHAR *a) {
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

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32). */
static DWORD crc_table[256];
void crc_init(void) {
  for (DWORD i = 0; i < 256; i++) {
    DWORD c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}
DWORD crc_update(DWORD crc, const u8 *p, DWORD n) {
  crc = ~crc;
  while (n--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}
