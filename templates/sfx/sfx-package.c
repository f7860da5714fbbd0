/*
 * Finding and checking the package header and cabinet after the stub's own image;
 * the rule for names inside the package.
 */
#include "sfx.h"

static const u8 SFX_MAGIC[8] = {'C', 'W', 'S', 'F', 'X', '\r', '\n', 0x1a};

/* Reading our own file. */
static DWORD le32(const u8 *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((DWORD)p[3] << 24); }
static WORD le16(const u8 *p) { return (WORD)(p[0] | (p[1] << 8)); }

HANDLE open_self(void) {
  return CreateFileW(g.selfPath, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL,
                     OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_SEQUENTIAL_SCAN, NULL);
}

/* Read up to n bytes at an absolute offset; returns the count read. */
DWORD read_at(HANDLE h, ULONGLONG off, void *buf, DWORD n) {
  OVERLAPPED o = {0};
  DWORD got = 0;
  o.Offset = (DWORD)off;
  o.OffsetHigh = (DWORD)(off >> 32);
  if (!ReadFile(h, buf, n, &got, &o)) return 0;
  return got;
}


/* Where the image ends (the end of the last section's raw data) and where the
 * Authenticode certificate table starts and how long it is (0 when unsigned), from our own
 * headers. */
static ULONGLONG image_end(ULONGLONG *certOffset, ULONGLONG *certSize) {
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
  *certSize = *certOffset ? d->Size : 0;
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

int damaged(const WCHAR *what) {
  say2(1, L"This package is damaged: ", what);
  return EXIT_DAMAGED;
}

/* Find the package header after our image, check it and the cabinet's CRC-32. */
int load_package(Package *pkg) {
  ULONGLONG cert, certSize, end = image_end(&cert, &certSize), fileSize, limit;
  LARGE_INTEGER li;
  u8 hdr[SFX_HEADER_SIZE_V2];
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
  /* Nothing may follow the signature: bytes there are not covered by it (CVE-2013-3900). */
  if (cert && cert + certSize != fileSize) {
    rc = damaged(L"data follows its signature (the file was changed after it was signed).");
    goto done;
  }
  DWORD got = end + SFX_HEADER_SIZE <= limit ? read_at(h, end, hdr, SFX_HEADER_SIZE_V2) : 0;
  if (got < SFX_HEADER_SIZE) {
    rc = damaged(L"it holds no cabinet after the program (it was cut short, or is the bare stub).");
    goto done;
  }
  for (int i = 0; i < 8; i++)
    if (hdr[i] != SFX_MAGIC[i]) {
      rc = damaged(L"the package header after the program is missing or overwritten.");
      goto done;
    }
  /* Version 1: a 40-byte header; version 2: 48 bytes, with an install plan's size and CRC. */
  int v2 = le16(hdr + 8) == SFX_VERSION_PLAN && le16(hdr + 10) == SFX_HEADER_SIZE_V2;
  DWORD hsize = v2 ? SFX_HEADER_SIZE_V2 : SFX_HEADER_SIZE;
  if (!v2 && (le16(hdr + 8) != SFX_VERSION || le16(hdr + 10) != SFX_HEADER_SIZE)) {
    rc = crc_update(0, hdr, 36) != le32(hdr + 36)
             ? damaged(L"the package header's checksum does not match.")
             : damaged(L"the package header has an unknown version (made by a newer cabwright?).");
    goto done;
  }
  if (got < hsize || crc_update(0, hdr, hsize - 4) != le32(hdr + hsize - 4)) {
    rc = damaged(L"the package header's checksum does not match.");
    goto done;
  }
  DWORD cmdBytes = le32(hdr + 16), argBytes = le32(hdr + 20), cabRel = le32(hdr + 24);
  pkg->cabSize = le32(hdr + 28);
  DWORD wantCrc = le32(hdr + 32);
  DWORD planBytes = v2 ? le32(hdr + 36) : 0, planCrc = le32(hdr + 40);
  if (le32(hdr + 12) != 0) {
    rc = damaged(L"the package header has an unknown version (made by a newer cabwright?).");
    goto done;
  }
  if ((cmdBytes | argBytes) & 1 || cmdBytes > SFX_MAX_COMMAND_BYTES ||
      argBytes > SFX_MAX_ARGS_BYTES || planBytes > PLAN_MAX_BYTES ||
      (v2 && (cmdBytes || argBytes || !planBytes)) ||
      cabRel != ((hsize + cmdBytes + argBytes + planBytes + 7) & ~7u) ||
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
    DWORD chunk = 1 << 16, crc = 0, total = cabRel - hsize + pkg->cabSize, done_ = 0;
    u8 *buf = xalloc(chunk);
    set_progress(L"Checking the package...", 0, total);
    while (done_ < total) {
      DWORD want = total - done_ < chunk ? total - done_ : chunk;
      if (read_at(h, end + hsize + done_, buf, want) != want) break;
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
  if (planBytes) {
    /* The plan: its own CRC-32, then every field checked before anything is changed. */
    u8 *pb = xalloc(planBytes);
    Plan *pl = xalloc(sizeof(Plan));
    if (read_at(h, end + hsize, pb, planBytes) != planBytes || crc_update(0, pb, planBytes) != planCrc)
      rc = damaged(L"its install plan could not be read or its CRC-32 does not match.");
    else if (!plan_parse(pb, planBytes, pl, &m))
      rc = damaged(m.p);
    else
      pkg->plan = pl;
    xfree(pb);
  }
  if (cmdBytes) {
    pkg->command = read_utf16(h, end + SFX_HEADER_SIZE, cmdBytes);
    pkg->args = read_utf16(h, end + SFX_HEADER_SIZE + cmdBytes, argBytes);
    if (!pkg->command || !pkg->args) rc = damaged(L"its entry command could not be read.");
    else if (!safe_name(pkg->command))
      rc = damaged(L"its entry command is not a path inside the package.");
  }
done:
  CloseHandle(h);
  xfree(m.p);
  return rc;
}

/* Names inside the cabinet. */
static int is_device_name(const WCHAR *c, DWORD n) {
  static const WCHAR *const devices[] = {L"con", L"prn", L"aux", L"nul", L"conin$", L"conout$"};
  DWORD base = 0;
  while (base < n && c[base] != '.') base++;
  while (base && c[base - 1] == ' ') base--; /* Windows reads "CON .txt" as CON */
  for (int i = 0; i < 6; i++)
    if (wieq(c, base, devices[i])) return 1;
  if (base == 4 && (wieq(c, 3, L"com") || wieq(c, 3, L"lpt")) && c[3] >= '0' && c[3] <= '9')
    return 1;
  return 0;
}

/* A relative path that stays inside the folder: "/" becomes "\" in place; no drive, no
 * root, no "." or ".." or empty part, no device name, no character Windows rejects or
 * drops (":" would open an alternate data stream, a trailing dot or space is stripped). */
int safe_name(WCHAR *n) {
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
