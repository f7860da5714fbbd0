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
#define SFX_VERSION_PLAN 2          /* header version 2: an install plan follows */
#define SFX_HEADER_SIZE_V2 48
#define PLAN_MAX_BYTES (16u << 20)  /* builder/install/plan-format.ts: PLAN_MAX_BYTES */
#define PLAN_MAX_STRING 4096        /* UTF-16 code units */
#define PLAN_VERSION 1
#define PLAN_ROOT_HKLM 1
#define PLAN_LOC_REGISTRY 1
#define PLAN_LOC_FOLDER 2
#define PLAN_FOLDER_PROGRAM_FILES 1
#define PLAN_FOLDER_PROGRAM_FILES_X86 2
#define PLAN_FOLDER_SYSTEM32 3
#define PLAN_FOLDER_WINDOWS 4
#define PLAN_VER_REGISTRY 1
#define PLAN_VER_FILE 2
#define PLAN_RESTART_REQUIRED 1
#define IV_HAS_MIN 1
#define IV_MIN_INCL 2
#define IV_HAS_MAX 4
#define IV_MAX_INCL 8
#define PF_HAS_VERSION 1
#define PF_ONLY64 2
#define PF_NO_DOWNGRADE 4
#define PF_BACKUP 8
#define PF_IS_NEW 16
#define CAB_HEADER_MIN 36          /* CFHEADER without reserve fields */
#define CAB_MAX_SIZE 0x7fffffffu   /* FDI seeks with signed 32-bit offsets */

/* Exit codes of the stub itself (the entry command's own pass through). */
#define EXIT_OK 0
#define EXIT_DAMAGED 13    /* ERROR_INVALID_DATA: package damaged, truncated or unsafe */
#define EXIT_BAD_SWITCH 87 /* ERROR_INVALID_PARAMETER: unknown switch or bad value */
#define EXIT_FAILED 1603   /* ERROR_INSTALL_FAILURE: could not extract or start the command */
/* The install engine's (builder/install/plan-format.ts InstallExitCode). */
#define EXIT_REBOOT_INITIATED 1641    /* ERROR_SUCCESS_REBOOT_INITIATED */
#define EXIT_REBOOT_REQUIRED 3010     /* ERROR_SUCCESS_REBOOT_REQUIRED */
#define EXIT_NOT_APPLICABLE ((int)0x80240017u) /* WU_E_NOT_APPLICABLE, as wusa.exe */
#define EXIT_ALREADY_INSTALLED 0x00240006      /* WU_S_ALREADY_INSTALLED, as wusa.exe */

/* FDI seek origins (stdio's, which the stub does not include). */
#define SEEK_SET_ 0
#define SEEK_CUR_ 1
#define SEEK_END_ 2

typedef struct {
  WCHAR *p;
  DWORD len, cap;
} WBuf;

/* The install plan (sfx-plan.c reads it; builder/install/plan.ts is the model). */
typedef struct {
  BYTE view; /* 32 or 64; the root is HKLM */
  WCHAR *key, *value;
} RegRef;
typedef struct {
  WCHAR *name;
  BYTE type; /* REG_SZ or REG_DWORD */
  WCHAR *sz;
  DWORD dw;
} RegVal;
typedef struct {
  WCHAR *name;
  DWORD timeout; /* ms */
} Waitable;
typedef struct {
  BYTE flags; /* IV_* */
  WORD min[4], max[4];
} Interval;
typedef struct {
  WCHAR *source, *dest;
  BYTE flags; /* PF_* */
  WORD ver[4];
} PlanFile;
typedef struct {
  WCHAR *name, *title, *kb, *company;
  WORD version[4];
  BYTE restart;
  WCHAR *product;
  BYTE locKind, folder, verKind, is64;
  RegRef locReg, verReg, entry;
  WCHAR *folderPath, *verFile, *requirement, *updateId, *arpKey;
  DWORD nAccept, nServices, nProcesses, nFiles, nEntryVals, nArpVals;
  Interval *accept;
  Waitable *services, *processes;
  PlanFile *files;
  RegVal *entryVals, *arpVals;
} Plan;

typedef struct {
  ULONGLONG cabOffset; /* absolute, in our own file */
  DWORD cabSize;
  WORD cabFiles;
  WCHAR *command; /* NULL: extract only */
  WCHAR *args;
  Plan *plan; /* NULL: no install plan */
} Package;

/* Switches and run-time state (sfx-ui.c defines it). */
struct SfxState {
  int quiet, passive, norestart, help;
  int uninstall, whatif, overwriteoem, forcerestart, promptrestart;
  int replaceArgs;          /* /replaceargs: the arguments after -- replace the defaults */
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

/* sfxstub.c */
WCHAR *make_temp_dir(void);

/* sfx-plan.c */
int plan_parse(const u8 *bytes, DWORD n, Plan *pl, WBuf *why);

/* sfx-system.c: registry, services, processes, versions, folders, restart */
REGSAM view_sam(BYTE view);
WCHAR *reg_read_sz(const RegRef *r, DWORD *err);
int reg_key_exists(BYTE view, const WCHAR *key);
DWORD reg_delete_key(BYTE view, const WCHAR *key);
DWORD reg_delete_value(BYTE view, const WCHAR *key, const WCHAR *name);
int parse_version(const WCHAR *s, WORD v[4]);
int file_version(const WCHAR *path, WORD v[4]);
int version_strings(const WCHAR *path, const WCHAR *const *names, int count, WCHAR **out);
int cmp_version(const WORD a[4], const WORD b[4]);
void wb_version(WBuf *b, const WORD v[4]);
int os_is_64(int *wow64);
WCHAR *known_folder(BYTE id, int wow64, int is64);
DWORD service_state(const WCHAR *name);
DWORD service_control(const WCHAR *name, int start, DWORD timeout);
DWORD wait_processes(const Waitable *p, DWORD n, WBuf *why);
DWORD pending_cancel(const WCHAR *staged, int under);
int request_restart(void);
int same_bytes(const WCHAR *a, const WCHAR *b);

/* sfx-install.c */
int install_main(Package *pkg);

#endif
