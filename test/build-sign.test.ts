/**
 * Authenticode inside `build` (issue 15): the stamped payload files and the package are
 * signed with a certificate from a test CA made by openssl at test time; osslsigncode,
 * cabextract and `cabwright verify` accept the result; the record's Authenticode digests
 * equal osslsigncode's; two builds at one SOURCE_DATE_EPOCH are byte-identical; tampering
 * and bad signing input are refused, one line each, with nothing published.
 */
import { createHash } from "node:crypto";
import { chmod, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { build, InputError } from "cabwright";
import { main } from "../builder/cli/main.js";
import { requirePeer, run, tempDir } from "./helpers/peers.js";
import {
  issueCertificate,
  makeSigningDrop,
  makeTestCa,
  signingManifest,
  type TestCa,
  toPfx,
} from "./helpers/signing.js";

const SDE = "1700000000";
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

const FILES = `  - name: Core.dll
  - name: Tool.dll
    sign: false
  - name: readme.txt
    version: Not Applicable
    platform: Not Applicable
`;
const MANIFEST = (extra = "") => signingManifest("signedpkg", FILES, extra);

interface Fixture {
  dir: string;
  drop: string;
  manifest: string;
  ca: TestCa;
  id: { cert: string; key: string };
}

async function fixture(t: ExecutionContext, extra = ""): Promise<Fixture> {
  const dir = await tempDir(t);
  const drop = await makeSigningDrop(dir, ["Core.dll", "Tool.dll"], { "readme.txt": "read me\n" });
  const manifest = join(dir, "m.yaml");
  await writeFile(manifest, MANIFEST(extra));
  const ca = await makeTestCa(dir);
  const id = await issueCertificate(ca, "cabwright code signer");
  return { dir, drop, manifest, ca, id };
}

async function signedBuild(f: Fixture, out: string, more: Record<string, unknown> = {}) {
  return build({
    manifest: f.manifest,
    drop: f.drop,
    out,
    sourceDateEpoch: SDE,
    signing: { cert: f.id.cert, key: f.id.key },
    ...more,
  });
}

/** osslsigncode verify's "Current message digest" (the one the signature holds). */
function osslDigests(stdout: string): string[] {
  return [...stdout.matchAll(/Current message digest\s*:\s*([0-9A-F]+)/g)].map((m) =>
    m[1]!.toLowerCase(),
  );
}

/** Run the CLI, capturing stdout and stderr. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => out.push(String(s)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => err.push(String(s)) > 0) as typeof process.stderr.write;
  try {
    return { code: await main(args), out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = w;
    process.stderr.write = e;
  }
}

test.serial(
  "a signed build: payload and package verify with osslsigncode -CAfile, cabextract and cabwright verify; the record holds the Authenticode digests",
  async (t) => {
    const ossl = requirePeer("osslsigncode");
    const cabextract = requirePeer("cabextract");
    const f = await fixture(t);
    const r = await signedBuild(f, join(f.dir, "out"));
    const exe = r.layout.exe;

    const v = await run(ossl, ["verify", "-CAfile", f.ca.cert, "-in", exe]);
    t.is(v.code, 0, v.stdout + v.stderr);
    t.deepEqual(osslDigests(v.stdout), [r.record.executable.authenticodeSha256]);
    t.like(r.record.executable.signature, { algorithms: ["sha256"], timestamped: false });
    t.is(
      sha256(await readFile(exe)),
      r.record.executable.sha256,
      "record digest is the signed file's",
    );
    t.true(
      (await readFile(r.layout.article, "utf8")).includes(r.record.executable.sha256),
      "article footer",
    );

    const x = await run(cabextract, ["-q", "-d", join(f.dir, "x"), exe]);
    t.is(x.code, 0, x.stderr);
    t.is((await run(cabextract, ["-t", exe])).code, 0);
    const [core, tool, readme] = r.record.files;
    const coreBytes = await readFile(join(f.dir, "x", "Core.dll"));
    t.is(sha256(coreBytes), core!.after.sha256);
    t.true(core!.signed);
    const vc = await run(ossl, [
      "verify",
      "-CAfile",
      f.ca.cert,
      "-in",
      join(f.dir, "x", "Core.dll"),
    ]);
    t.is(vc.code, 0, vc.stdout);
    t.deepEqual(osslDigests(vc.stdout), [core!.authenticodeSha256]);
    t.false(tool!.signed, "sign: false is left unsigned");
    t.is(tool!.signature, undefined);
    t.false(readme!.signed);

    const ok = await cli(["verify", exe, "--manifest", f.manifest, "--ca", f.ca.cert]);
    t.is(ok.code, 0, ok.out + ok.err);
    const other = await makeTestCa(join(f.dir, "other"));
    const untrusted = await cli(["verify", exe, "--manifest", f.manifest, "--ca", other.cert]);
    t.is(untrusted.code, 1, "a CA it does not chain to is refused");
    t.regex(
      untrusted.out,
      /signedpkg\.exe: signature: expected a trusted signer, found no chain to/,
    );
  },
);

test.serial("two signed builds at one SOURCE_DATE_EPOCH are byte-identical", async (t) => {
  const f = await fixture(t);
  const a = await signedBuild(f, join(f.dir, "a"));
  const b = await signedBuild(f, join(f.dir, "b"));
  t.deepEqual(await readFile(a.layout.exe), await readFile(b.layout.exe));
  t.deepEqual(await readFile(a.layout.record), await readFile(b.layout.record));
});

test.serial(
  "nested SHA-1 + SHA-256 signatures (PFX with a password from the environment)",
  async (t) => {
    const ossl = requirePeer("osslsigncode");
    const f = await fixture(t);
    const pfx = await toPfx(f.id, "pfx pass");
    process.env.CABWRIGHT_TEST_PFX_PASS = "pfx pass";
    t.teardown(() => {
      delete process.env.CABWRIGHT_TEST_PFX_PASS;
    });
    const r = await build({
      manifest: f.manifest,
      drop: f.drop,
      out: join(f.dir, "out"),
      sourceDateEpoch: SDE,
      signing: { cert: pfx, passwordEnv: "CABWRIGHT_TEST_PFX_PASS", nest: true },
    });
    t.deepEqual(r.record.executable.signature?.algorithms, ["sha1", "sha256"]);
    const v = await run(ossl, ["verify", "-CAfile", f.ca.cert, "-in", r.layout.exe]);
    t.is(v.code, 0, v.stdout);
    t.is(osslDigests(v.stdout).length, 2);
    t.is(osslDigests(v.stdout)[1], r.record.executable.authenticodeSha256);
  },
);

test.serial(
  "tampering with a signed package is named by verify (exit 1); data appended after the signature is refused",
  async (t) => {
    const f = await fixture(t);
    const r = await signedBuild(f, join(f.dir, "out"));
    const good = await readFile(r.layout.exe);
    const peOffset = good.readUInt32LE(0x3c);
    const table = good.readUInt32LE(peOffset + 24 + 112 + 4 * 8);
    const cases: [string, (b: Buffer) => Buffer][] = [
      ["DOS stub", (b) => flip(b, 0x4e)],
      ["TimeDateStamp", (b) => flip(b, peOffset + 8)],
      ["cabinet", (b) => flip(b, table - 200)],
      ["appended", (b) => Buffer.concat([b, Buffer.from("appended after the signature")])],
    ];
    for (const [what, tamper] of cases) {
      const path = join(f.dir, `${what}.exe`);
      await writeFile(path, tamper(Buffer.from(good)));
      const v = await cli(["verify", path, "--manifest", f.manifest]);
      t.is(v.code, 1, `${what}: ${v.out}${v.err}`);
      t.regex(
        v.out,
        what === "appended"
          ? /signature: .*byte\(s\) after the certificate table/
          : /signature: .*Authenticode digest is/,
        what,
      );
    }
  },
);

function flip(b: Buffer, at: number): Buffer {
  b[at] = b[at]! ^ 0xff;
  return b;
}

test.serial(
  "bad signing input: one line, exit 2, nothing published, the previous output intact",
  async (t) => {
    const f = await fixture(t);
    const out = join(f.dir, "out");
    const first = await signedBuild(f, out);
    const before = new Map<string, string>();
    for (const name of await readdir(first.layout.dir)) {
      before.set(name, sha256(await readFile(join(first.layout.dir, name))));
    }
    const locked = await issueCertificate(f.ca, "locked", { password: "right" });
    const expired = await issueCertificate(f.ca, "expired", {
      from: new Date("2020-01-01T00:00:00Z"),
      to: new Date("2021-01-01T00:00:00Z"),
    });
    const web = await issueCertificate(f.ca, "web server", { usage: "serverAuth" });
    const failing = join(f.dir, "failing-signer.sh");
    await writeFile(failing, "#!/bin/sh\necho 'HSM: key not found' >&2\nexit 3\n");
    await chmod(failing, 0o755);
    process.env.CABWRIGHT_TEST_WRONG = "wrong";
    t.teardown(() => {
      delete process.env.CABWRIGHT_TEST_WRONG;
    });
    const base = ["build", f.manifest, "--drop", f.drop, "--out", out];
    const cases: [string, string[], RegExp][] = [
      [
        "wrong password",
        [
          "--sign-cert",
          locked.cert,
          "--sign-key",
          locked.key,
          "--sign-pass-env",
          "CABWRIGHT_TEST_WRONG",
        ],
        /Core\.dll.*osslsigncode could not sign it/,
      ],
      [
        "missing key",
        ["--sign-cert", f.id.cert, "--sign-key", join(f.dir, "nokey.pem")],
        /--sign-key .*nokey\.pem: cannot read: ENOENT/,
      ],
      [
        "expired",
        ["--sign-cert", expired.cert, "--sign-key", expired.key],
        /Core\.dll.*certificate "CN=expired" expired on 2021-01-01/,
      ],
      [
        "not for code signing",
        ["--sign-cert", web.cert, "--sign-key", web.key],
        /not for code signing/,
      ],
      [
        "failing signer",
        ["--sign-command", failing],
        /signing command .*failing-signer\.sh failed \(exit 3\): HSM: key not found/,
      ],
    ];
    for (const [what, args, message] of cases) {
      const r = await cli([...base, ...args]);
      t.is(r.code, 2, `${what}: ${r.err}`);
      const lines = r.err.split("\n").filter((l) => l.startsWith("cabwright:"));
      t.is(lines.length, 1, `${what}: one line: ${r.err}`);
      t.regex(lines[0]!, message, what);
    }
    for (const [name, digest] of before) {
      t.is(sha256(await readFile(join(first.layout.dir, name))), digest, `${name} intact`);
    }
    t.deepEqual(
      (await readdir(first.layout.dir)).sort(),
      [...before.keys()].sort(),
      "no temp file left",
    );
  },
);

test.serial(
  "an external signer command signs (in/out or in place); one that changes more than the signature is refused",
  async (t) => {
    const ossl = requirePeer("osslsigncode");
    const f = await fixture(t);
    const sign = (out: string) =>
      `${ossl} sign -h sha256 -certs '${f.id.cert}' -key '${f.id.key}' -time ${SDE} -in "$1" -out "${out}" >/dev/null`;
    const signer = async (name: string, body: string) => {
      const path = join(f.dir, name);
      await writeFile(path, `#!/bin/sh\nset -e\n${body}\n`);
      await chmod(path, 0o755);
      return path;
    };
    const buildWith = (out: string, command: string[]) =>
      build({
        manifest: f.manifest,
        drop: f.drop,
        out: join(f.dir, out),
        sourceDateEpoch: SDE,
        signing: { command },
      });
    const direct = await readFile((await signedBuild(f, join(f.dir, "cert"))).layout.exe);
    const hsm = await buildWith("out", [await signer("hsm.sh", sign("$2"))]);
    t.deepEqual(await readFile(hsm.layout.exe), direct, "same bytes as osslsigncode directly");
    // In place: the signer gets one path ({file}) and signs that file.
    const inPlace = await signer("in-place.sh", `${sign("$1.new")}\nmv "$1.new" "$1"`);
    const p = await buildWith("in-place", [inPlace, "{file}"]);
    t.deepEqual(await readFile(p.layout.exe), direct, "in place: same bytes");
    // Flips a byte of the DOS stub after signing: the signature no longer covers the file.
    const flipStub = `printf '\\377' | dd of="$2" bs=1 seek=78 conv=notrunc 2>/dev/null`;
    const evil = await signer("evil.sh", `${sign("$2")}\n${flipStub}`);
    const err = await t.throwsAsync(buildWith("evil", [evil, "{in}", "{out}"]), {
      instanceOf: InputError,
    });
    t.regex(err!.message, /Core\.dll.*signed file refused: sha256 Authenticode digest is/);
  },
);

test.serial(
  "a manifest signing section signs and makes verify require the signatures",
  async (t) => {
    const f = await fixture(t);
    const rel = (p: string) => p.slice(f.dir.length + 1);
    await writeFile(
      f.manifest,
      MANIFEST(
        `signing:\n  cert: ${rel(f.id.cert)}\n  key: ${rel(f.id.key)}\n  description: Signed package\n`,
      ),
    );
    const r = await build({
      manifest: f.manifest,
      drop: f.drop,
      out: join(f.dir, "out"),
      sourceDateEpoch: SDE,
    });
    t.true(r.record.files[0]!.signed);
    t.truthy(r.record.executable.signature);
    // The same files built unsigned do not pass a manifest that requires signatures.
    await writeFile(join(f.dir, "plain.yaml"), MANIFEST());
    const plain = await build({
      manifest: join(f.dir, "plain.yaml"),
      drop: f.drop,
      out: join(f.dir, "plain"),
    });
    const v = await cli(["verify", plain.layout.exe, "--manifest", f.manifest]);
    t.is(v.code, 1);
    t.regex(v.out, /signedpkg\.exe: signature: expected signed, found unsigned/);
    t.regex(v.out, /Core\.dll: signature: expected signed, found unsigned/);
    t.notRegex(v.out, /Tool\.dll: signature/);

    await writeFile(
      join(f.dir, "bad.yaml"),
      MANIFEST(`signing:\n  cert: ${rel(f.id.cert)}\n  command: [x]\n`),
    );
    const bad = await cli([
      "build",
      join(f.dir, "bad.yaml"),
      "--drop",
      f.drop,
      "--out",
      join(f.dir, "bad"),
    ]);
    t.is(bad.code, 2);
    t.regex(bad.err, /signing\.command: .*not both/);
  },
);

test.serial("diff reports signature changes: a new signer, and a signature removed", async (t) => {
  const f = await fixture(t);
  const a = await signedBuild(f, join(f.dir, "a"));
  const other = await issueCertificate(f.ca, "another signer");
  const b = await build({
    manifest: f.manifest,
    drop: f.drop,
    out: join(f.dir, "b"),
    sourceDateEpoch: SDE,
    signing: other,
  });
  const plain = await build({
    manifest: f.manifest,
    drop: f.drop,
    out: join(f.dir, "plain"),
    sourceDateEpoch: SDE,
  });
  for (const [x, y] of [
    [a.layout.exe, b.layout.exe],
    [a.layout.record, b.layout.record],
  ] as const) {
    const d = await cli(["diff", x, y, "--json"]);
    t.is(d.code, 0, d.err);
    const core = JSON.parse(d.out).changed.find((c: { path: string }) =>
      c.path.includes("Core.dll"),
    );
    t.deepEqual(core.fields.signer, ["CN=cabwright code signer", "CN=another signer"], x);
  }
  const removed = await cli([
    "diff",
    a.layout.exe,
    plain.layout.exe,
    "--fail-on",
    "signature-removed",
  ]);
  t.is(removed.code, 1, removed.out);
  t.regex(removed.out, /Core\.dll/);
  t.regex(removed.out, /signed.*unsigned/);
});
