import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { main } from "../builder/cli/main.js";
import { InputError, inspectFile, signFile, stampFile } from "../builder/index.js";
import { HELLO_C, makeTestCertificate } from "./helpers/pe-fixtures.js";
import { buildPe, requirePeer, run, tempDir } from "./helpers/peers.js";
import { pefileRead } from "./helpers/pefile.js";
import { issueCertificate, makeTestCa } from "./helpers/signing.js";

async function signedFixture(t: Parameters<typeof tempDir>[0]) {
  const osslsigncode = requirePeer("osslsigncode");
  const dir = await tempDir(t);
  const cert = await makeTestCertificate(dir);
  const exe = await buildPe(dir, { name: "signed.exe", arch: "x64", source: HELLO_C });
  await signFile(exe, cert);
  const verify = (p: string) => run(osslsigncode, ["verify", "-CAfile", cert.cert, "-in", p]);
  return { dir, cert, exe, verify };
}

test("a signed file is refused unless the signature is stripped; never a broken signature", async (t) => {
  const { exe, verify } = await signedFixture(t);
  t.is((await verify(exe)).code, 0, "fixture signature verifies");
  t.true((await inspectFile(exe)).signed);
  const before = await readFile(exe);
  await t.throwsAsync(stampFile(exe, { fileVersion: "1.2.3.4" }), {
    instanceOf: InputError,
    message:
      /signed\.exe: the file is signed \(Authenticode certificate table at offset 0x[0-9a-f]+\); .*--strip-signature/,
  });
  t.deepEqual(await readFile(exe), before, "refused file untouched");

  await stampFile(exe, { fileVersion: "1.2.3.4", stripSignature: true });
  const info = await inspectFile(exe);
  t.false(info.signed);
  t.is(info.fileVersion, "1.2.3.4");
  t.is(info.checksum!.stored, info.checksum!.computed);
  const [r] = await pefileRead([exe]);
  t.false(r!.signed);
  t.true(r!.checksumValid);
});

test("re-signing after stamping: osslsigncode verify passes and the checksum stays valid", async (t) => {
  const { exe, cert, verify } = await signedFixture(t);
  const code = await main([
    "stamp",
    exe,
    "--version",
    "5.6.7.8",
    "--string",
    "CompanyName=Contoso",
    "--strip-signature",
    "--sign-cert",
    cert.cert,
    "--sign-key",
    cert.key,
  ]);
  t.is(code, 0);
  const v = await verify(exe);
  t.is(v.code, 0, v.stdout + v.stderr);
  const [r] = await pefileRead([exe]);
  t.true(r!.signed);
  t.true(r!.checksumValid);
  t.is(r!.fileVersion, "5.6.7.8");
  t.is(r!.tables["040904B0"]!.CompanyName, "Contoso");
});

test("CLI: stamp then inspect --json; usage errors exit 2", async (t) => {
  const dir = await tempDir(t);
  const exe = await buildPe(dir, { name: "cli.exe", arch: "x86", source: HELLO_C });
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    out.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  let codes: number[];
  try {
    codes = [
      await main([
        "stamp",
        exe,
        "--version",
        "1.2.3.4",
        "--product-version",
        "1.2",
        "--string",
        "ProductName=P",
      ]),
      await main(["inspect", "--json", exe, join(dir, "cli.exe.c")]),
      await main(["stamp", exe, "--version", "1.x"]),
      await main(["stamp", exe, "--version", "1.2.3.4", "--string", "novalue"]),
      await main(["stamp", exe, "--version", "1.2.3.4", "--overlay", "sideways"]),
    ];
  } finally {
    process.stdout.write = write;
  }
  t.deepEqual(codes, [0, 0, 2, 2, 2]);
  const json = JSON.parse(out.find((s) => s.startsWith("["))!);
  t.like(json[0], {
    path: exe,
    isPe: true,
    platform: "x86",
    machine: 0x14c,
    fileVersion: "1.2.3.4",
    productVersion: "1.2.0.0",
    strings: { ProductName: "P", FileVersion: "1.2.3.4", ProductVersion: "1.2.0.0" },
    signed: false,
  });
  t.like(json[1], { isPe: false, platform: "Not Applicable", fileVersion: "Not Applicable" });
  t.is(json[0].checksum.stored, json[0].checksum.computed);
  t.regex(out.join(""), /cli\.exe: stamped 1\.2\.3\.4/);
});

test("re-signing with a password-protected key read from an environment variable", async (t) => {
  const osslsigncode = requirePeer("osslsigncode");
  const dir = await tempDir(t);
  const cert = await makeTestCertificate(dir, "s3cret pass");
  const exe = await buildPe(dir, { name: "pw.exe", arch: "x64", source: HELLO_C });
  process.env.CABWRIGHT_TEST_SIGN_PASS = "s3cret pass";
  const code = await main([
    "stamp",
    exe,
    "--version",
    "2.0",
    "--sign-cert",
    cert.cert,
    "--sign-key",
    cert.key,
    "--sign-pass-env",
    "CABWRIGHT_TEST_SIGN_PASS",
  ]);
  delete process.env.CABWRIGHT_TEST_SIGN_PASS;
  t.is(code, 0);
  const v = await run(osslsigncode, ["verify", "-CAfile", cert.cert, "-in", exe]);
  t.is(v.code, 0, v.stdout + v.stderr);
  t.is((await inspectFile(exe)).fileVersion, "2.0.0.0");
  t.false(
    (await readdir(dir)).some((f) => f.includes(".tmp-")),
    "no password or temp file left",
  );
  t.is(await main(["stamp", exe, "--version", "2.0", "--sign-pass-env", "CABWRIGHT_UNSET_VAR"]), 2);
});

test("stamp --sign-cert is all-or-nothing: a failed signing leaves the file as it was", async (t) => {
  const dir = await tempDir(t);
  const exe = await buildPe(dir, { name: "atomic.exe", arch: "x64", source: HELLO_C });
  const ca = await makeTestCa(dir);
  const expired = await issueCertificate(ca, "expired", {
    from: new Date("2020-01-01T00:00:00Z"),
    to: new Date("2021-01-01T00:00:00Z"),
  });
  const before = await readFile(exe);
  const err: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => err.push(String(s)) > 0) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main([
      "stamp",
      exe,
      "--version",
      "9.9.9.9",
      "--sign-cert",
      expired.cert,
      "--sign-key",
      expired.key,
    ]);
  } finally {
    process.stderr.write = write;
  }
  t.is(code, 2);
  t.regex(
    err.join(""),
    /atomic\.exe: signed file refused: certificate "CN=expired" expired on 2021/,
  );
  t.deepEqual(await readFile(exe), before, "neither stamped nor signed");
  t.deepEqual(
    (await readdir(dir)).filter((f) => f.includes(".tmp-") || f.endsWith(".signed")),
    [],
    "no temp file left",
  );
});

test("a missing signing engine is one line saying what to install; the file is untouched", async (t) => {
  const dir = await tempDir(t);
  const exe = await buildPe(dir, { name: "noengine.exe", arch: "x64", source: HELLO_C });
  const cert = await makeTestCertificate(dir);
  const before = await readFile(exe);
  await t.throwsAsync(signFile(exe, { ...cert, osslsigncode: join(dir, "no-such-osslsigncode") }), {
    instanceOf: InputError,
    message:
      /noengine\.exe: cannot sign: `.*no-such-osslsigncode` not found \(install the Debian package osslsigncode\)$/,
  });
  t.deepEqual(await readFile(exe), before);
});
