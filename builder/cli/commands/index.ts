import { registerBuild, registerDemo, registerVerify } from "./build.js";
import { registerCabCreate, registerCabExtract, registerCabList, registerCabTest } from "./cab.js";
import { registerDiff } from "./diff.js";
import { registerInit } from "./init.js";
import { registerCheck, registerTable } from "./manifest.js";
import { registerInspect, registerStamp } from "./pe.js";
import { registerReport } from "./report.js";
import { registerSfx } from "./sfx.js";
import type { RegisterCommand } from "./types.js";

/** The command table, in the order `--help` lists them. */
export const commands: readonly RegisterCommand[] = [
  registerCheck,
  registerTable,
  registerBuild,
  registerVerify,
  registerDemo,
  registerCabCreate,
  registerCabList,
  registerCabTest,
  registerCabExtract,
  registerStamp,
  registerInspect,
  registerSfx,
  registerDiff,
  registerInit,
  registerReport,
];
