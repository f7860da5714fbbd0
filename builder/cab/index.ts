/**
 * builder/cab: a self-contained Microsoft Cabinet ([MS-CAB]) library.
 * It imports nothing from the rest of cabwright. Explicit export list.
 */

// Writer

export { blockChecksum, cabChecksum } from "./format/checksum.js";
export { compressionName } from "./format/compression.js";
export {
  CAB_SIGNATURE,
  CFFILE_SIZE,
  CFHEADER_SIZE,
  CompressionType,
  FileAttribute,
  FolderIndex,
  HeaderFlag,
  MAX_BLOCK_UNCOMPRESSED,
  MAX_BLOCKS_PER_FOLDER,
  MAX_CABINET_SIZE,
  MAX_FILES_PER_CABINET,
  MAX_NAME_BYTES,
} from "./format/constants.js";
export {
  type CalendarTime,
  type DosDateTime,
  dateToDosDateTime,
  fromDosDateTime,
  toDosDateTime,
} from "./format/dostime.js";
export { CabError, type CabErrorKind } from "./format/errors.js";
export type {
  CabDataHeader,
  CabFileRecord,
  CabFolderRecord,
  CabHeader,
} from "./format/layout-parse.js";
export { DEFAULT_NAME_ENCODING, decodeName, displayName, safeSegments } from "./format/names.js";
// Reader
export {
  type CabFileEntry,
  type CabFolderInfo,
  type Cabinet,
  type CabinetInfo,
  type CabinetInternals,
  type OpenOptions,
  openCabinet,
} from "./read/cabinet.js";
export { type BlockDecoder, canDecode, createDecoder } from "./read/decoder.js";
export {
  type ExtractedFile,
  type ExtractOptions,
  type ExtractReport,
  extractCabinet,
  extractOpened,
  targetPath,
} from "./read/extract.js";
export { type FolderPlan, folderBlocks } from "./read/folder-stream.js";
export { findCabinets } from "./read/search.js";
export type { CabTestFile, CabTestReport, TestOptions } from "./read/verify.js";
export {
  compressionLabel,
  compressionSpecProblem,
  LZX_DEFAULT_WINDOW_BITS,
  LZX_LEVELS,
  lzxLevelProblem,
  parseCompression,
} from "./write/compression-spec.js";
export { attributesFromMode, cabInputsFromPaths } from "./write/from-disk.js";
export { cabinetSetPath, compressorInfo, lzxCompressorInfo } from "./write/info.js";
export { writeCabinet } from "./write/load.js";
export { planCabinet } from "./write/plan.js";
export type {
  CabCompression,
  CabInputFile,
  CabLateFile,
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
} from "./write/writer-types.js";
