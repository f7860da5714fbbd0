/**
 * A minimal, valid PE32 (x86) or PE32+ (x64) image: DOS header, PE headers and one .text
 * section whose entry point returns. The demo drop is made of these (plus a version
 * resource and padding), so `npm run demo` needs no compiler. Pure: options in, bytes out.
 */
import {
  COFF_HEADER_SIZE,
  DATA_DIRECTORY_COUNT,
  DOS_HEADER_SIZE,
  DOS_LFANEW_OFFSET,
  DOS_MAGIC,
  DEFAULT_FILE_ALIGNMENT as FILE_ALIGNMENT,
  DEFAULT_IMAGE_BASE as IMAGE_BASE,
  IMAGE_DLLCHARACTERISTICS_NX_COMPAT,
  IMAGE_DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE,
  IMAGE_FILE_32BIT_MACHINE,
  IMAGE_FILE_DLL,
  IMAGE_FILE_EXECUTABLE_IMAGE,
  IMAGE_FILE_LARGE_ADDRESS_AWARE,
  IMAGE_SCN_CNT_CODE,
  IMAGE_SCN_MEM_EXECUTE,
  IMAGE_SCN_MEM_READ,
  Machine,
  OPTIONAL_HEADER_SIZE,
  OptionalMagic,
  PE_SIGNATURE,
  DEFAULT_SECTION_ALIGNMENT as SECTION_ALIGNMENT,
  SECTION_HEADER_SIZE,
  Subsystem,
} from "../pe/constants.js";

/** Where our PE signature starts: right after the 64-byte DOS header (no DOS stub program). */
const PE_HEADER_OFFSET = DOS_HEADER_SIZE;
/** DllCharacteristics: NX_COMPAT | TERMINAL_SERVER_AWARE (no DYNAMIC_BASE: no relocations). */
const DLL_CHARACTERISTICS =
  IMAGE_DLLCHARACTERISTICS_NX_COMPAT | IMAGE_DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE;

/**
 * The whole program: an entry point that returns.
 * x86 DllMain (stdcall, 3 args): mov eax, 1; ret 12.   x86 exe: xor eax, eax; ret.
 * x64 DllMain: mov eax, 1; ret.                         x64 exe: xor eax, eax; ret.
 */
const ENTRY_CODE = {
  x86dll: [0xb8, 0x01, 0x00, 0x00, 0x00, 0xc2, 0x0c, 0x00],
  x86exe: [0x31, 0xc0, 0xc3],
  x64dll: [0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3],
  x64exe: [0x31, 0xc0, 0xc3],
} as const;

export type ImageArch = "x86" | "x64";

export interface MinimalPeOptions {
  readonly arch: ImageArch;
  readonly dll: boolean;
  /** COFF TimeDateStamp, seconds since 1970 (fixed by the caller: reproducible output). */
  readonly timestamp: number;
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

export function minimalPe(opts: MinimalPeOptions): Uint8Array {
  const is64 = opts.arch === "x64";
  const code = ENTRY_CODE[`${opts.arch}${opts.dll ? "dll" : "exe"}`];
  const optSize = OPTIONAL_HEADER_SIZE[is64 ? OptionalMagic.pe32plus : OptionalMagic.pe32];
  const headersEnd = PE_HEADER_OFFSET + 4 + COFF_HEADER_SIZE + optSize + SECTION_HEADER_SIZE;
  const sizeOfHeaders = align(headersEnd, FILE_ALIGNMENT);
  const textRva = SECTION_ALIGNMENT;
  const textRaw = align(code.length, FILE_ALIGNMENT);
  const sizeOfImage = textRva + align(code.length, SECTION_ALIGNMENT);

  const buf = new Uint8Array(sizeOfHeaders + textRaw);
  const v = new DataView(buf.buffer);
  const u16 = (o: number, x: number) => v.setUint16(o, x, true);
  const u32 = (o: number, x: number) => v.setUint32(o, x, true);
  const u64 = (o: number, x: bigint) => v.setBigUint64(o, x, true);

  // DOS header: e_magic, e_lfanew; the rest stays zero (no DOS stub program).
  u16(0, DOS_MAGIC);
  u32(DOS_LFANEW_OFFSET, PE_HEADER_OFFSET);

  // PE signature and COFF file header.
  let o = PE_HEADER_OFFSET;
  u32(o, PE_SIGNATURE);
  o += 4;
  u16(o + 0, is64 ? Machine.amd64 : Machine.i386); // Machine
  u16(o + 2, 1); // NumberOfSections
  u32(o + 4, opts.timestamp >>> 0); // TimeDateStamp
  u32(o + 8, 0); // PointerToSymbolTable
  u32(o + 12, 0); // NumberOfSymbols
  u16(o + 16, optSize); // SizeOfOptionalHeader
  u16(
    o + 18,
    IMAGE_FILE_EXECUTABLE_IMAGE |
      (is64 ? IMAGE_FILE_LARGE_ADDRESS_AWARE : IMAGE_FILE_32BIT_MACHINE) |
      (opts.dll ? IMAGE_FILE_DLL : 0),
  ); // Characteristics
  o += COFF_HEADER_SIZE;

  // Optional header, standard fields.
  const opt = o;
  u16(o + 0, is64 ? OptionalMagic.pe32plus : OptionalMagic.pe32); // Magic
  buf[o + 2] = 14; // MajorLinkerVersion
  buf[o + 3] = 0; // MinorLinkerVersion
  u32(o + 4, textRaw); // SizeOfCode
  u32(o + 8, 0); // SizeOfInitializedData
  u32(o + 12, 0); // SizeOfUninitializedData
  u32(o + 16, textRva); // AddressOfEntryPoint
  u32(o + 20, textRva); // BaseOfCode
  // Windows-specific fields: PE32 has BaseOfData and a 4-byte ImageBase, PE32+ an 8-byte one.
  if (is64) {
    u64(o + 24, IMAGE_BASE.exe64); // ImageBase
    o += 32;
  } else {
    u32(o + 24, textRva); // BaseOfData
    u32(o + 28, opts.dll ? IMAGE_BASE.dll32 : IMAGE_BASE.exe32); // ImageBase
    o += 32;
  }
  u32(o + 0, SECTION_ALIGNMENT); // SectionAlignment
  u32(o + 4, FILE_ALIGNMENT); // FileAlignment
  u16(o + 8, 6); // MajorOperatingSystemVersion
  u16(o + 10, 0); // MinorOperatingSystemVersion
  u16(o + 12, 0); // MajorImageVersion
  u16(o + 14, 0); // MinorImageVersion
  u16(o + 16, 6); // MajorSubsystemVersion
  u16(o + 18, 0); // MinorSubsystemVersion
  u32(o + 20, 0); // Win32VersionValue
  u32(o + 24, sizeOfImage); // SizeOfImage
  u32(o + 28, sizeOfHeaders); // SizeOfHeaders
  u32(o + 32, 0); // CheckSum
  u16(o + 36, opts.dll ? Subsystem.windowsGui : Subsystem.windowsCui); // Subsystem
  u16(o + 38, DLL_CHARACTERISTICS); // DllCharacteristics
  o += 40;
  // SizeOfStackReserve, SizeOfStackCommit, SizeOfHeapReserve, SizeOfHeapCommit.
  const sizes = [0x100000, 0x1000, 0x100000, 0x1000];
  for (const s of sizes) {
    if (is64) {
      u64(o, BigInt(s));
      o += 8;
    } else {
      u32(o, s);
      o += 4;
    }
  }
  u32(o, 0); // LoaderFlags
  u32(o + 4, DATA_DIRECTORY_COUNT); // NumberOfRvaAndSizes
  o += 8;
  o += DATA_DIRECTORY_COUNT * 8; // all data directories empty
  if (o !== opt + optSize) throw new Error(`optional header is ${o - opt} bytes, not ${optSize}`);

  // Section table: .text.
  const name = new TextEncoder().encode(".text");
  buf.set(name, o); // Name (8 bytes, zero padded)
  u32(o + 8, code.length); // VirtualSize
  u32(o + 12, textRva); // VirtualAddress
  u32(o + 16, textRaw); // SizeOfRawData
  u32(o + 20, sizeOfHeaders); // PointerToRawData
  u32(o + 36, IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_MEM_READ); // Characteristics

  buf.set(code, sizeOfHeaders);
  return buf;
}
