/**
 * RFC 3161 timestamps (issue 15): `build --timestamp-url` against a local time-stamp
 * authority (openssl ts -reply behind a Node HTTP server on 127.0.0.1, no network). A
 * timestamped signature still verifies after the certificate has expired, an untimestamped
 * one does not; timestamped builds differ in bytes but not in Authenticode digests; a
 * failing server is retried, and reported in one line when it keeps failing.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { build, InputError } from "cabwright";
import { requirePeer, run, tempDir } from "./helpers/peers.js";
import {
  issueCertificate,
  makeSigningDrop,
  makeTestCa,
  signingManifest,
  startTestTsa,
} from "./helpers/signing.js";

async function fixture(t: ExecutionContext) {
  const dir = await tempDir(t);
  const drop = await makeSigningDrop(dir, ["Core.dll"]);
  const manifest = join(dir, "m.yaml");
  await writeFile(manifest, signingManifest("tspkg", "  - name: Core.dll\n"));
  const ca = await makeTestCa(dir);
  const id = await issueCertificate(ca, "ts signer");
  return { dir, drop, manifest, ca, id };
}

test.serial(
  "a timestamped signature verifies after the certificate's expiry; an untimestamped one does not",
  async (t) => {
    const ossl = requirePeer("osslsigncode");
    const f = await fixture(t);
    const tsa = await startTestTsa(f.ca);
    t.teardown(() => tsa.close());
    const signed = (out: string, timestampUrl?: string) =>
      build({
        manifest: f.manifest,
        drop: f.drop,
        out: join(f.dir, out),
        sourceDateEpoch: String(Math.floor(Date.now() / 1000)),
        signing: { ...f.id, ...(timestampUrl ? { timestampUrl } : {}) },
      });
    const a = await signed("a", tsa.url);
    const b = await signed("b", tsa.url);
    const plain = await signed("plain");
    t.true(a.record.executable.signature!.timestamped);
    t.true(a.record.files[0]!.signature!.timestamped);
    t.false(plain.record.executable.signature!.timestamped);
    t.is(tsa.requests(), 4, "one request per signed file, per build");
    t.not(a.record.executable.sha256, b.record.executable.sha256, "a timestamp differs per build");
    // The payload file's signed content is the same in every build: its Authenticode digest.
    const core = (r: typeof a) => r.record.files[0]!;
    t.not(core(a).after.sha256, core(b).after.sha256);
    t.is(core(a).authenticodeSha256, core(b).authenticodeSha256);
    t.is(core(a).authenticodeSha256, core(plain).authenticodeSha256);
    // The package holds the timestamped payload in its cabinet, so its own digest differs.
    t.not(a.record.executable.authenticodeSha256, b.record.executable.authenticodeSha256);

    const later = String(Math.floor(Date.now() / 1000) + 30 * 86_400);
    const verify = (exe: string, time?: string) =>
      run(ossl, [
        "verify",
        "-CAfile",
        f.ca.cert,
        "-TSA-CAfile",
        f.ca.cert,
        ...(time ? ["-time", time] : []),
        "-in",
        exe,
      ]);
    const now = await verify(a.layout.exe);
    t.is(now.code, 0, now.stdout + now.stderr);
    const ts = await verify(a.layout.exe, later);
    t.is(ts.code, 0, `timestamped, after expiry: ${ts.stdout}${ts.stderr}`);
    const unts = await verify(plain.layout.exe, later);
    t.not(unts.code, 0, "untimestamped, after expiry: refused");
  },
);

test.serial(
  "a failing time-stamp authority is retried; one that keeps failing is one line, nothing published",
  async (t) => {
    const f = await fixture(t);
    const flaky = await startTestTsa(f.ca, { fail: 1 });
    t.teardown(() => flaky.close());
    const r = await build({
      manifest: f.manifest,
      drop: f.drop,
      out: join(f.dir, "flaky"),
      signing: { ...f.id, timestampUrl: flaky.url },
    });
    t.true(r.record.executable.signature!.timestamped);
    t.is(flaky.requests(), 3, "the failed request was retried");

    const down = await startTestTsa(f.ca, { fail: Number.POSITIVE_INFINITY });
    t.teardown(() => down.close());
    const err = await t.throwsAsync(
      build({
        manifest: f.manifest,
        drop: f.drop,
        out: join(f.dir, "down"),
        signing: { ...f.id, timestampUrl: down.url },
      }),
      { instanceOf: InputError },
    );
    t.regex(
      err!.message,
      /Core\.dll.*the time-stamp authority http:\/\/127\.0\.0\.1:\d+\/ failed 3 times/,
    );
    t.false(err!.message.includes("\n"));
    t.is(down.requests(), 3);
  },
);
