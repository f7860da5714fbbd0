/**
 * The PE/COFF numbers the diff's small PE walk needs ([MS-PECOFF] section numbers in
 * brackets). Only what neutralDigest and the fact reader use; nothing here writes a PE.
 */

/** "MZ", the DOS header's e_magic, read little-endian. [2] */
export const DOS_MAGIC = 0x5a4d;
/** Offset of e_lfanew, the file offset of the PE signature. [3.2] */
export const DOS_LFANEW_OFFSET = 0x3c;
/** "PE\0\0", read little-endian. [3.2] */
export const PE_SIGNATURE = 0x00004550;
/** Size of the COFF file header that follows the signature. [3.3] */
export const COFF_HEADER_SIZE = 20;
/** COFF header field offsets, relative to the header. [3.3] */
export const COFF = {
  machine: 0,
  numberOfSections: 2,
  timeDateStamp: 4,
  /** A file offset: moves when sections before the symbol table grow. */
  pointerToSymbolTable: 8,
  sizeOfOptionalHeader: 16,
} as const;

/** Optional header magics. [3.4.1] */
export const PE32_MAGIC = 0x10b;
export const PE32_PLUS_MAGIC = 0x20b;
/** Optional header field offsets, relative to the optional header (same in PE32 and PE32+ up to 64). [3.4] */
export const OPT = {
  magic: 0,
  sizeOfInitializedData: 8,
  sizeOfImage: 56,
  sizeOfHeaders: 60,
  checkSum: 64,
} as const;
/** NumberOfRvaAndSizes and the first data directory, by optional header kind. [3.4.2] */
export const OPT_RVA_COUNT = { pe32: 92, pe32plus: 108 } as const;
export const OPT_DATA_DIRS = { pe32: 96, pe32plus: 112 } as const;
/** Data directory indexes. [3.4.3] */
export const DIR = { resource: 2, security: 4, baseReloc: 5, debug: 6 } as const;
export const DATA_DIR_SIZE = 8;

/** One section table entry and its fields. [4] */
export const SECTION_HEADER_SIZE = 40;
export const SECTION = {
  virtualSize: 8,
  virtualAddress: 12,
  sizeOfRawData: 16,
  pointerToRawData: 20,
  characteristics: 36,
} as const;
/** Sanity limit: the PE format allows 96 sections (loaders accept more, we need not). */
export const MAX_SECTIONS = 96;

/** Resource directory table and entries. [6.9] */
export const RES_DIR_SIZE = 16;
export const RES_DIR = { timeDateStamp: 4, namedCount: 12, idCount: 14 } as const;
export const RES_ENTRY_SIZE = 8;
export const RES_DATA_ENTRY_SIZE = 16;
/** High bit of an entry's offset: it points at a subdirectory; of its name: a string name. */
export const RES_HIGH_BIT = 0x80000000;
/** The resource tree has three levels (type, name, language); a deeper tree is damaged. */
export const RES_MAX_DEPTH = 3;
/** Safety cap on entries walked, so a looping or huge hostile tree cannot hang the walk. */
export const RES_MAX_ENTRIES = 65536;
/** RT_VERSION, the resource type of VS_VERSIONINFO. */
export const RT_VERSION = 16;

/** Debug directory entries and the fields that vary between otherwise equal builds. [6.1.1] */
export const DEBUG_ENTRY_SIZE = 28;
export const DEBUG = { timeDateStamp: 4, pointerToRawData: 24 } as const;
