import { registerBuild, registerDemo, registerVerify } from "./build.js";
import { registerCheck, registerTable } from "./manifest.js";
import type { RegisterCommand } from "./types.js";

/** The command table, in the order `--help` lists them. */
export const commands: readonly RegisterCommand[] = [
  registerCheck,
  registerTable,
  registerBuild,
  registerVerify,
  registerDemo,
];
