/**
 * builder/cab: a self-contained Microsoft Cabinet ([MS-CAB]) library.
 * It imports nothing from the rest of cabwright. Explicit export list.
 */

export { blockChecksum, cabChecksum } from "./checksum.js";
export {
  CompressionType,
  FileAttribute,
  FolderIndex,
  HeaderFlag,
  MAX_BLOCK_UNCOMPRESSED,
  MAX_FILES_PER_CABINET,
} from "./constants.js";
export {
  type CalendarTime,
  type DosDateTime,
  dateToDosDateTime,
  fromDosDateTime,
  toDosDateTime,
} from "./dostime.js";
export { CabError, type CabErrorKind } from "./errors.js";
export { attributesFromMode, cabInputsFromPaths } from "./from-disk.js";
export { planCabinet } from "./plan.js";
export { cabinetSetPath, compressorInfo, writeCabinet } from "./writer.js";
export type {
  CabCompression,
  CabInputFile,
  CabPlan,
  CabProgress,
  CabSource,
  PlannedFile,
  PlannedFolder,
  WriteCabinetOptions,
  WriteCabinetResult,
  WrittenCabinet,
} from "./writer-types.js";
