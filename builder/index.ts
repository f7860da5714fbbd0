/**
 * cabwright's library API: what the CLI and the tests call.
 * An explicit export list (no `export *`), so the public surface is deliberate.
 */

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
} from "@cabwright/cab";
export { type Collected, type CollectedFile, collect } from "./collect/collect.js";
export { type CollectPlan, planCollect } from "./collect/plan.js";
export { type DemoFile, makeDemoDrop, planDemoDrop } from "./demo/drop.js";
export { type ImageArch, type MinimalPeOptions, minimalPe } from "./demo/pe-image.js";
export { diffSides } from "./diff/compare.js";
export { ANY_RULE, enforceFailOn, parseFailOn } from "./diff/fail-on.js";
export { DIFF_FORMATS, DiffFormat, formatDiff } from "./diff/format.js";
export { diffFiles } from "./diff/index.js";
export { comparePackages } from "./diff/package-facts.js";
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
  PACKAGE_FIELDS,
  type PackageChange,
  type PackageField,
  type PackageLevelFacts,
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
export { schemaReference } from "./init/schema-ref.js";
export {
  comparePlans,
  formatPlanChange,
  intervalText,
  locationText,
  NO_PLAN,
  type PlanChange,
  planDigest,
  planFields,
  planSummary,
  versionSourceText,
} from "./install/compare.js";
export { compilePlan } from "./install/compile.js";
export {
  type InstallPlan,
  KnownFolder,
  PLAN_FORMAT,
  type PlanFile,
  type PlanIdentity,
  type PlanProcess,
  PlanRestart,
  type PlanService,
  type ProductLocation,
  type ProductVersionSource,
  RegistryRoot,
  type RegistryValueRef,
  type RegistryValues,
  type VersionInterval,
} from "./install/plan.js";
export { decodePlan, encodePlan } from "./install/plan-codec.js";
export { InstallExitCode } from "./install/plan-format.js";
export { rangeAcceptsNothing, rangeIntervals, versionInIntervals } from "./install/range.js";
export {
  applicabilityRules,
  Comparison,
  FOLDER_CSIDL,
  WuaNamespace,
} from "./install/wsus.js";
export type { ArticleFacts, ArticleFix, Fact } from "./kb-import/article.js";
export { TWO_DIGIT_YEAR_WINDOW } from "./kb-import/cells.js";
export {
  decodeText,
  importKbFile,
  importKbTable,
} from "./kb-import/index.js";
export { markdownInline } from "./kb-import/markdown.js";
export {
  componentFolder,
  draftFromImport,
  type KbManifestDraft,
  type ManifestDraftOptions,
  manifestFromImport,
} from "./kb-import/to-manifest.js";
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
export { summarizeWarnings, type WarningSummary } from "./kb-import/warnings.js";
export { excludedFiles, excludeGlob } from "./manifest/drop-rules.js";
export {
  destinationProblem,
  InstallLimits,
  registryKeyProblem,
  serviceNameProblem,
  updateId,
} from "./manifest/install-section.js";
export {
  formatProblem,
  type LoadedManifest,
  loadManifest,
  type Problem,
  parseManifest,
} from "./manifest/load.js";
export { stampedProductVersion } from "./manifest/product-version.js";
export {
  type DropRules,
  type EntryCommand,
  type FileInstallPolicy,
  type Fix,
  type InstallDeclaration,
  type InstalledVersionSource,
  type InstallLocation,
  KNOWN_FOLDERS,
  KnownFolderName,
  type Manifest,
  type ManifestFile,
  NOT_APPLICABLE,
  type PackageInfo,
  type PackagePlatform,
  PLATFORMS,
  Platform,
  type Prerequisite,
  ProductVersionRule,
  type RegistryKeyName,
  type RegistryValueName,
  RegistryView,
  ReleaseType,
  Restart,
  type TableRow,
  UNCLAIMED_POLICIES,
  UnclaimedPolicy,
} from "./manifest/types.js";
export { setFileSizes, updateManifestSizes } from "./manifest/update.js";
export {
  compareVersions,
  parseVersion,
  satisfiesPrerequisite,
  toSemver,
} from "./manifest/validate-fields.js";
export {
  type AuthenticodeLayout,
  authenticodeDigest,
  authenticodeLayout,
  authenticodeRanges,
  type CertificateEntry,
  type CertificateTable,
  certificateEntries,
  WIN_CERTIFICATE,
} from "./pe/authenticode.js";
export { peChecksum } from "./pe/checksum.js";
export { inspectFile, inspectPe } from "./pe/inspect.js";
export { neutralDigest } from "./pe/neutral.js";
export { platformOfMachine } from "./pe/platform.js";
export type { PeInfo } from "./pe/types.js";
export { type BuildOptions, type BuildResult, build } from "./pipeline/build.js";
export { makeRecord, recordJson } from "./pipeline/make-record.js";
export { lockOutput, lockPath, type OutputLock, OutputLocked } from "./pipeline/output-lock.js";
export {
  cabName,
  fileStampRequest,
  manifestDate,
  type OutputLayout,
  outputLayout,
  outputTime,
  packageStampRequest,
} from "./pipeline/plan.js";
export {
  type BuildProgress,
  BuildStage,
  barProgress,
  lineProgress,
  progressFor,
  StageTimer,
  silentProgress,
} from "./pipeline/progress.js";
export {
  isLeftover,
  LeftoverKind,
  leftoverPrefix,
  PublishFailed,
  recoverOutput,
} from "./pipeline/publish.js";
export type {
  BuildRecord,
  BuildRecordFile,
  Digests,
} from "./pipeline/record.js";
export type {
  CabEntry,
  CabInput,
  CabinetCompression,
  OpenedCabinet,
  PackageFacts,
  PeFacts,
  StampRequest,
  Toolkit,
} from "./pipeline/toolkit.js";
export { defaultToolkit } from "./pipeline/toolkit-default.js";
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
  PackageDamaged,
  type PackagePayload,
  readPackagePayload,
  readPackagePlan,
  type SfxChecksum,
  type SfxEntry,
  SfxExitCode,
  SfxPlatform,
  stubPath,
} from "./sfx/index.js";
export {
  certificateProblem,
  checkSigned,
  type SignatureFacts,
  signatureProblems,
} from "./sign/check.js";
export { type Signer, type SigningOptions, signTo } from "./sign/engine.js";
export { type PeSignatures, readPeSignatures, type Signature } from "./sign/signature.js";
export {
  type SignedFile,
  type SignedStagedFile,
  type SigningPlan,
  type SigningRequest,
  signInPlace,
  signingPlan,
  signPackage,
  signPayload,
  signsFile,
} from "./sign/stage.js";
export { stampFile } from "./stamp/file.js";
export { type SigningConfig, signFile, signingPlanOf } from "./stamp/sign.js";
export { stampPe } from "./stamp/stamp.js";
export { OverlayMode, type StampOptions } from "./stamp/types.js";
export { CheckFailed, ExitCode, InputError } from "./util/errors.js";
export {
  contentChecks,
  duplicateChecks,
  type ExpectedContents,
  leadingVersion,
  manifestChecks,
  stubChecks,
  VERIFY_CHECKS,
  type VerifyCheck,
  type VerifyContext,
  versionStringChecks,
} from "./verify/checks.js";
export {
  compareWithManifest,
  formatMismatch,
  type Mismatch,
  MismatchField,
  type PackageEntry,
  packageTableRows,
} from "./verify/compare.js";
export { packageKind, packageRows } from "./verify/package-table.js";
export { type ReadPackageOptions, readPackage } from "./verify/read-package.js";
export { type SignatureCheckOptions, signatureMismatches } from "./verify/signatures.js";
export {
  type ContentsCompared,
  expectedFromRecord,
  manifestFromRecord,
  recordBeside,
  VERIFY_REPORT_SCHEMA,
  type VerifyOptions,
  type VerifyReport,
  verifyAgainstRecord,
  verifyPackage,
  verifySummary,
} from "./verify/verify.js";
