/**
 * The x64 stub under wine64: packages assembled from gcab cabinets extract to the same
 * bytes, run their entry command (exit codes pass through, the temporary folder goes),
 * answer /?, refuse bad switches, damaged packages and names that leave the folder, and
 * survive stamping and Authenticode signing. The x86 stub under 32-bit Wine (wine32):
 * extraction, an x86 entry command's 3010, and a stamped stub.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { cabInputsFromPaths, writeCabinet } from "@cabwright/cab";
import anyTest, { type TestFn } from "ava";
import {
  assembleSfx,
  InputError,
  locateCabinet,
  OverlayMode,
  type SfxEntry,
  SfxExitCode,
  stampPe,
  stubPath,
} from "../builder/index.js";
import { planSfxPrefix, prefixPayloadCrc, sealSfxPrefix } from "../builder/sfx/header.js";
import { checkSfxChecksum } from "../builder/sfx/index.js";
import { seededBytes } from "./helpers/cab-fixtures.js";
import { requirePeer, run, signWithTestCertificate, wineEnv, winePath } from "./helpers/peers.js";
import {
  buildSfxTestPrograms,
  CAB_TIME,
  gcabFrom,
  runnerExit,
  type SfxTestPrograms,
  unixPath,
} from "./helpers/sfx.js";

interface Ctx {
  dir: string;
  env: NodeJS.ProcessEnv;
  wine: string;
  programs: SfxTestPrograms;
  cab: string;
  files: ReadonlyArray<readonly [string, Uint8Array]>;
}
const test = anyTest as TestFn<Ctx>;

const UTF8_NAME = "naïve-文字.txt";

const cleanup: string[] = [];
test.after.always(() => Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true }))));

test.before(async (t) => {
  const wine = requirePeer("wine");
  const dir = await mkdtemp(join(tmpdir(), "cabwright-sfx-wine-"));
  cleanup.push(dir);
  const programs = await buildSfxTestPrograms(dir);
  const files: Array<readonly [string, Uint8Array]> = [
    ["payload.txt", new TextEncoder().encode("hello from the package\r\n")],
    ["sub/deeper/data.bin", seededBytes(200_000, 42)],
    [UTF8_NAME, new TextEncoder().encode("wide name\r\n")],
    ["entry.exe", new Uint8Array(await readFile(programs.entry))],
  ];
  const cab = join(dir, "files.cab");
  await gcabFrom(join(dir, "in"), cab, files);
  t.context = { dir, env: await wineEnv(), wine, programs, cab, files };
});

async function wine(t: { context: Ctx }, args: string[]) {
  return run(t.context.wine, args, { env: t.context.env, cwd: t.context.dir });
}

/** Run through runner.exe: the full 32-bit exit code, and the stub's own output. */
async function wineRunner(t: { context: Ctx }, args: string[]) {
  const r = await wine(t, [t.context.programs.runner, ...args]);
  return { ...r, exit: runnerExit(r.stdout) };
}

async function pkg(
  t: { context: Ctx },
  name: string,
  entry?: { command: string; args: readonly string[] },
): Promise<string> {
  const outPath = join(t.context.dir, name);
  await assembleSfx({ platform: "x64", cabinetPath: t.context.cab, outPath, entry });
  return outPath;
}

async function assertExtracted(
  t: import("ava").ExecutionContext<Ctx>,
  out: string,
  files: ReadonlyArray<readonly [string, Uint8Array]> = t.context.files,
) {
  for (const [name, data] of files) {
    const p = join(out, name);
    t.deepEqual(new Uint8Array(await readFile(p)), data, name);
    // Cabinet times are UTC and are set as such (2-second DOS resolution).
    t.true(Math.abs((await stat(p)).mtimeMs - CAB_TIME.getTime()) < 2000, `${name} mtime`);
  }
}

test("/x:DIR extracts every file to the same bytes, with UTF-8 names and subfolders", async (t) => {
  const exe = await pkg(t, "plain.exe");
  const out = join(t.context.dir, "x-out", "new folder");
  const r = await wine(t, [exe, `/x:${winePath(out)}`]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /Extracted 4 files to /);
  await assertExtracted(t, out);
  t.true(existsSync(join(out, UTF8_NAME)), "the UTF-8 name was written with the wide API");
});

test("/extract:DIR with an entry command extracts only and runs nothing", async (t) => {
  const marker = join(t.context.dir, "never-written.txt");
  const exe = await pkg(t, "extract-only.exe", {
    command: "entry.exe",
    args: [winePath(marker), "5"],
  });
  const out = join(t.context.dir, "extract-out");
  const r = await wine(t, [exe, "/quiet", `/extract:${winePath(out)}`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, "", "/quiet prints nothing");
  await assertExtracted(t, out);
  t.false(existsSync(marker));
});

test("runs the entry command in a fresh folder, passes 3010 and switches, removes the folder", async (t) => {
  const marker = join(t.context.dir, "marker-3010.txt");
  const exe = await pkg(t, "restart.exe", {
    command: "entry.exe",
    args: [winePath(marker), "3010", "default arg"],
  });
  const passed = ["two words", 'quote"d', "back\\slash\\", "naïve 文字"];
  const r = await wineRunner(t, [exe, "/quiet", "/norestart", "--", ...passed]);
  t.is(r.exit, SfxExitCode.restartRequired, r.stdout + r.stderr);
  const lines = (await readFile(marker, "utf8")).split("\n");
  const [cwd, payload, ...args] = lines;
  t.is(payload, "payload=yes", "the entry runs in the extraction folder");
  t.deepEqual(args.slice(0, -1), ["default arg", "/quiet", "/norestart", ...passed]);
  t.regex(cwd!, /\\cwsfx-[0-9a-f]{8}$/);
  t.false(existsSync(unixPath(cwd!, t.context.env.WINEPREFIX!)), "temporary folder removed");
});

test("the entry command's exit code 7 comes back, and /log records the run", async (t) => {
  const marker = join(t.context.dir, "marker-7.txt");
  const log = join(t.context.dir, "run-7.log");
  const exe = await pkg(t, "seven.exe", { command: "entry.exe", args: [winePath(marker), "7"] });
  const r = await wine(t, [exe, "/passive", `/log:${winePath(log)}`]);
  t.is(r.code, 7, r.stderr);
  const text = await readFile(log, "utf8");
  t.regex(text, /extract payload\.txt/);
  t.regex(text, /exit code 7/);
  t.true(existsSync(marker));
});

test("/? prints the usage and exits 0", async (t) => {
  const exe = await pkg(t, "help.exe");
  const r = await wine(t, [exe, "/?"]);
  t.is(r.code, 0);
  t.regex(r.stdout, /^Usage: help\.exe \[\/quiet \| \/passive\]/);
  t.regex(r.stdout, /\/x:DIR, \/extract:DIR/);
  t.regex(r.stdout, /3010/);
});

test("bad switches give a clear message and exit 87", async (t) => {
  const exe = await pkg(t, "switches.exe");
  const unknown = await wine(t, [exe, "/bogus"]);
  t.is(unknown.code, SfxExitCode.badSwitch);
  t.regex(unknown.stderr, /Unknown switch \/bogus\. Run switches\.exe \/\? for the list/);
  const noValue = await wine(t, [exe, "/x:"]);
  t.is(noValue.code, SfxExitCode.badSwitch);
  t.regex(noValue.stderr, /needs a folder/);
  const badLog = await wine(t, [
    exe,
    `/log:${winePath(join(t.context.dir, "no", "such", "x.log"))}`,
  ]);
  t.is(badLog.code, SfxExitCode.badSwitch);
  t.regex(badLog.stderr, /Cannot open the log file .*x\.log \(error 3/);
  const both = await wine(t, [exe, "/quiet", "/passive"]);
  t.is(both.code, SfxExitCode.badSwitch);
  t.is(both.stderr, "", "/quiet: nothing shown");
});

test("a damaged package is refused before anything is extracted (13), quietly with /quiet", async (t) => {
  const exe = await pkg(t, "good.exe");
  const bytes = new Uint8Array(await readFile(exe));
  const { offset, size } = locateCabinet(bytes);

  const flipped = bytes.slice();
  flipped[offset + Math.floor(size / 2)]! ^= 0x01;
  const flippedExe = join(t.context.dir, "flipped.exe");
  await writeFile(flippedExe, flipped);
  const out = join(t.context.dir, "flipped-out");
  const r1 = await wine(t, [flippedExe, `/x:${winePath(out)}`]);
  t.is(r1.code, SfxExitCode.damaged);
  t.regex(r1.stderr, /This package is damaged: the cabinet's CRC-32 is [0-9a-f]{8}, expected/);
  t.false(existsSync(out), "nothing extracted");

  const log = join(t.context.dir, "flipped.log");
  const r2 = await wine(t, [flippedExe, "/quiet", `/log:${winePath(log)}`]);
  t.is(r2.code, SfxExitCode.damaged);
  t.is(r2.stdout + r2.stderr, "");
  t.regex(await readFile(log, "utf8"), /error: This package is damaged/);

  const truncatedExe = join(t.context.dir, "truncated.exe");
  await writeFile(truncatedExe, bytes.subarray(0, offset + size - 1000));
  const r3 = await wine(t, [truncatedExe, `/x:${winePath(out)}`]);
  t.is(r3.code, SfxExitCode.damaged);
  t.regex(
    r3.stderr,
    /damaged: it is truncated: the cabinet needs \d+ bytes but the file holds \d+/,
  );
});

test("a name that would leave the folder is refused (13) and nothing lands outside", async (t) => {
  const dir = join(t.context.dir, "evil");
  const cab = join(dir, "evil.cab");
  await gcabFrom(join(dir, "in"), cab, [
    ["ok.txt", new TextEncoder().encode("fine")],
    ["zz/evil.txt", new TextEncoder().encode("escaped")],
  ]);
  // CFFILE names are not covered by any cabinet checksum: rewrite "zz\" to "..\" in place.
  const bytes = new Uint8Array(await readFile(cab));
  const at = Buffer.from(bytes).indexOf("zz\\evil.txt");
  t.true(at > 0);
  bytes[at] = 0x2e;
  bytes[at + 1] = 0x2e;
  await writeFile(cab, bytes);
  const exe = join(dir, "evil.exe");
  await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: exe });
  const out = join(dir, "out", "inner");
  await mkdir(out, { recursive: true });
  const r = await wine(t, [exe, `/x:${winePath(out)}`]);
  t.is(r.code, SfxExitCode.damaged);
  t.regex(r.stderr, /would leave the extraction folder: \.\.\\evil\.txt/);
  t.false(existsSync(join(dir, "out", "evil.txt")));
});

const PACKAGE_STAMP = {
  fileVersion: "10.2.952.0",
  strings: {
    FileDescription: "Hotfix Rollup 2 for Forefront Security for Exchange Server SP2",
    CompanyName: "Test Company",
    LegalCopyright: "(c) 2010 Test Company",
  },
} as const;

test("stamped with cabwright's stamp stage before or after assembly, a package still extracts", async (t) => {
  // The recommended order: stamp a copy of the stub, then append.
  const stamped = join(t.context.dir, "stamped-stub.exe");
  await writeFile(stamped, stampPe(await readFile(stubPath("x64")), PACKAGE_STAMP, "stub"));
  const before = join(t.context.dir, "stamped-before.exe");
  await assembleSfx({
    platform: "x64",
    cabinetPath: t.context.cab,
    outPath: before,
    stubPath: stamped,
  });
  // Stamping the finished package: the default keeps the overlay's offset when the image
  // does not grow (else it refuses); "move" lets it follow the image. Both must extract.
  const plain = await pkg(t, "to-stamp.exe");
  const plainBytes = await readFile(plain);
  const packages = [before];
  for (const overlay of [OverlayMode.keepOffset, OverlayMode.move]) {
    let bytes: Uint8Array;
    try {
      bytes = stampPe(plainBytes, { ...PACKAGE_STAMP, overlay }, "package");
    } catch (err) {
      t.true(err instanceof InputError && overlay === OverlayMode.keepOffset, String(err));
      t.log(`stamp --overlay ${overlay} refused: ${(err as Error).message}`);
      continue;
    }
    const after = join(t.context.dir, `stamped-after-${overlay}.exe`);
    await writeFile(after, bytes);
    packages.push(after);
  }
  for (const exe of packages) {
    t.true((await checkSfxChecksum(exe)).ok, exe);
    const out = `${exe}-out`;
    const r = await wine(t, [exe, "/quiet", `/x:${winePath(out)}`]);
    t.is(r.code, 0, `${exe}: ${r.stderr}`);
    await assertExtracted(t, out);
  }
});

test("a package signed after assembly (osslsigncode) keeps its cabinet and extracts", async (t) => {
  const plain = await pkg(t, "to-sign.exe");
  const signed = join(t.context.dir, "signed.exe");
  const s = await signWithTestCertificate(plain, signed);
  t.is(s.code, 0, s.stderr);
  t.deepEqual(locateCabinet(signed), locateCabinet(plain));
  t.true((await checkSfxChecksum(signed)).ok);
  const out = join(t.context.dir, "signed-out");
  const r = await wine(t, [signed, "/quiet", `/x:${winePath(out)}`]);
  t.is(r.code, 0, r.stderr);
  await assertExtracted(t, out);
});

test("no entry command and no /x: extracts beside the package, into a folder named after it", async (t) => {
  const dir = join(t.context.dir, "default place é");
  await mkdir(dir);
  const exe = join(dir, "hot fix 文字.v2.exe");
  await assembleSfx({ platform: "x64", cabinetPath: t.context.cab, outPath: exe });
  const r = await wine(t, [exe, "/quiet"]);
  t.is(r.code, 0, r.stderr);
  await assertExtracted(t, join(dir, "hot fix 文字.v2"));
});

/** A package assembleSfx would refuse (its entry checks), made by hand, CRCs and all. */
async function forgePackage(cabPath: string, outPath: string, entry: SfxEntry): Promise<void> {
  const cab = new Uint8Array(await readFile(cabPath));
  const prefix = planSfxPrefix(cab.length, entry);
  const sealed = sealSfxPrefix(prefix, crc32(cab, prefixPayloadCrc(prefix)));
  const stub = new Uint8Array(await readFile(stubPath("x64")));
  await writeFile(outPath, Buffer.concat([stub, sealed, cab]));
}

test("an entry command missing from the package fails with 1603 and the folder is removed", async (t) => {
  const log = join(t.context.dir, "missing-entry.log");
  const exe = join(t.context.dir, "missing-entry.exe");
  await forgePackage(t.context.cab, exe, { command: "bin/absent.exe", args: [] });
  const r = await wineRunner(t, [exe, "/quiet", `/log:${winePath(log)}`]);
  t.is(r.exit, SfxExitCode.failed, r.stdout + r.stderr);
  const text = await readFile(log, "utf8");
  t.regex(text, /error: Cannot start the setup command bin\\absent\.exe \(error 2/);
  const folder = /folder (.*cwsfx-[0-9a-f]{8})/.exec(text)?.[1];
  t.truthy(folder, text);
  t.false(existsSync(unixPath(folder!, t.context.env.WINEPREFIX!)), "temporary folder removed");
});

test("a .cmd entry command runs through cmd.exe and its exit code comes back", async (t) => {
  const dir = join(t.context.dir, "batch");
  const cab = join(dir, "batch.cab");
  const marker = join(dir, "batch-marker.txt");
  await gcabFrom(join(dir, "in"), cab, [
    ["setup files/run me.cmd", "@echo off\r\necho ran %1 %2 > %3\r\nexit /b 3010\r\n"],
  ]);
  const exe = join(dir, "batch.exe");
  await assembleSfx({
    platform: "x64",
    cabinetPath: cab,
    outPath: exe,
    entry: { command: "setup files/run me.cmd", args: ["first", "second"] },
  });
  const r = await wineRunner(t, [exe, "--", winePath(marker)]); // (/quiet would come before it)
  t.is(r.exit, SfxExitCode.restartRequired, r.stdout + r.stderr);
  t.is((await readFile(marker, "utf8")).trim(), "ran first second");
});

test("a package header naming an entry command outside the package is refused (13)", async (t) => {
  const exe = join(t.context.dir, "forged.exe");
  await forgePackage(t.context.cab, exe, { command: "..\\entry.exe", args: ["x", "0"] });
  const r = await wine(t, [exe]);
  t.is(r.code, SfxExitCode.damaged);
  t.regex(r.stderr, /damaged: its entry command is not a path inside the package/);
});

/** An x86 package of the test files with an x86 entry.exe (run through an x86 runner). */
async function x86Package(t: { context: Ctx }, name: string, stubPath?: string) {
  const dir = join(t.context.dir, "x86");
  const programs = await buildSfxTestPrograms(join(dir, `${name}-programs`), "x86");
  const cab = join(dir, `${name}.cab`);
  const files = t.context.files.map(([n, data]) => [n, data] as const);
  const entry = new Uint8Array(await readFile(programs.entry));
  const x86Files = files.map(([n, data]) => [n, n === "entry.exe" ? entry : data] as const);
  await gcabFrom(join(dir, `${name}-in`), cab, x86Files);
  const exe = join(dir, `${name}.exe`);
  const marker = join(dir, `${name}-marker.txt`);
  await assembleSfx({
    platform: "x86",
    cabinetPath: cab,
    outPath: exe,
    entry: { command: "entry.exe", args: [winePath(marker), "3010"] },
    ...(stubPath ? { stubPath } : {}),
  });
  return { exe, marker, programs, files: x86Files };
}

test("the x86 stub under 32-bit Wine: /x: extracts the same bytes, the x86 entry's 3010 comes back", async (t) => {
  const { exe, marker, programs, files } = await x86Package(t, "x86");
  const pe = new Uint8Array(await readFile(exe));
  const peAt = new DataView(pe.buffer).getUint32(0x3c, true);
  t.is(new DataView(pe.buffer).getUint16(peAt + 4, true), 0x14c, "an i386 image");
  const out = join(t.context.dir, "x86-out");
  const x = await wine(t, [exe, "/quiet", `/x:${winePath(out)}`]);
  t.is(x.code, 0, x.stderr);
  t.false(existsSync(marker), "/x: runs nothing");
  await assertExtracted(t, out, files);
  const r = await run(t.context.wine, [programs.runner, exe, "/quiet"], {
    env: t.context.env,
    cwd: t.context.dir,
  });
  t.is(runnerExit(r.stdout), SfxExitCode.restartRequired, r.stdout + r.stderr);
  const [, payload] = (await readFile(marker, "utf8")).split("\n");
  t.is(payload, "payload=yes", "the x86 entry ran in the extraction folder");
});

test("an x86 package made from a stamped x86 stub still extracts and runs", async (t) => {
  const stamped = join(t.context.dir, "stamped-stub-x86.exe");
  await writeFile(stamped, stampPe(await readFile(stubPath("x86")), PACKAGE_STAMP, "stub"));
  const { exe, marker } = await x86Package(t, "x86-stamped", stamped);
  t.true((await checkSfxChecksum(exe)).ok);
  const r = await wine(t, [exe, "/quiet"]);
  t.is(r.code, SfxExitCode.restartRequired & 0xff, "wine's own 8-bit status of 3010");
  t.true(existsSync(marker), "the entry command ran");
});

test("cabinets from cabwright's own writer (mszip and stored) extract to the same bytes", async (t) => {
  const inDir = join(t.context.dir, "in");
  const inputs = await cabInputsFromPaths(
    inDir,
    t.context.files.map(([name]) => name),
  );
  for (const compression of ["mszip", "none"] as const) {
    const cab = join(t.context.dir, `ours-${compression}.cab`);
    await writeCabinet(cab, inputs, { compression, threads: 1 });
    const exe = join(t.context.dir, `ours-${compression}.exe`);
    await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: exe });
    const out = join(t.context.dir, `ours-${compression}-out`);
    const r = await wine(t, [exe, "/quiet", `/x:${winePath(out)}`]);
    t.is(r.code, 0, `${compression}: ${r.stderr}`);
    await assertExtracted(t, out);
  }
});
