/** The sfx stage: the self-extracting stub and the packages made from it. */
export { type AssembledSfx, type AssembleSfxOptions, assembleSfx } from "./assemble.js";
export {
  SFX_FORMAT_VERSION,
  SFX_HEADER_SIZE,
  SFX_HEADER_SIZE_V2,
  SFX_PLAN_FORMAT_VERSION,
  SfxExitCode,
  SfxPlatform,
} from "./constants.js";
export {
  entryProblem,
  packagePathProblem,
  quoteWindowsArg,
  type SfxEntry,
  type SfxHeader,
  windowsCommandLine,
} from "./header.js";
export {
  CabinetFoundBy,
  checkSfxChecksum,
  type LocatedCabinet,
  locateCabinet,
  PackageDamaged,
  type PackagePayload,
  readPackagePayload,
  type SfxChecksum,
} from "./locate.js";
export { readPackagePlan } from "./package-plan.js";
export { type BuiltStub, buildStub, STUB_FILES, stubPath } from "./stub.js";
