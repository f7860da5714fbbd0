/**
 * A signed package runs under wine64: /x: extracts the bytes the build record lists (the
 * signature does not disturb the stub's view of its cabinet); the same package with data
 * appended after its certificate table is refused by the stub (CVE-2013-3900).
 */
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { build } from "cabwright";
import { requirePeer, run, tempDir, wineEnv, winePath } from "./helpers/peers.js";
import {
  issueCertificate,
  makeSigningDrop,
  makeTestCa,
  signingManifest,
} from "./helpers/signing.js";

/** Z:\ is wine's view of /. */

test("under wine64 a signed package extracts with /x: to the recorded bytes; appended data is refused", async (t) => {
  const wine = requirePeer("wine");
  requirePeer("osslsigncode");
  const dir = await tempDir(t);
  const drop = await makeSigningDrop(dir, ["Core.dll"], { "notes.txt": "notes\n" });
  const manifest = join(dir, "m.yaml");
  await writeFile(
    manifest,
    signingManifest(
      "signedwine",
      "  - name: Core.dll\n  - name: notes.txt\n    version: Not Applicable\n    platform: Not Applicable\n",
    ),
  );
  const ca = await makeTestCa(dir);
  const id = await issueCertificate(ca, "wine signer");
  const result = await build({ manifest, drop, out: join(dir, "out"), signing: id });
  t.true(result.record.files[0]!.signed);
  const env = await wineEnv();

  const out = join(dir, "extracted");
  const x = await run(wine, [result.layout.exe, "/quiet", `/x:${winePath(out)}`], { env });
  t.is(x.code, 0, x.stderr);
  for (const f of result.record.files) {
    const bytes = await readFile(join(out, f.path));
    t.is(createHash("sha256").update(bytes).digest("hex"), f.after.sha256, f.path);
  }

  const appended = join(dir, "appended.exe");
  await writeFile(
    appended,
    Buffer.concat([await readFile(result.layout.exe), Buffer.from("MSCF after the signature")]),
  );
  const out2 = join(dir, "extracted2");
  const y = await run(wine, [appended, "/quiet", `/x:${winePath(out2)}`], { env });
  t.not(y.code, 0, "the stub refuses data after the certificate table");
  const left = await readdir(out2).catch(() => []);
  t.deepEqual(left, [], "nothing extracted");
});
