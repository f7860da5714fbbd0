/**
 * Signed files in a drop: stamping one is refused naming the manifest entry (a stamp would
 * void its signature); shipped as found (stamp: false) it builds and the record says signed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import { build, InputError, minimalPe } from "cabwright";
import { withVersionResource } from "../builder/demo/version-resource.js";
import { signWithTestCertificate, tempDir } from "./helpers/peers.js";

async function signedDrop(t: ExecutionContext) {
  const dir = await tempDir(t);
  const drop = join(dir, "drop");
  await mkdir(drop);
  const plain = join(dir, "plain.dll");
  await writeFile(
    plain,
    withVersionResource(minimalPe({ arch: "x64", dll: true, timestamp: 1700000000 }), {
      version: "3.1.0.0",
      dll: true,
      strings: { CompanyName: "Vendor" },
    }),
  );
  const s = await signWithTestCertificate(plain, join(drop, "Vendor.dll"));
  t.is(s.code, 0, s.stderr);
  const manifest = (stamp: boolean) =>
    `package:
  name: signed
  title: Signed
  product: P
  version: 1.0.0.0
  company: C
  copyright: (c) C
  platform: x64
files:
  - name: Vendor.dll
    version: ${stamp ? "1.0.0.0" : "3.1.0.0"}
    date: 2024-01-01
    time: "00:00"
    platform: x64
    stamp: ${stamp}
`;
  return { dir, drop, manifest };
}

test("stamping a signed file is refused, naming the manifest entry", async (t) => {
  const c = await signedDrop(t);
  const m = join(c.dir, "m.yaml");
  await writeFile(m, c.manifest(true));
  const err = await t.throwsAsync(build({ manifest: m, drop: c.drop, out: join(c.dir, "out") }), {
    instanceOf: InputError,
  });
  t.regex(err!.message, /m\.yaml:\d+:\d+ files\[0\] \(Vendor\.dll\): cannot stamp: .*sign/i);
  t.false(err!.message.includes("\n"));
});

test("a signed file shipped as found builds, and the record says it is signed", async (t) => {
  const c = await signedDrop(t);
  const m = join(c.dir, "m.yaml");
  await writeFile(m, c.manifest(false));
  const r = await build({ manifest: m, drop: c.drop, out: join(c.dir, "out") });
  t.true(r.record.files[0]!.signed);
  t.deepEqual(r.record.files[0]!.before, r.record.files[0]!.after);
});
