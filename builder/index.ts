/**
 * cabwright's library API: what the CLI and the tests call.
 * An explicit export list (no `export *`), so the public surface is deliberate.
 */

export { type BuildOptions, type BuildResult, build } from "./build/build.js";
export { makeRecord, recordJson } from "./build/make-record.js";
export {
  cabName,
  fileStampRequest,
  manifestDate,
  type OutputLayout,
  outputLayout,
  outputTime,
  packageStampRequest,
} from "./build/plan.js";
export {
  type BuildProgress,
  BuildStage,
  barProgress,
  lineProgress,
  progressFor,
  StageTimer,
  silentProgress,
} from "./build/progress.js";
export type {
  BuildRecord,
  BuildRecordFile,
  Digests,
} from "./build/record.js";
export type {
  CabEntry,
  CabInput,
  CabinetCompression,
  OpenedCabinet,
  PeFacts,
  StampRequest,
  Toolkit,
} from "./build/toolkit.js";
export { defaultToolkit } from "./build/toolkit-default.js";
export {
  CabError,
  type CabFileEntry,
  type CabFolderInfo,
  type Cabinet,
  type CabTestReport,
  type ExtractReport,
  extractCabinet,
  findCabinets,
  openCabinet,
} from "./cab/index.js";
export { type Collected, type CollectedFile, collect } from "./collect/collect.js";
export { type CollectPlan, planCollect } from "./collect/plan.js";
export { type DemoFile, makeDemoDrop, planDemoDrop } from "./demo/drop.js";
export { type ImageArch, type MinimalPeOptions, minimalPe } from "./demo/pe-image.js";
export { diffSides } from "./diff/compare.js";
export { ANY_RULE, enforceFailOn, parseFailOn } from "./diff/fail-on.js";
export { DIFF_FORMATS, DiffFormat, formatDiff } from "./diff/format.js";
export { diffFiles } from "./diff/index.js";
export { neutralDigest } from "./diff/neutral.js";
export { buildRecordSide } from "./diff/record-side.js";
export { RULE_DESCRIPTIONS } from "./diff/rules.js";
export { loadSide, manifestSide } from "./diff/sides.js";
export {
  DIFF_SCHEMA,
  type DiffResult,
  type DiffSide,
  type FieldChanges,
  type FileChange,
  type FileFacts,
  type Finding,
  RULE_IDS,
  RuleId,
  SideKind,
  type SideSummary,
} from "./diff/types.js";
export {
  type DropFile,
  type FileFacts as DropFileFacts,
  manifestFromDrop,
  scanDrop,
} from "./init/from-drop.js";
export { importKbFile, importKbTable } from "./kb-import/index.js";
export { type ManifestDraftOptions, manifestFromImport } from "./kb-import/to-manifest.js";
export { importedRowsTsv } from "./kb-import/tsv.js";
export {
  type Column,
  ColumnKind,
  type ImportedRow,
  type ImportedTable,
  type ImportOptions,
  type ImportWarning,
  type KbImport,
  SourceFormat,
  WarningKind,
} from "./kb-import/types.js";
export {
  formatProblem,
  type LoadedManifest,
  loadManifest,
  type Problem,
  parseManifest,
} from "./manifest/load.js";
export {
  type EntryCommand,
  type Fix,
  type Manifest,
  type ManifestFile,
  NOT_APPLICABLE,
  type PackageInfo,
  type PackagePlatform,
  PLATFORMS,
  Platform,
  type Prerequisite,
  Restart,
  type TableRow,
} from "./manifest/types.js";
export {
  compareVersions,
  parseVersion,
  satisfiesPrerequisite,
  toSemver,
} from "./manifest/validate-fields.js";
export { peChecksum } from "./pe/checksum.js";
export { inspectFile, inspectPe } from "./pe/inspect.js";
export { platformOfMachine } from "./pe/platform.js";
export type { PeInfo } from "./pe/types.js";
export {
  REPORT_FORMATS,
  type RenderOptions,
  ReportFormat,
  renderReport,
} from "./report/article.js";
export {
  type ArticleFile,
  type ArticleModel,
  articleModel,
  isBuildRecord,
  PACKAGE_SWITCHES,
} from "./report/article-model.js";
export {
  formatDateKb,
  formatSizeKb,
  formatTable,
  KB_HEADINGS,
  manifestTableRows,
  recordTableRows,
  TABLE_COLUMNS,
  TABLE_FORMATS,
  TableFormat,
} from "./report/table.js";
export {
  type AssembledSfx,
  type AssembleSfxOptions,
  assembleSfx,
  CabinetFoundBy,
  checkSfxChecksum,
  type LocatedCabinet,
  locateCabinet,
  type SfxChecksum,
  type SfxEntry,
  SfxExitCode,
  SfxPlatform,
  stubPath,
} from "./sfx/index.js";
export { stampFile } from "./stamp/file.js";
export { type SigningConfig, signFile } from "./stamp/sign.js";
export { stampPe } from "./stamp/stamp.js";
export { OverlayMode, type StampOptions } from "./stamp/types.js";
export { CheckFailed, ExitCode, InputError } from "./util/errors.js";
export {
  compareWithManifest,
  formatMismatch,
  type Mismatch,
  MismatchField,
  type PackageEntry,
  packageTableRows,
} from "./verify/compare.js";
export { packageKind, packageRows } from "./verify/package-table.js";
export { readPackage } from "./verify/read-package.js";
export { VERIFY_REPORT_SCHEMA, type VerifyReport, verifyPackage } from "./verify/verify.js";
