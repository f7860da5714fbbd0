/**
 * The numbers of the PE/COFF format that the demo's minimal image writer needs, each from
 * the "PE Format" specification (Microsoft Learn, sections named in the comments).
 */

/** "MZ" (DOS header e_magic). */
export const DOS_MAGIC = 0x5a4d;
/** Offset of e_lfanew in the DOS header. */
export const DOS_LFANEW_OFFSET = 0x3c;
/** Where our PE signature starts: right after the 64-byte DOS header. */
export const PE_HEADER_OFFSET = 0x40;
/** "PE\0\0". */
export const PE_SIGNATURE = 0x00004550;
export const COFF_HEADER_SIZE = 20;
export const SECTION_HEADER_SIZE = 40;

/** COFF File Header Machine (Machine Types). */
export const Machine = { i386: 0x014c, amd64: 0x8664 } as const;

/** COFF Characteristics. */
export const Characteristic = {
  executableImage: 0x0002,
  largeAddressAware: 0x0020,
  machine32Bit: 0x0100,
  dll: 0x2000,
} as const;

/** Optional header magic: PE32 and PE32+. */
export const OptionalMagic = { pe32: 0x010b, pe32Plus: 0x020b } as const;
/** SizeOfOptionalHeader with 16 data directories. */
export const OPTIONAL_HEADER_SIZE = { pe32: 224, pe32Plus: 240 } as const;
export const DATA_DIRECTORY_COUNT = 16;

export const SECTION_ALIGNMENT = 0x1000;
export const FILE_ALIGNMENT = 0x200;
export const IMAGE_BASE = { exe32: 0x00400000, dll32: 0x10000000, exe64: 0x140000000n } as const;

/** Windows subsystems. */
export const Subsystem = { gui: 2, console: 3 } as const;
/** DllCharacteristics: NX_COMPAT | TERMINAL_SERVER_AWARE (no DYNAMIC_BASE: no relocations). */
export const DLL_CHARACTERISTICS = 0x0100 | 0x8000;

/** Section flags (Section Flags). */
export const SectionFlag = {
  code: 0x00000020,
  executable: 0x20000000,
  readable: 0x40000000,
} as const;

/**
 * The whole program: an entry point that returns.
 * x86 DllMain (stdcall, 3 args): mov eax, 1; ret 12.   x86 exe: xor eax, eax; ret.
 * x64 DllMain: mov eax, 1; ret.                         x64 exe: xor eax, eax; ret.
 */
export const ENTRY_CODE = {
  x86dll: [0xb8, 0x01, 0x00, 0x00, 0x00, 0xc2, 0x0c, 0x00],
  x86exe: [0x31, 0xc0, 0xc3],
  x64dll: [0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3],
  x64exe: [0x31, 0xc0, 0xc3],
} as const;
