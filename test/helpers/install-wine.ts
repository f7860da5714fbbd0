/**
 * The install engine under Wine, for one stub (x86 under 32-bit Wine, x64 under wine64):
 * one prefix per test file, a persistent wineserver (services need it), the fake product
 * of install-product.ts, and every scenario of issue 13 run serially against it.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { crc32 } from "node:zlib";
import { cabInputsFromPaths, writeCabinet } from "@cabwright/cab";
import anyTest, { type ExecutionContext, type TestFn } from "ava";
import { assembleSfx, encodePlan, locateCabinet, readPackagePlan } from "../../builder/index.js";
import type { InstallPlan } from "../../builder/install/plan.js";
import { InstallExitCode } from "../../builder/install/plan-format.js";
import { planSfxPrefix, prefixPayloadCrc, sealSfxPrefix } from "../../builder/sfx/header.js";
import {
  buildProductKit,
  layProduct,
  NEW_VERSION,
  NEWER_VERSION,
  OLD_VERSION,
  PRODUCT_DIR,
  PRODUCT_KEY,
  type ProductKit,
  rollupPlan,
  SERVICE,
  UPDATE_ID,
} from "./install-product.js";
import { type PeArch, requirePeer, run, winePath } from "./peers.js";
import { pefileRead } from "./pefile.js";
import { runnerExit } from "./sfx.js";

interface Ctx {
  arch: PeArch;
  dir: string;
  env: NodeJS.ProcessEnv;
  wine: string;
  kit: ProductKit;
  prefix: string;
  productUnix: string;
  packages: number;
}

const ARP_KEY = `HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\${UPDATE_ID}`;
const ENTRY_KEY = `HKLM\\${PRODUCT_KEY}\\Updates\\${UPDATE_ID}`;
const SESSION_MANAGER = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager";
const SERVICE_RUNNING = 4;

/**
 * A fresh prefix (made after both wine64 and wine32 are installed) with a persistent
 * server: services live in it between the commands a test runs. The server and the first
 * program (which starts services.exe and its kin) get no stdio: they outlive the call, and
 * an inherited pipe would keep the call waiting. End it with `wineserver -k`.
 */
export async function wineSession(prefix: string): Promise<NodeJS.ProcessEnv> {
  const wine = requirePeer("wine");
  const env = {
    ...process.env,
    WINEPREFIX: prefix,
    WINEDEBUG: "-all",
    WINEDLLOVERRIDES: "mscoree,mshtml=",
    DISPLAY: "",
  };
  await run("wineboot", ["-i"], { env });
  await run("wineserver", ["-w"], { env });
  await detached("wineserver", ["-p"], env);
  await detached(wine, ["wineboot"], env);
  return env;
}

/** Run a command with its stdio not connected (it may leave processes running). */
export function detached(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: "ignore" });
    p.on("error", reject);
    p.on("exit", (code) => resolve(code));
  });
}

export function registerInstallTests(arch: PeArch): void {
  const test = anyTest as TestFn<Ctx>;

  test.before(async (t) => {
    const wine = requirePeer("wine");
    const dir = await mkdtemp(join(tmpdir(), `cabwright-install-${arch}-`));
    const prefix = join(dir, "prefix");
    const [kit, env] = await Promise.all([
      buildProductKit(join(dir, "kit"), arch),
      wineSession(prefix),
    ]);
    t.context = {
      arch,
      dir,
      env,
      wine,
      kit,
      prefix,
      productUnix: join(prefix, "drive_c", "CwProduct"),
      packages: 0,
    };
    await layProduct(kit, t.context.productUnix);
    for (const [name, data] of [
      ["InstalledPath", PRODUCT_DIR],
      ["Version", OLD_VERSION],
    ]) {
      const r = await wineCmd(t, [
        "reg",
        "add",
        `HKLM\\${PRODUCT_KEY}`,
        "/v",
        name!,
        "/d",
        data!,
        "/f",
        "/reg:32",
      ]);
      if (r.code !== 0) throw new Error(`reg add failed: ${r.stdout}${r.stderr}`);
    }
    const created = await svc(t, "create", `${PRODUCT_DIR}\\fakesvc.exe`);
    if (created.code !== 0) throw new Error(`svcctl create: ${created.stdout}`);
    t.is(await serviceState(t, "start"), SERVICE_RUNNING);
  });

  test.after.always(async (t) => {
    if (!t.context?.env) return;
    await svc(t, "stop").catch(() => undefined);
    await run("wineserver", ["-k"], { env: t.context.env }).catch(() => undefined);
    await rm(t.context.dir, { recursive: true, force: true });
  });

  test.serial(`${arch}: /whatif lists every action and changes nothing`, async (t) => {
    const before = await state(t);
    const exe = await pkg(t, rollupPlan({ is64: arch === "x64" }));
    const r = await runPkg(t, exe, ["/whatif"]);
    t.is(r.exit, 0, r.out);
    for (const line of [
      `would stop service ${SERVICE}`,
      `would back up ${PRODUCT_DIR}\\core.dll`,
      `would replace ${PRODUCT_DIR}\\core.dll (installed ${OLD_VERSION}, packaged ${NEW_VERSION})`,
      `would keep ${PRODUCT_DIR}\\data\\keep.dll (installed ${NEWER_VERSION}`,
      `would create folder ${PRODUCT_DIR}\\new`,
      `would add ${PRODUCT_DIR}\\new\\added.dll`,
      `would create registry key ${ENTRY_KEY} (32-bit view)`,
      `would create registry key ${ARP_KEY} (64-bit view)`,
      "would set value UninstallString",
      `would start service ${SERVICE}`,
    ]) {
      t.true(r.out.includes(line), `${line}\n---\n${r.out}`);
    }
    t.regex(
      r.out,
      arch === "x64"
        ? /would replace .*x64\\perf\.dll/
        : /would skip .*x64\\perf\.dll: 64-bit only/,
    );
    // /x: only extracts, plan or not.
    const x = await runPkg(t, exe, ["/quiet", "/x:C:\\cw-extracted"]);
    t.is(x.exit, 0, x.out);
    const extracted = join(t.context.prefix, "drive_c", "cw-extracted");
    t.deepEqual(
      await readFile(join(extracted, "lib", "held.dll")),
      await readFile(join(t.context.kit.update, "lib", "held.dll")),
    );
    await rm(extracted, { recursive: true });
    t.deepEqual(await state(t), before);
  });

  test.serial(
    `${arch}: product missing or its version out of range: not applicable, nothing changes`,
    async (t) => {
      const before = await state(t);
      for (const [what, plan] of [
        [
          "no install-path value",
          rollupPlan({ is64: false, locationKey: "SOFTWARE\\CabwrightTest\\NoSuchProduct" }),
        ],
        [
          "file version below the range",
          rollupPlan({
            is64: false,
            accept: [{ min: "10.3.0.0", minInclusive: true, maxInclusive: false }],
          }),
        ],
        [
          "registry version above the range",
          rollupPlan({
            is64: false,
            versionFromRegistry: true,
            accept: [{ max: "10.1.65535.0", maxInclusive: true, minInclusive: false }],
          }),
        ],
      ] as const) {
        const r = await runPkg(t, await pkg(t, plan), ["/quiet"]);
        t.is(r.exit, InstallExitCode.notApplicable, `${what}: ${r.out}`);
        t.regex(r.log, /This update does not apply: /, what);
      }
      t.deepEqual(await state(t), before);
    },
  );

  test.serial(`${arch}: a failure half-way rolls everything back (1603)`, async (t) => {
    const before = await state(t);
    const fresh = await freshStarts(t);
    // A folder where a file should be; an added file in a folder Windows refuses to write.
    await mkdir(join(t.context.productUnix, "data", "blocked.dll"));
    await symlink("/sys/kernel", join(t.context.productUnix, "denied"));
    const withBlock = await state(t);
    for (const [what, dest, reason] of [
      ["a folder", "data\\blocked.dll", /Cannot replace a folder with a file: .*blocked\.dll/],
      // sysfs refuses new files even to root (EACCES: error 5); where /sys is mounted
      // read-only, as in some containers, the refusal is EROFS (error 19, write-protected).
      ["access denied", "denied\\core.dll", /Cannot add .*denied\\core\.dll \(error (5|19)\b/],
    ] as const) {
      const plan = rollupPlan({
        is64: arch === "x64",
        backupReadme: true,
        extraFiles: [
          {
            source: "core.dll",
            dest,
            version: NEW_VERSION,
            only64: false,
            noDowngrade: true,
            backup: true,
            isNew: true,
          },
        ],
      });
      const r = await runPkg(t, await pkg(t, plan), ["/quiet"]);
      t.is(r.exit, InstallExitCode.failed, `${what}: ${r.out}`);
      t.regex(r.log, reason, what);
      t.regex(r.log, /replace .*core\.dll/, `${what}: files were replaced before the failure`);
      t.regex(r.log, /rolled back/, what);
      // The log lists each undo.
      t.regex(r.log, /restore C:\\CwProduct\\core\.dll from .*\\files\\1/, what);
      t.regex(r.log, /remove C:\\CwProduct\\new\\added\.dll/, what);
      t.regex(r.log, /remove folder C:\\CwProduct\\new/, what);
      t.regex(r.log, new RegExp(`rolling back[\\s\\S]*start service ${SERVICE}`), what);
      t.deepEqual(await state(t), withBlock, `${what}: every file and entry as before`);
      t.is(await serviceState(t), SERVICE_RUNNING, `${what}: the service runs again`);
      t.false(existsSync(backupUnix(t)), `${what}: no backup folder left`);
    }
    t.is((await freshStarts(t)) - fresh, 2, "stopped and started once per attempt");
    await rm(join(t.context.productUnix, "data", "blocked.dll"), { recursive: true });
    await rm(join(t.context.productUnix, "denied"));
    t.deepEqual(await state(t), before);
  });

  test.serial(
    `${arch}: install, already installed, /uninstall restores the product byte for byte`,
    async (t) => {
      const before = await state(t);
      const starts = await freshStarts(t);
      const plan = rollupPlan({ is64: arch === "x64" });
      const exe = await pkg(t, plan);
      t.deepEqual(readPackagePlan(exe), JSON.parse(JSON.stringify(plan)), "the plan reads back");
      const r = await runPkg(t, exe, ["/quiet"]);
      t.is(r.exit, 0, r.log);
      // Every file has the plan's version (pefile reads them), but the newer one kept.
      const names = [
        "core.dll",
        "lib/held.dll",
        "new/added.dll",
        ...(arch === "x64" ? ["x64/perf.dll"] : []),
      ];
      const records = await pefileRead(names.map((n) => join(t.context.productUnix, n)));
      t.deepEqual(
        records.map((x) => x.fileVersion),
        names.map(() => NEW_VERSION),
      );
      const [kept, perf] = await pefileRead([
        join(t.context.productUnix, "data/keep.dll"),
        join(t.context.productUnix, "x64/perf.dll"),
      ]);
      t.is(kept!.fileVersion, NEWER_VERSION, "never downgraded");
      if (arch === "x86")
        t.is(perf!.fileVersion, OLD_VERSION, "64-bit file left on a 32-bit product");
      t.is(
        await readFile(join(t.context.productUnix, "readme.txt"), "utf8"),
        "new readme, not backed up\r\n",
      );
      // The service was stopped (it let go of held.dll) and runs again.
      t.is(await serviceState(t), SERVICE_RUNNING);
      t.is((await freshStarts(t)) - starts, 1);
      // The entries.
      const entry = await reg(t, ENTRY_KEY, "32");
      t.is(entry.code, 0, entry.out);
      t.regex(
        entry.out,
        new RegExp(`PackageVersion\\s+REG_SZ\\s+${NEW_VERSION.replaceAll(".", "\\.")}`),
      );
      t.regex(entry.out, /InstalledDate\s+REG_SZ\s+\d{8}/);
      const arp = await reg(t, ARP_KEY, "64");
      t.is(arp.code, 0, arp.out);
      t.regex(arp.out, /DisplayName\s+REG_SZ\s+Test rollup/);
      t.regex(arp.out, /ParentKeyName\s+REG_SZ\s+CabwrightTestProduct/);
      t.regex(arp.out, /NoModify\s+REG_DWORD\s+0x1/);
      const un = /UninstallString\s+REG_SZ\s+"([^"]+)" \/uninstall/.exec(arp.out);
      t.truthy(un, arp.out);
      t.regex(un![1]!, /\\\$cabwright\$\\KB999001\\/);
      // The log lists every action.
      for (const line of [
        `stop service ${SERVICE}`,
        `back up ${PRODUCT_DIR}\\core.dll to `,
        `replace ${PRODUCT_DIR}\\lib\\held.dll (installed ${OLD_VERSION}, packaged ${NEW_VERSION})`,
        `keep ${PRODUCT_DIR}\\data\\keep.dll`,
        `add ${PRODUCT_DIR}\\new\\added.dll`,
        `set value DisplayName = Test rollup`,
        `start service ${SERVICE}`,
        "exit code 0",
      ]) {
        t.true(r.log.includes(line), `${line}\n---\n${r.log}`);
      }

      const again = await runPkg(t, exe, ["/quiet"]);
      t.is(again.exit, InstallExitCode.alreadyInstalled, again.log);

      // /uninstall /whatif: what the removal would do, and nothing done.
      const installed = await state(t);
      const wouldRemove = await runPkg(t, un![1]!, ["/uninstall", "/whatif", "/quiet"]);
      t.is(wouldRemove.exit, 0, wouldRemove.out);
      t.regex(wouldRemove.out, /would restore C:\\CwProduct\\core\.dll from /);
      t.regex(wouldRemove.out, /would remove C:\\CwProduct\\new\\added\.dll/);
      t.regex(
        wouldRemove.out,
        /would delete registry key HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\KB999001/,
      );
      t.deepEqual(await state(t), installed, "/whatif changed nothing");

      // Removal through the Installed Updates entry's own command (the engine kept with the backup).
      const removed = await runPkg(t, un![1]!, ["/uninstall", "/quiet"]);
      t.is(removed.exit, 0, removed.log);
      t.regex(removed.log, /restore .*core\.dll from /);
      t.regex(removed.log, /remove .*added\.dll/);
      const after = await state(t);
      // readme.txt was not backed up (backup: false), so it stays new; everything else is as before.
      t.deepEqual(
        { ...after, files: { ...after.files, "readme.txt": before.files["readme.txt"] } },
        before,
      );
      t.is(await serviceState(t), SERVICE_RUNNING);
      t.is((await freshStarts(t)) - starts, 2, "stopped and started again for the removal");
      await layProduct(t.context.kit, t.context.productUnix);
    },
  );

  test.serial(`${arch}: a damaged package or plan is refused before any change (13)`, async (t) => {
    const before = await state(t);
    const plan = rollupPlan({ is64: false });
    const exe = await pkg(t, plan);
    const bytes = new Uint8Array(await readFile(exe));
    const header = locateCabinet(bytes).header!;
    const flipped = bytes.slice();
    flipped[header.offset + header.plan!.offset + 20]! ^= 0x20;
    const flippedExe = join(t.context.dir, "flipped-plan.exe");
    await writeFile(flippedExe, flipped);
    const r = await runPkg(t, flippedExe, ["/quiet"]);
    t.is(r.exit, InstallExitCode.damaged, r.log);
    t.regex(r.log, /This package is damaged: the cabinet's CRC-32 is/);
    // A plan whose CRCs are right but whose file leaves the install folder: the engine's own
    // parser refuses it (assembleSfx would, so the package is forged by hand).
    const planBytes = encodePlan(plan);
    // The destination (the last "data\keep.dll"; the first is the source), same length.
    const at = Buffer.from(planBytes).lastIndexOf(Buffer.from("data\\keep.dll", "utf16le"));
    planBytes.set(Buffer.from("..\\..\\eep.dll", "utf16le"), at);
    const cab = bytes.subarray(
      header.offset + header.cabinetOffset,
      header.offset + header.cabinetOffset + header.cabinetSize,
    );
    const prefix = planSfxPrefix(cab.length, undefined, planBytes);
    const sealed = sealSfxPrefix(prefix, crc32(cab, prefixPayloadCrc(prefix)));
    const forged = join(t.context.dir, "forged-plan.exe");
    await writeFile(forged, Buffer.concat([bytes.subarray(0, header.offset), sealed, cab]));
    t.throws(() => readPackagePlan(forged), {
      message: /install plan byte \d+\): file destination "\.\.\\\.\.\\eep\.dll"/,
    });
    const f = await runPkg(t, forged, ["/quiet"]);
    t.is(f.exit, InstallExitCode.damaged, f.log);
    t.regex(f.log, /its install plan is not valid at plan byte \d+: a path leaves its folder/);
    t.deepEqual(await state(t), before);
  });

  test.serial(
    `${arch}: a file in use is replaced at restart (3010), and wineboot -r puts it in place`,
    async (t) => {
      // The service opens the held.dll laid out now (the earlier tests laid the product anew).
      await svc(t, "stop");
      const starts = await freshStarts(t);
      t.is(await serviceState(t, "start"), SERVICE_RUNNING);
      t.is((await freshStarts(t)) - starts, 1, "the service holds lib\\held.dll");
      const before = await state(t);
      // No services in the plan: the running service keeps lib\held.dll open.
      const exe = await pkg(t, rollupPlan({ is64: arch === "x64", services: false }));
      const r = await runPkg(t, exe, ["/quiet", "/norestart"]);
      t.is(r.exit, InstallExitCode.restartRequired, r.log);
      t.regex(r.log, /in use: .*held\.dll is replaced when Windows restarts/);
      const pending = await reg(t, SESSION_MANAGER, "64", ["/v", "PendingFileRenameOperations"]);
      t.regex(pending.out, /held\.dll\.KB999001\.new/);
      t.is(
        before.files["lib/held.dll"],
        (await state(t)).files["lib/held.dll"],
        "not yet replaced",
      );
      await svc(t, "stop");
      await detached(t.context.wine, ["wineboot", "-r"], t.context.env);
      const [held] = await pefileRead([join(t.context.productUnix, "lib/held.dll")]);
      t.is(held!.fileVersion, NEW_VERSION, "the delayed move ran at restart");
      t.false(existsSync(join(t.context.productUnix, "lib", "held.dll.KB999001.new")));
      // Removed after the restart: the held DLL comes back from its backup like the rest.
      const removed = await runPkg(t, exe, ["/uninstall", "/quiet"]);
      t.is(removed.exit, 0, removed.log);
      const after = await state(t);
      t.deepEqual(
        { ...after, files: { ...after.files, "readme.txt": before.files["readme.txt"]! } },
        before,
      );
    },
  );

  async function pkg(t: ExecutionContext<Ctx>, plan: InstallPlan): Promise<string> {
    const n = ++t.context.packages;
    const files = [...new Set(plan.files.map((f) => f.source.replaceAll("\\", "/")))];
    const cab = join(t.context.dir, `rollup-${n}.cab`);
    await writeCabinet(cab, await cabInputsFromPaths(t.context.kit.update, files), { threads: 1 });
    const out = join(t.context.dir, `rollup-${n}.exe`);
    await assembleSfx({ platform: t.context.arch, cabinetPath: cab, outPath: out, plan });
    return out;
  }

  async function runPkg(t: ExecutionContext<Ctx>, exe: string, args: string[]) {
    const n = t.context.packages;
    const log = `C:\\cwlog-${n}-${args.length}.txt`;
    const logUnix = join(t.context.prefix, "drive_c", `cwlog-${n}-${args.length}.txt`);
    await rm(logUnix, { force: true });
    const path = exe.startsWith("/") ? winePath(exe) : exe;
    const r = await wineCmd(t, [t.context.kit.runner, path, ...args, `/log:${log}`]);
    const text = existsSync(logUnix) ? await readFile(logUnix, "utf8") : "";
    return {
      exit: runnerExit(r.stdout),
      out: r.stdout + r.stderr,
      log: `${text}\n${r.stdout}${r.stderr}`,
    };
  }

  async function wineCmd(t: ExecutionContext<Ctx>, args: string[]) {
    return run(t.context.wine, args, { env: t.context.env, cwd: t.context.dir });
  }

  async function svc(t: ExecutionContext<Ctx>, cmd: string, ...rest: string[]) {
    return wineCmd(t, [t.context.kit.svcctl, cmd, SERVICE, ...rest]);
  }

  async function serviceState(t: ExecutionContext<Ctx>, cmd = "state"): Promise<number> {
    const r = await svc(t, cmd);
    const m = /state=(\d+)/.exec(r.stdout);
    return m ? Number(m[1]) : -1;
  }

  /** How many times the service has started with lib\held.dll held. */
  async function freshStarts(t: ExecutionContext<Ctx>): Promise<number> {
    const p = join(t.context.prefix, "drive_c", `${SERVICE}.log`);
    const text = existsSync(p) ? await readFile(p, "utf8") : "";
    return text.split("\n").filter((l) => l === "start").length;
  }

  async function reg(
    t: ExecutionContext<Ctx>,
    key: string,
    view: "32" | "64",
    extra: string[] = [],
  ) {
    const r = await wineCmd(t, ["reg", "query", key, ...extra, `/reg:${view}`]);
    return { code: r.code, out: r.stdout + r.stderr };
  }

  function backupUnix(t: ExecutionContext<Ctx>): string {
    return join(t.context.prefix, "drive_c", "windows", "$cabwright$", UPDATE_ID);
  }

  /** Every product file's SHA-256 (links as their target), and the registry keys the engine touches. */
  async function state(t: ExecutionContext<Ctx>) {
    const files: Record<string, string> = {};
    const walk = async (d: string) => {
      for (const e of await readdir(d)) {
        const p = join(d, e);
        const s = await lstat(p);
        const rel = relative(t.context.productUnix, p);
        if (s.isSymbolicLink()) files[rel] = `link ${await readlink(p)}`;
        else if (s.isDirectory()) {
          files[rel] = "folder";
          await walk(p);
        } else
          files[rel] = createHash("sha256")
            .update(await readFile(p))
            .digest("hex");
      }
    };
    await walk(t.context.productUnix);
    const product = await reg(t, `HKLM\\${PRODUCT_KEY}`, "32", ["/s"]);
    const arp = await reg(t, ARP_KEY, "64");
    return { files, product: product.out, arp: arp.code };
  }
}
