/**
 * Every magic number and limit of the Microsoft Cabinet format, with where it comes
 * from in [MS-CAB] (section numbers of the published specification).
 * This library (builder/cab) is self-contained: it imports nothing from the rest of cabwright.
 */

/** CFHEADER.signature: the bytes "MSCF" read as a little-endian u32 (2.2). */
export const CAB_SIGNATURE = 0x4643534d;
/** CFHEADER.versionMinor / versionMajor: 1.3 is the only version in use (2.2). */
export const CAB_VERSION_MINOR = 3;
export const CAB_VERSION_MAJOR = 1;

/** Fixed part sizes in bytes (2.2 - 2.5), reserve areas and strings not included. */
export const CFHEADER_SIZE = 36;
/** cbCFHeader, cbCFFolder, cbCFData: present when cfhdrRESERVE_PRESENT is set. */
export const CFHEADER_RESERVE_FIELDS_SIZE = 4;
export const CFFOLDER_SIZE = 8;
export const CFFILE_SIZE = 16;
export const CFDATA_SIZE = 8;

/** CFHEADER.flags (2.2). */
export const HeaderFlag = {
  prevCabinet: 0x0001,
  nextCabinet: 0x0002,
  reservePresent: 0x0004,
} as const;
export type HeaderFlag = (typeof HeaderFlag)[keyof typeof HeaderFlag];

/** CFFOLDER.typeCompress, low 4 bits (2.3); LZX and Quantum keep a window size in bits 8..12. */
export const CompressionType = {
  none: 0,
  mszip: 1,
  quantum: 2,
  lzx: 3,
} as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];
export const COMPRESSION_TYPE_MASK = 0x000f;
export const COMPRESSION_LEVEL_SHIFT = 4; // Quantum level, bits 4..7
export const COMPRESSION_WINDOW_SHIFT = 8; // LZX / Quantum window bits, bits 8..12
export const COMPRESSION_WINDOW_MASK = 0x1f;

/** CFFILE.iFolder special values (2.4): the file continues across cabinets. */
export const FolderIndex = {
  continuedFromPrev: 0xfffd,
  continuedToNext: 0xfffe,
  continuedPrevAndNext: 0xffff,
} as const;

/**
 * Folders that files can refer to in one cabinet: iFolder 0xFFFD..0xFFFF are the
 * CONTINUED values, so a file's folder index is at most 0xFFFC.
 */
export const MAX_FOLDERS_WITH_FILES = FolderIndex.continuedFromPrev;

/** CFFILE.attribs (2.4). */
export const FileAttribute = {
  readOnly: 0x01,
  hidden: 0x02,
  system: 0x04,
  archive: 0x20,
  exec: 0x40,
  /** The name is UTF-8; set only when it is not plain ASCII. */
  nameIsUtf8: 0x80,
} as const;
export type FileAttribute = (typeof FileAttribute)[keyof typeof FileAttribute];

/** Uncompressed bytes in one CFDATA block, at most (2.5, 3.1). */
export const MAX_BLOCK_UNCOMPRESSED = 32768;
/** An MSZIP block holds "CK" and a deflate stream of at most this many bytes (3.1). */
export const MSZIP_SIGNATURE = 0x4b43; // "CK", little-endian u16
export const MAX_BLOCK_COMPRESSED = MAX_BLOCK_UNCOMPRESSED + 6144;

/** Limits of 16-bit counts and the reserve areas (2.2). */
export const MAX_FILES_PER_CABINET = 0xffff;
export const MAX_FOLDERS_PER_CABINET = 0xffff;
export const MAX_BLOCKS_PER_FOLDER = 0xffff;
export const MAX_HEADER_RESERVE = 60000;
export const MAX_FOLDER_RESERVE = 255;
export const MAX_DATA_RESERVE = 255;
/** Names (file, cabinet, disk) are NUL-terminated and at most 255 bytes before the NUL. */
export const MAX_NAME_BYTES = 255;
/** cbCabinet is u32, but readers (and FDI) treat offsets as signed: stay under 2 GiB. */
export const MAX_CABINET_SIZE = 0x7fffffff;
/** CFFILE.cbFile / uoffFolderStart are u32: a folder's uncompressed stream is under 4 GiB. */
export const MAX_FOLDER_UNCOMPRESSED = 0xffffffff;

/** LZX window sizes allowed in a cabinet: 2^15 .. 2^21 bytes. Quantum: 2^10 .. 2^21. */
export const LZX_MIN_WINDOW_BITS = 15;
export const LZX_MAX_WINDOW_BITS = 21;
export const QUANTUM_MIN_WINDOW_BITS = 10;
export const QUANTUM_MAX_WINDOW_BITS = 21;
