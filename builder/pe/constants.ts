/**
 * Every PE/COFF magic number and layout offset the reader and the stamp stage use, each named
 * after the field of the Microsoft PE/COFF specification ("PE Format") it comes from.
 */

/** IMAGE_DOS_HEADER.e_magic: "MZ" read little-endian. */
export const DOS_MAGIC = 0x5a4d;
/** Offset of IMAGE_DOS_HEADER.e_lfanew (file offset of the PE signature). */
export const DOS_LFANEW_OFFSET = 0x3c;
/** Size of the DOS header: e_lfanew must be readable. */
export const DOS_HEADER_SIZE = 0x40;
/** The PE signature "PE\0\0" read little-endian. */
export const PE_SIGNATURE = 0x00004550;

/** IMAGE_FILE_HEADER (COFF header), right after the 4-byte signature; 20 bytes. */
export const COFF_HEADER_SIZE = 20;
export const COFF = {
  machine: 0,
  numberOfSections: 2,
  timeDateStamp: 4,
  pointerToSymbolTable: 8,
  numberOfSymbols: 12,
  sizeOfOptionalHeader: 16,
  characteristics: 18,
} as const;
/** IMAGE_FILE_HEADER.Characteristics: IMAGE_FILE_DLL. */
export const IMAGE_FILE_DLL = 0x2000;

/** IMAGE_FILE_HEADER.Machine values the KB table knows. */
export const Machine = {
  i386: 0x14c,
  amd64: 0x8664,
  arm64: 0xaa64,
} as const;
export type Machine = (typeof Machine)[keyof typeof Machine];

/** IMAGE_OPTIONAL_HEADER.Magic: PE32 and PE32+. */
export const OptionalMagic = { pe32: 0x10b, pe32plus: 0x20b } as const;
export type OptionalMagic = (typeof OptionalMagic)[keyof typeof OptionalMagic];

/** Offsets inside the optional header that are the same for PE32 and PE32+. */
export const OPT = {
  magic: 0,
  sectionAlignment: 32,
  fileAlignment: 36,
  sizeOfImage: 56,
  sizeOfHeaders: 60,
  checkSum: 64,
} as const;
/** Offset of NumberOfRvaAndSizes, then the data directories, per optional-header kind. */
export const OPT_RVA_COUNT = { [OptionalMagic.pe32]: 92, [OptionalMagic.pe32plus]: 108 } as const;
/** IMAGE_DATA_DIRECTORY: VirtualAddress (4) + Size (4). */
export const DATA_DIRECTORY_SIZE = 8;

/** Data directory indexes (IMAGE_DIRECTORY_ENTRY_*). */
export const DirectoryEntry = {
  export: 0,
  import: 1,
  resource: 2,
  exception: 3,
  /** The Authenticode certificate table: its "VirtualAddress" is a FILE offset. */
  security: 4,
  baseReloc: 5,
  debug: 6,
  /** Bound imports live in the header area, right after the section table. */
  boundImport: 11,
  /** IMAGE_COR20_HEADER of a .NET assembly. */
  clr: 14,
} as const;

/** IMAGE_DEBUG_DIRECTORY: 28 bytes; AddressOfRawData (an RVA) and PointerToRawData (a file offset). */
export const DEBUG_ENTRY = { size: 28, addressOfRawData: 20, pointerToRawData: 24 } as const;

/** IMAGE_SECTION_HEADER: 40 bytes. */
export const SECTION_HEADER_SIZE = 40;
export const SECTION = {
  name: 0,
  virtualSize: 8,
  virtualAddress: 12,
  sizeOfRawData: 16,
  pointerToRawData: 20,
  characteristics: 36,
} as const;
/** IMAGE_SCN_MEM_DISCARDABLE: a section nothing references at run time (debug info). */
export const IMAGE_SCN_MEM_DISCARDABLE = 0x02000000;

/** COFF symbol table: 18-byte records, then the string table (a 4-byte size first). */
export const COFF_SYMBOL_SIZE = 18;

/** Resource directory (IMAGE_RESOURCE_DIRECTORY, 16 bytes) and its 8-byte entries. */
export const RESOURCE_DIRECTORY_SIZE = 16;
export const RESOURCE_ENTRY_SIZE = 8;
/** High bit of an entry's name (a string, not an id) or offset (a subdirectory). */
export const RESOURCE_HIGH_BIT = 0x80000000;
/** RT_VERSION: the resource type of VS_VERSIONINFO. */
export const RT_VERSION = 16;
/** MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US). */
export const LANG_EN_US = 0x0409;
/** Unicode (UTF-16LE) codepage of a StringFileInfo table: what resedit writes. */
export const CODEPAGE_UNICODE = 1200;

/** VS_FIXEDFILEINFO.dwSignature. */
export const VS_FFI_SIGNATURE = 0xfeef04bd;
/** VS_FIXEDFILEINFO is 13 DWORDs. */
export const VS_FIXEDFILEINFO_SIZE = 52;
/** VS_FIXEDFILEINFO.dwFileOS: VOS_NT_WINDOWS32. */
export const VOS_NT_WINDOWS32 = 0x00040004;
/** VS_FIXEDFILEINFO.dwFileType values. */
export const FileType = { unknown: 0, app: 1, dll: 2 } as const;
/** VS_FIXEDFILEINFO.dwFileFlagsMask: VS_FFI_FILEFLAGSMASK. */
export const VS_FFI_FILEFLAGSMASK = 0x3f;

/** WIN_CERTIFICATE entries are 8-byte aligned; the table is at the end of the file. */
export const CERTIFICATE_ALIGNMENT = 8;

/** IMAGE_COR20_HEADER.Flags offset, and COMIMAGE_FLAGS_STRONGNAMESIGNED. */
export const COR20_FLAGS_OFFSET = 16;
export const COMIMAGE_FLAGS_STRONGNAMESIGNED = 0x8;
