/* Shared declarations of the cabwright SFX stub (sfxstub.c has the overview). */
#ifndef CABWRIGHT_SFX_H
#define CABWRIGHT_SFX_H
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

/* Package header (docs/sfx.md; builder/sfx/constants.ts has the same numbers). */
#define SFX_HEADER_SIZE 40
#define SFX_VERSION 1
#define SFX_MAX_COMMAND_BYTES 2048 /* 1024 UTF-16 code units */
#define SFX_MAX_ARGS_BYTES 16384   /* 8192 UTF-16 code units */
#define CAB_HEADER_MIN 36          /* CFHEADER without reserve fields */
#define CAB_MAX_SIZE 0x7fffffffu   /* FDI seeks with signed 32-bit offsets */

/* Exit codes of the stub itself (the entry command's own pass through). */
#define EXIT_OK 0
#define EXIT_DAMAGED 13    /* ERROR_INVALID_DATA: package damaged, truncated or unsafe */
#define EXIT_BAD_SWITCH 87 /* ERROR_INVALID_PARAMETER: unknown switch or bad value */
#define EXIT_FAILED 1603   /* ERROR_INSTALL_FAILURE: could not extract or start the command */

/* FDI seek origins (stdio's, which the stub does not include). */
#define SEEK_SET_ 0
#define SEEK_CUR_ 1
#define SEEK_END_ 2

typedef struct {
  WCHAR *p;
  DWORD len, cap;
} WBuf;

typedef struct {
  ULONGLONG cabOffset; /* absolute, in our own file */
  DWORD cabSize;
  WORD cabFiles;
  WCHAR *command; /* NULL: extract only */
  WCHAR *args;
} Package;

/* Switches and run-time state (sfx-ui.c defines it). */
struct SfxState {
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
};
extern struct SfxState g;
extern HANDLE g_heap;
/* Files extracted by the last extract(). */
extern DWORD g_extracted;

/* sfx-base.c */
void fatal_oom(void);
void *xalloc(SIZE_T n);
void xfree(void *p);
DWORD wlen(const WCHAR *s);
WCHAR wlower(WCHAR c);
int wieq(const WCHAR *s, DWORD n, const WCHAR *lit);
void wb_addn(WBuf *b, const WCHAR *s, DWORD n);
void wb_add(WBuf *b, const WCHAR *s);
void wb_num(WBuf *b, ULONGLONG v);
void wb_hex(WBuf *b, DWORD v);
void wb_arg(WBuf *b, const WCHAR *a);
void crc_init(void);
DWORD crc_update(DWORD crc, const u8 *p, DWORD n);

/* sfx-ui.c */
HANDLE usable(HANDLE h);
void find_console(void);
void log_line(const WCHAR *level, const WCHAR *text);
void destroy_progress(void);
void say(int isError, const WCHAR *text);
void say2(int isError, const WCHAR *a, const WCHAR *b);
void wb_syserr(WBuf *b, DWORD code);
void show_progress(void);
void set_progress(const WCHAR *text, DWORD done, DWORD total);

/* sfx-package.c */
HANDLE open_self(void);
DWORD read_at(HANDLE h, ULONGLONG off, void *buf, DWORD n);
int safe_name(WCHAR *n);
int damaged(const WCHAR *what);
int load_package(Package *pkg);

/* sfx-extract.c */
void full_paths(const WCHAR *dir, WCHAR **plain, WCHAR **longForm);
int remove_tree(const WCHAR *dir);
HMODULE load_system_dll(const WCHAR *name);
int extract(Package *pkg, WCHAR *rootLong, const WCHAR *rootPlain);

#endif
