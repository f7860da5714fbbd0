/**
 * The cab library's public API (reader half). Self-contained: nothing outside builder/cab.
 */
export {
  type CabFileEntry,
  type CabFolderInfo,
  type Cabinet,
  type CabinetInfo,
  type OpenOptions,
  openCabinet,
} from "./cabinet.js";
export { type BlockDecoder, canDecode, compressionName, createDecoder } from "./decoder.js";
export { CabError, type CabErrorKind } from "./errors.js";
export {
  type ExtractedFile,
  type ExtractOptions,
  type ExtractReport,
  extractCabinet,
  targetPath,
} from "./extract.js";
export type { CabDataHeader, CabFileRecord, CabFolderRecord, CabHeader } from "./layout.js";
export { DEFAULT_NAME_ENCODING, decodeName, displayName, safeSegments } from "./names.js";
export { findCabinets } from "./search.js";
export type { CabTestFile, CabTestReport } from "./verify.js";
