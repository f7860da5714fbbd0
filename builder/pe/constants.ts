/**
 * Every PE/COFF magic number and layout offset the project uses (the pe reader, stamp, diff,
 * sfx and the demo's image writer), each named after the field of the Microsoft PE/COFF
 * specification ("PE Format", [MS-PECOFF]) it comes from, with its section in brackets.
 */

/** IMAGE_DOS_HEADER.e_magic: "MZ" read little-endian. [3.1] */
export const DOS_MAGIC = 0x5a4d;
/** Offset of IMAGE_DOS_HEADER.e_lfanew (file offset of the PE signature). [3.1] */
export const DOS_LFANEW_OFFSET = 0x3c;
/** Size of the DOS header: e_lfanew must be readable; a stub-less image puts "PE" right here. [3.1] */
export const DOS_HEADER_SIZE = 0x40;
/** The PE signature "PE\0\0" read little-endian. [3.2] */
export const PE_SIGNATURE = 0x00004550;
/** Size of the PE signature; the COFF header follows it. [3.2] */
export const PE_SIGNATURE_SIZE = 4;

/** IMAGE_FILE_HEADER (COFF header), right after the 4-byte signature; 20 bytes. [3.3] */
export const COFF_HEADER_SIZE = 20;
/** COFF header field offsets, relative to the header. [3.3] */
export const COFF = {
  machine: 0,
  numberOfSections: 2,
  timeDateStamp: 4,
  /** A file offset: moves when sections before the symbol table grow. */
  pointerToSymbolTable: 8,
  numberOfSymbols: 12,
  sizeOfOptionalHeader: 16,
  characteristics: 18,
} as const;
/** IMAGE_FILE_HEADER.Characteristics flags (IMAGE_FILE_*). [3.3.2] */
export const IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002;
export const IMAGE_FILE_LARGE_ADDRESS_AWARE = 0x0020;
export const IMAGE_FILE_32BIT_MACHINE = 0x0100;
export const IMAGE_FILE_DLL = 0x2000;

/** IMAGE_FILE_HEADER.Machine values the KB table knows (IMAGE_FILE_MACHINE_*). [3.3.1] */
export const Machine = {
  i386: 0x14c,
  amd64: 0x8664,
  arm64: 0xaa64,
} as const;
export type Machine = (typeof Machine)[keyof typeof Machine];

/** IMAGE_OPTIONAL_HEADER.Magic: PE32 and PE32+. [3.4.1] */
export const OptionalMagic = { pe32: 0x10b, pe32plus: 0x20b } as const;
export type OptionalMagic = (typeof OptionalMagic)[keyof typeof OptionalMagic];

/** Offsets inside the optional header that are the same for PE32 and PE32+. [3.4.1, 3.4.2] */
export const OPT = {
  magic: 0,
  sizeOfInitializedData: 8,
  baseOfCode: 20,
  sectionAlignment: 32,
  fileAlignment: 36,
  sizeOfImage: 56,
  sizeOfHeaders: 60,
  checkSum: 64,
} as const;
/**
 * Offset of NumberOfRvaAndSizes (u32), per optional-header kind; the data directories
 * follow it. [3.4.2]
 */
export const OPT_RVA_COUNT = { [OptionalMagic.pe32]: 92, [OptionalMagic.pe32plus]: 108 } as const;
/** SizeOfOptionalHeader with all 16 data directories, per optional-header kind. [3.4] */
export const OPTIONAL_HEADER_SIZE = {
  [OptionalMagic.pe32]: 224,
  [OptionalMagic.pe32plus]: 240,
} as const;
/** NumberOfRvaAndSizes of a standard image: 16 data directories. [3.4.3] */
export const DATA_DIRECTORY_COUNT = 16;
/** IMAGE_DATA_DIRECTORY: VirtualAddress (4) + Size (4). [3.4.3] */
export const DATA_DIRECTORY_SIZE = 8;

/** Default SectionAlignment (the page size) and FileAlignment. [3.4.2] */
export const DEFAULT_SECTION_ALIGNMENT = 0x1000;
export const DEFAULT_FILE_ALIGNMENT = 0x200;
/** Default ImageBase of a 32-bit exe, a 32-bit DLL and a 64-bit exe. [3.4.2] */
export const DEFAULT_IMAGE_BASE = {
  exe32: 0x00400000,
  dll32: 0x10000000,
  exe64: 0x140000000n,
} as const;
/** IMAGE_OPTIONAL_HEADER.Subsystem values (IMAGE_SUBSYSTEM_WINDOWS_GUI / _CUI). [3.4.2] */
export const Subsystem = { windowsGui: 2, windowsCui: 3 } as const;
export type Subsystem = (typeof Subsystem)[keyof typeof Subsystem];
/** IMAGE_OPTIONAL_HEADER.DllCharacteristics flags (IMAGE_DLLCHARACTERISTICS_*). [3.4.2] */
export const IMAGE_DLLCHARACTERISTICS_NX_COMPAT = 0x0100;
export const IMAGE_DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE = 0x8000;

/** Data directory indexes (IMAGE_DIRECTORY_ENTRY_*). [3.4.3] */
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

/** Names of the 16 data directories, by index, for messages. [3.4.3] */
export const DIRECTORY_NAMES = [
  "export",
  "import",
  "resource",
  "exception",
  "certificate",
  "base relocation",
  "debug",
  "architecture",
  "global pointer",
  "TLS",
  "load config",
  "bound import",
  "IAT",
  "delay import",
  "CLR runtime",
  "reserved",
] as const;

/**
 * IMAGE_DEBUG_DIRECTORY: 28 bytes; TimeDateStamp (varies between equal builds),
 * AddressOfRawData (an RVA) and PointerToRawData (a file offset). [6.1.1]
 */
export const DEBUG_ENTRY = {
  size: 28,
  timeDateStamp: 4,
  addressOfRawData: 20,
  pointerToRawData: 24,
} as const;

/** IMAGE_SECTION_HEADER: 40 bytes. [4] */
export const SECTION_HEADER_SIZE = 40;
export const SECTION = {
  name: 0,
  virtualSize: 8,
  virtualAddress: 12,
  sizeOfRawData: 16,
  pointerToRawData: 20,
  characteristics: 36,
} as const;
/** IMAGE_SECTION_HEADER.Characteristics flags (IMAGE_SCN_*). [4.1] */
export const IMAGE_SCN_CNT_CODE = 0x00000020;
/** A section nothing references at run time (debug info). */
export const IMAGE_SCN_MEM_DISCARDABLE = 0x02000000;
export const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
export const IMAGE_SCN_MEM_READ = 0x40000000;

/** COFF symbol table: 18-byte records, then the string table (a 4-byte size first). [5.4, 5.6] */
export const COFF_SYMBOL_SIZE = 18;

/** Resource directory (IMAGE_RESOURCE_DIRECTORY, 16 bytes) and its 8-byte entries. [6.9.1, 6.9.2] */
export const RESOURCE_DIRECTORY_SIZE = 16;
/** IMAGE_RESOURCE_DIRECTORY field offsets. [6.9.1] */
export const RESOURCE_DIRECTORY = {
  timeDateStamp: 4,
  numberOfNamedEntries: 12,
  numberOfIdEntries: 14,
} as const;
export const RESOURCE_ENTRY_SIZE = 8;
/** IMAGE_RESOURCE_DATA_ENTRY: data RVA, size, codepage, reserved. [6.9.4] */
export const RESOURCE_DATA_ENTRY_SIZE = 16;
/** High bit of an entry's name (a string, not an id) or offset (a subdirectory). [6.9.2] */
export const RESOURCE_HIGH_BIT = 0x80000000;
/** The resource tree has three levels (type, name, language); a deeper tree is damaged. [6.9] */
export const RESOURCE_TREE_DEPTH = 3;
/** RT_VERSION: the resource type of VS_VERSIONINFO. */
export const RT_VERSION = 16;
/** MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US). */
export const LANG_EN_US = 0x0409;
/** Unicode (UTF-16LE) codepage of a StringFileInfo table: what resedit writes. */
export const CODEPAGE_UNICODE = 1200;

/** VS_FIXEDFILEINFO.dwSignature (Win32 VS_FIXEDFILEINFO, not [MS-PECOFF]). */
export const VS_FFI_SIGNATURE = 0xfeef04bd;
/** VS_FIXEDFILEINFO is 13 DWORDs. */
export const VS_FIXEDFILEINFO_SIZE = 52;
/** VS_FIXEDFILEINFO.dwFileOS: VOS_NT_WINDOWS32. */
export const VOS_NT_WINDOWS32 = 0x00040004;
/** VS_FIXEDFILEINFO.dwFileType values. */
export const FileType = { unknown: 0, app: 1, dll: 2 } as const;
/** VS_FIXEDFILEINFO.dwFileFlagsMask: VS_FFI_FILEFLAGSMASK. */
export const VS_FFI_FILEFLAGSMASK = 0x3f;

/** WIN_CERTIFICATE entries are 8-byte aligned; the table is at the end of the file. [5.7] */
export const CERTIFICATE_ALIGNMENT = 8;

/** IMAGE_COR20_HEADER.Flags offset, and COMIMAGE_FLAGS_STRONGNAMESIGNED (ECMA-335 II.25.3.3). */
export const COR20_FLAGS_OFFSET = 16;
export const COMIMAGE_FLAGS_STRONGNAMESIGNED = 0x8;
