/**
 * The stub's help and argument switches under Wine, x64 and x86: `/?` names the package
 * (title, version and KB from its own version resource) before the usage; `/replaceargs`
 * gives the setup command exactly the arguments after `--` (an entry program echoes the
 * command line it got). And the package's end: an unsigned package ends with its cabinet
 * (7-Zip reports no data after the archive), a signed one is padded to 8 by the signer
 * only, and a package with the older zero padding still extracts and checks.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import anyTest, { type TestFn } from "ava";
import { assembleSfx, locateCabinet, SfxExitCode, stampPe, stubPath } from "../builder/index.js";
import { checkSfxChecksum } from "../builder/sfx/index.js";
import { readPackagePayload } from "../builder/sfx/locate.js";
import { requirePeer, run, signWithTestCertificate, wineEnv, winePath } from "./helpers/peers.js";
import { buildEchoProgram, buildSfxTestPrograms, gcabFrom, runnerExit } from "./helpers/sfx.js";

type Arch = "x86" | "x64";
interface ArchKit {
  /** A cabinet holding echo.exe (helpers/sfx.ts, for this arch) and a payload. */
  cab: string;
  runner: string;
}
interface Ctx {
  dir: string;
  env: NodeJS.ProcessEnv;
  wine: string;
  kits: Record<Arch, ArchKit>;
}
const test = anyTest as TestFn<Ctx>;

const STAMP = {
  fileVersion: "10.2.952.0",
  productVersion: "10.2.952.0",
  strings: {
    FileDescription: "Hotfix Rollup 2 for Forefront Security for Exchange Server SP2",
    CompanyName: "Test Company",
    Comments: "KB982146",
  },
} as const;

const PAYLOAD_LENGTH = 4097;
const cleanup: string[] = [];
test.after.always(() => Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true }))));

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "cabwright-sfx-switches-"));
  cleanup.push(dir);
  const kits = {} as Record<Arch, ArchKit>;
  for (const arch of ["x64", "x86"] as const) {
    const bin = join(dir, `bin-${arch}`);
    await mkdir(bin, { recursive: true });
    const [echo, programs] = await Promise.all([
      buildEchoProgram(bin, arch),
      buildSfxTestPrograms(bin, arch),
    ]);
    const cab = join(dir, `files-${arch}.cab`);
    // A cabinet whose size is not a multiple of 8 (the payload's length chosen for it), so
    // that padding after it would show.
    for (let extra = 0; extra < 16; extra++) {
      await gcabFrom(join(dir, `in-${arch}`), cab, [
        ["echo.exe", new Uint8Array(await readFile(echo))],
        ["payload.txt", "p".repeat(PAYLOAD_LENGTH + extra)],
      ]);
      if ((await stat(cab)).size % 8 !== 0) break;
    }
    kits[arch] = { cab, runner: programs.runner };
  }
  t.context = { dir, env: await wineEnv(), wine: requirePeer("wine"), kits };
});

async function makePackage(
  t: { context: Ctx },
  arch: Arch,
  name: string,
  opts: { stamp?: boolean; args?: readonly string[]; entry?: boolean } = {},
): Promise<string> {
  let stub = stubPath(arch);
  if (opts.stamp) {
    stub = join(t.context.dir, `stamped-${arch}.exe`);
    await writeFile(stub, stampPe(await readFile(stubPath(arch)), STAMP, "stub"));
  }
  const outPath = join(t.context.dir, name);
  await assembleSfx({
    platform: arch,
    cabinetPath: t.context.kits[arch].cab,
    outPath,
    stubPath: stub,
    ...(opts.entry === false ? {} : { entry: { command: "echo.exe", args: opts.args ?? [] } }),
  });
  return outPath;
}

/** Run the package under Wine through runner.exe: full exit code, the echoed lines. */
async function runEcho(t: { context: Ctx }, arch: Arch, exe: string, args: string[], exit = 0) {
  const echo = join(t.context.dir, `echo-${Math.random().toString(36).slice(2)}.txt`);
  const env = { ...t.context.env, CWSFX_ECHO: winePath(echo), CWSFX_EXIT: String(exit) };
  const r = await run(t.context.wine, [t.context.kits[arch].runner, exe, ...args], {
    env,
    cwd: t.context.dir,
  });
  const lines = await readFile(echo, "utf8").then(
    (s) => s.split("\n").slice(0, -1),
    () => undefined,
  );
  return { ...r, exit: runnerExit(r.stdout), commandLine: lines?.[0], args: lines?.slice(1) };
}

for (const arch of ["x64", "x86"] as const) {
  test(`${arch}: /? names the package (title, version, KB) from its version resource, then the usage`, async (t) => {
    const exe = await makePackage(t, arch, `help-${arch}.exe`, { stamp: true });
    for (const args of [["/?"], ["/quiet", "/?"]]) {
      const r = await run(t.context.wine, [exe, ...args], {
        env: t.context.env,
        cwd: t.context.dir,
      });
      t.is(r.code, 0, r.stderr);
      t.true(
        r.stdout.startsWith(
          `${STAMP.strings.FileDescription}\r\nVersion 10.2.952.0 (KB982146)\r\n\r\nUsage: help-${arch}.exe [/quiet | /passive]`,
        ),
        `${args.join(" ")}: ${r.stdout.slice(0, 200)}`,
      );
      t.regex(r.stdout, /\/replaceargs {10}pass ARGS instead of the default arguments/);
    }
    // A stub assembled without stamping has no version resource: the usage alone.
    const bare = await makePackage(t, arch, `bare-${arch}.exe`);
    const r = await run(t.context.wine, [bare, "/?"], { env: t.context.env, cwd: t.context.dir });
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, new RegExp(`^Usage: bare-${arch}\\.exe `));
  });
}

test("-- appends to the default arguments; /replaceargs passes exactly the arguments after --", async (t) => {
  const exe = await makePackage(t, "x64", "args.exe", { args: ["/s", "/v/qn", "two words"] });
  const appended = await runEcho(t, "x64", exe, ["/quiet", "--", "extra one", ""], 7);
  t.is(appended.exit, 7, appended.stdout + appended.stderr);
  t.deepEqual(appended.args, ["/s", "/v/qn", "two words", "/quiet", "extra one", ""]);

  const replaced = await runEcho(
    t,
    "x64",
    exe,
    ["/quiet", "/ReplaceArgs", "--", "/v/qb", 'a "q"'],
    3010,
  );
  t.is(replaced.exit, SfxExitCode.restartRequired, replaced.stdout + replaced.stderr);
  t.deepEqual(replaced.args, ["/v/qb", 'a "q"'], "no default argument, no forwarded /quiet");
  t.regex(replaced.commandLine!, /echo\.exe"? \/v\/qb "a \\"q\\""$/);

  const none = await runEcho(t, "x64", exe, ["/quiet", "/replaceargs"]);
  t.is(none.exit, 0, none.stdout + none.stderr);
  t.deepEqual(none.args, [], "/replaceargs without --: no arguments at all");
  t.regex(none.commandLine!, /echo\.exe"?$/);

  // "--" after "--" is an argument like any other (passed on, not a second separator).
  const dashes = await runEcho(t, "x64", exe, ["/quiet", "/replaceargs", "--", "--", "/x"]);
  t.deepEqual(dashes.args, ["--", "/x"]);
});

test("x86: /replaceargs replaces the default arguments", async (t) => {
  const exe = await makePackage(t, "x86", "args-x86.exe", { args: ["/default"] });
  const r = await runEcho(t, "x86", exe, ["/quiet", "/replaceargs", "--", "/mine"]);
  t.is(r.exit, 0, r.stdout + r.stderr);
  t.deepEqual(r.args, ["/mine"]);
});

test("/replaceargs is refused (87) with /x: and on a package without a setup command", async (t) => {
  const exe = await makePackage(t, "x64", "refuse.exe", { args: ["/default"] });
  const withX = await run(
    t.context.wine,
    [exe, "/replaceargs", `/x:${winePath(join(t.context.dir, "x"))}`],
    {
      env: t.context.env,
    },
  );
  t.is(withX.code, SfxExitCode.badSwitch);
  t.regex(
    withX.stderr,
    /\/x extracts only and runs nothing; \/replaceargs is for the setup command/,
  );
  const extractOnly = await makePackage(t, "x64", "extract-only.exe", { entry: false });
  const r = await run(t.context.wine, [extractOnly, "/replaceargs", "--", "x"], {
    env: t.context.env,
  });
  t.is(r.code, SfxExitCode.badSwitch);
  t.regex(r.stderr, /no setup command to pass arguments to: \/replaceargs/);
});

/** 7-Zip's listing and test of a package: its exit codes and whether it warned. */
async function sevenZip(path: string) {
  const zz = requirePeer("7zz");
  const l = await run(zz, ["l", path]);
  const tt = await run(zz, ["t", path]);
  return { l, t: tt, text: l.stdout + l.stderr + tt.stdout + tt.stderr };
}

test("an unsigned package ends with its cabinet: 7-Zip lists and tests it with no warning", async (t) => {
  for (const arch of ["x64", "x86"] as const) {
    const exe = await makePackage(t, arch, `end-${arch}.exe`, { stamp: true });
    const { offset, size } = locateCabinet(exe);
    t.not(size % 8, 0, "a cabinet of a size padding would change");
    t.is((await stat(exe)).size, offset + size, `${arch}: the file ends at the cabinet's end`);
    const z = await sevenZip(exe);
    t.is(z.l.code, 0, z.text);
    t.is(z.t.code, 0, z.text);
    t.regex(z.t.stdout, /Everything is Ok/);
    t.notRegex(z.text, /data after the end|Warnings|Tail Size/i, z.text);
    t.regex(z.l.stdout, /payload\.txt/);
  }
});

test("signed with osslsigncode: padded to 8 before the certificate table only; checks and extraction hold", async (t) => {
  const plain = await makePackage(t, "x64", "to-sign.exe", { stamp: true });
  const signed = join(t.context.dir, "signed.exe");
  const s = await signWithTestCertificate(plain, signed);
  t.is(s.code, 0, s.stderr);
  // The throwaway test certificate is self-signed: it is its own CA.
  const ca = fileURLToPath(new URL("../../test/fixtures/sfx/test-signing.crt", import.meta.url));
  const v = await run(requirePeer("osslsigncode"), ["verify", "-CAfile", ca, "-in", signed]);
  t.is(v.code, 0, v.stdout + v.stderr);
  t.regex(v.stdout, /Signature verification: ok/);
  const payload = await readPackagePayload(signed);
  const cabEnd = payload.located.offset + payload.located.size;
  const plainSize = (await stat(plain)).size;
  t.is(plainSize, cabEnd);
  const bytes = new Uint8Array(await readFile(signed));
  const pe = new DataView(bytes.buffer).getUint32(0x3c, true);
  // IMAGE_DIRECTORY_ENTRY_SECURITY of a PE32+ optional header: offset 24 + 144.
  const certAt = new DataView(bytes.buffer).getUint32(pe + 24 + 144, true);
  t.is(certAt % 8, 0, "the certificate table starts on 8");
  t.is(certAt, Math.ceil(cabEnd / 8) * 8, "padding only up to the next multiple of 8");
  t.true(bytes.subarray(cabEnd, certAt).every((b) => b === 0));
  t.true(payload.signed);
  // 7-Zip opens it as a PE whose overlay holds the cabinet (the padding a tail inside it).
  const z = await sevenZip(signed);
  t.is(z.t.code, 0, z.text);
  t.notRegex(z.text, /data after the end|Warnings/i, z.text);
  t.true(payload.payloadCrc!.ok);
  const out = join(t.context.dir, "signed-out");
  const r = await run(t.context.wine, [signed, "/quiet", `/x:${winePath(out)}`], {
    env: t.context.env,
  });
  t.is(r.code, 0, r.stderr);
  t.regex(await readFile(join(out, "payload.txt"), "utf8"), /^p{4097,}$/);
});

test("a package with the earlier layout (zeros to a multiple of 8 after the cabinet) still checks and runs", async (t) => {
  const exe = await makePackage(t, "x64", "new-layout.exe", { args: ["/default"] });
  const bytes = new Uint8Array(await readFile(exe));
  const old = join(t.context.dir, "old-layout.exe");
  const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
  padded.set(bytes);
  t.true(padded.length > bytes.length, "the test package needs padding");
  await writeFile(old, padded);
  t.deepEqual(locateCabinet(old), locateCabinet(exe));
  t.true((await checkSfxChecksum(old)).ok);
  const r = await runEcho(t, "x64", old, ["/quiet", "--", "x"], 5);
  t.is(r.exit, 5, r.stdout + r.stderr);
  t.deepEqual(r.args, ["/default", "/quiet", "x"]);
});
