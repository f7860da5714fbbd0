/**
 * builder/cab: a self-contained Microsoft Cabinet ([MS-CAB]) library.
 * It imports nothing from the rest of cabwright. Explicit export list.
 */

// Writer

// Reader
export {
  type CabFileEntry,
  type CabFolderInfo,
  type Cabinet,
  type CabinetInfo,
  type OpenOptions,
  openCabinet,
} from "./cabinet.js";
export { blockChecksum, cabChecksum } from "./checksum.js";
export {
  compressionLabel,
  compressionSpecProblem,
  LZX_DEFAULT_WINDOW_BITS,
  LZX_LEVELS,
  lzxLevelProblem,
  parseCompression,
} from "./compression-spec.js";
export {
  CompressionType,
  FileAttribute,
  FolderIndex,
  HeaderFlag,
  MAX_BLOCK_UNCOMPRESSED,
  MAX_FILES_PER_CABINET,
} from "./constants.js";
export { type BlockDecoder, canDecode, compressionName, createDecoder } from "./decoder.js";
export {
  type CalendarTime,
  type DosDateTime,
  dateToDosDateTime,
  fromDosDateTime,
  toDosDateTime,
} from "./dostime.js";
export { CabError, type CabErrorKind } from "./errors.js";
export {
  type ExtractedFile,
  type ExtractOptions,
  type ExtractReport,
  extractCabinet,
  targetPath,
} from "./extract.js";
export { attributesFromMode, cabInputsFromPaths } from "./from-disk.js";
export type { CabDataHeader, CabFileRecord, CabFolderRecord, CabHeader } from "./layout-parse.js";
export { DEFAULT_NAME_ENCODING, decodeName, displayName, safeSegments } from "./names.js";
export { planCabinet } from "./plan.js";
export { findCabinets } from "./search.js";
export type { CabTestFile, CabTestReport } from "./verify.js";
export { cabinetSetPath, compressorInfo, lzxCompressorInfo, writeCabinet } from "./writer.js";
export type {
  CabCompression,
  CabInputFile,
  CabPlan,
  CabProgress,
  CabSource,
  LzxCompression,
  LzxLevel,
  PlannedFile,
  PlannedFolder,
  WriteCabinetOptions,
  WriteCabinetResult,
  WrittenCabinet,
} from "./writer-types.js";
