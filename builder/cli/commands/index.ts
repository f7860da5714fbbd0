/**
 * The command table. Each command's module (and the library code it pulls in) is loaded
 * only when that command runs, so `cabwright cab test` does not pay for YAML, JSON Schema,
 * templates or PE editing at start-up; `--help` and unknown commands load them all.
 */
import type { RegisterCommand } from "./types.js";

type Loader = () => Promise<readonly RegisterCommand[]>;

const build = () => import("./build.js");
const cab = () => import("./cab.js");
const manifest = () => import("./manifest.js");
const pe = () => import("./pe.js");

/** Top-level command name -> its registration functions, in the order `--help` lists them. */
const TABLE: ReadonlyArray<readonly [string, Loader]> = [
  ["check", async () => [(await manifest()).registerCheck]],
  ["table", async () => [(await manifest()).registerTable]],
  ["build", async () => [(await build()).registerBuild]],
  ["verify", async () => [(await build()).registerVerify]],
  ["demo", async () => [(await build()).registerDemo]],
  [
    "cab",
    async () => {
      const m = await cab();
      return [m.registerCabCreate, m.registerCabList, m.registerCabTest, m.registerCabExtract];
    },
  ],
  ["stamp", async () => [(await pe()).registerStamp]],
  ["inspect", async () => [(await pe()).registerInspect]],
  // `sfx` and `locate` register together.
  ["sfx", async () => [(await import("./sfx.js")).registerSfx]],
  ["locate", async () => [(await import("./sfx.js")).registerSfx]],
  ["diff", async () => [(await import("./diff.js")).registerDiff]],
  ["init", async () => [(await import("./init.js")).registerInit]],
  ["report", async () => [(await import("./report.js")).registerReport]],
  ["rules", async () => [(await import("./rules.js")).registerRules]],
];

/** The commands to register for a run whose first word is `name` (all of them if unknown). */
export async function commandsFor(name: string | undefined): Promise<readonly RegisterCommand[]> {
  const one = TABLE.find(([n]) => n === name);
  const loaders = one ? [one[1]] : TABLE.map(([, load]) => load);
  const all = (await Promise.all(loaders.map((load) => load()))).flat();
  return [...new Set(all)];
}
