/**
 * The seed's rollup installs (issue 13): `npm run demo`'s package (the x86 stub with the
 * plan compiled from manifest/fse-sp2-hr2.yaml) over a fake Forefront Security for
 * Exchange Server SP2 layout under Wine: the demo drop's files (version 10.2.0.0, as a
 * development build is stamped) at their package paths, InstalledPath in the 32-bit view,
 * an FSCController service. The 32-bit engine installs the x64 files too (a 64-bit product
 * on 64-bit Windows); /uninstall gives the SP2 layout back byte for byte.
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import test from "ava";
import { InstallExitCode, readPackagePlan } from "../builder/index.js";
import type { InstallPlan } from "../builder/install/plan.js";
import { type DemoBuild, demoBuild, removeDemoBuild } from "./helpers/demo-build.js";
import { buildServiceProgram, buildSvcctl } from "./helpers/install-product.js";
import { wineSession } from "./helpers/install-wine.js";
import { buildPe, requirePeer, run, winePath } from "./helpers/peers.js";
import { pefileRead } from "./helpers/pefile.js";
import { RUNNER_SOURCE, runnerExit } from "./helpers/sfx.js";

const SERVICE = "FSCController";
const INSTALL_DIR = "C:\\Program Files (x86)\\Microsoft Forefront Security\\Exchange Server";

let dir = "";
let env: NodeJS.ProcessEnv = {};
let demo: DemoBuild;
let plan: InstallPlan;
let runner = "";
let svcctl = "";
const wine = () => requirePeer("wine");
const installUnix = () =>
  join(
    env.WINEPREFIX!,
    "drive_c",
    "Program Files (x86)",
    "Microsoft Forefront Security",
    "Exchange Server",
  );

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), "cabwright-install-seed-"));
  const tools = join(dir, "tools");
  await mkdir(tools);
  let svc: string;
  [demo, env, runner, svc, svcctl] = await Promise.all([
    demoBuild(),
    wineSession(join(dir, "prefix")),
    buildPe(tools, { name: "runner.exe", arch: "x64", source: RUNNER_SOURCE }),
    buildServiceProgram(tools, "fscsvc.exe", "x86", SERVICE),
    buildSvcctl(tools, "x64"),
  ]);
  plan = readPackagePlan(demo.result.layout.exe)!;
  // The SP2 layout: each file of the package at its path, as the drop has it (10.2.0.0).
  for (const f of demo.result.record.files) {
    const to = join(installUnix(), f.path);
    await mkdir(dirname(to), { recursive: true });
    await copyFile(join(demo.drop, f.source), to);
  }
  const key = "HKLM\\SOFTWARE\\Microsoft\\Forefront Server Security\\Exchange Server";
  const r = await run(
    wine(),
    ["reg", "add", key, "/v", "InstalledPath", "/d", INSTALL_DIR, "/f", "/reg:32"],
    { env },
  );
  if (r.code !== 0) throw new Error(`reg add: ${r.stdout}${r.stderr}`);
  const svcWin = winePath(svc);
  const c = await run(wine(), [svcctl, "create", SERVICE, svcWin], { env });
  if (c.code !== 0) throw new Error(`svcctl create: ${c.stdout}`);
  await run(wine(), [svcctl, "start", SERVICE], { env });
});

test.after.always(async () => {
  if (env.WINEPREFIX) {
    await run(wine(), [svcctl, "stop", SERVICE], { env }).catch(() => undefined);
    await run("wineserver", ["-k"], { env }).catch(() => undefined);
  }
  await removeDemoBuild();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function digests(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of demo.result.record.files) {
    out[f.path] = createHash("sha256")
      .update(await readFile(join(installUnix(), f.path)))
      .digest("hex");
  }
  return out;
}

async function starts(): Promise<number> {
  const text = await readFile(join(env.WINEPREFIX!, "drive_c", `${SERVICE}.log`), "utf8").catch(
    () => "",
  );
  return text.split("\n").filter((l) => l.startsWith("start")).length;
}

test.serial(
  "the demo package installs over a Forefront SP2 layout, and /uninstall restores it",
  async (t) => {
    t.is(demo.result.record.executable.stub.platform, "x86", "the seed's package is the x86 stub");
    const before = await digests();
    const started = await starts();
    const exeWin = winePath(demo.result.layout.exe);
    const r = await run(wine(), [runner, exeWin, "/quiet", "/log:C:\\seed.log"], { env });
    const log = await readFile(join(env.WINEPREFIX!, "drive_c", "seed.log"), "utf8").catch(
      () => "",
    );
    t.is(runnerExit(r.stdout), 0, log + r.stdout);
    t.regex(log, /stop service FSCController/);
    t.regex(log, /start service FSCController/);
    t.is((await starts()) - started, 1, "FSCController stopped and started again");
    // Every file has the manifest's version now, the x64 ones too (read back with pefile).
    const versioned = demo.result.record.files.filter((f) =>
      /^\d+\.\d+\.\d+\.\d+$/.test(f.version),
    );
    const records = await pefileRead(versioned.map((f) => join(installUnix(), f.path)));
    t.deepEqual(
      records.map((x) => x.fileVersion),
      versioned.map((f) => f.version),
    );
    t.true(
      versioned.some((f) => f.path.startsWith("x64/")),
      "x64 files are among them",
    );
    const after = await digests();
    for (const f of demo.result.record.files) t.is(after[f.path], f.after.sha256, f.path);
    const entry = await run(
      wine(),
      ["reg", "query", `HKLM\\${plan.identity.productEntry.key}`, "/reg:32"],
      { env },
    );
    t.is(entry.code, 0, entry.stdout + entry.stderr);

    const again = await run(wine(), [runner, exeWin, "/quiet"], { env });
    t.is(runnerExit(again.stdout), InstallExitCode.alreadyInstalled);

    const removed = await run(
      wine(),
      [runner, exeWin, "/uninstall", "/quiet", "/log:C:\\seed-remove.log"],
      { env },
    );
    const removeLog = await readFile(
      join(env.WINEPREFIX!, "drive_c", "seed-remove.log"),
      "utf8",
    ).catch(() => "");
    t.is(runnerExit(removed.stdout), 0, removeLog);
    t.deepEqual(await digests(), before, "every file byte-identical to SP2's");
    const gone = await run(
      wine(),
      ["reg", "query", `HKLM\\${plan.identity.productEntry.key}`, "/reg:32"],
      { env },
    );
    t.not(gone.code, 0, "the update's key is gone");
  },
);
