import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { inspectPe, neutralDigest, stampPe } from "cabwright";
import fc from "fast-check";
import { readPeFacts } from "../builder/diff/pe-facts.js";
import { requirePeer, requirePefile, run, tempDir } from "./helpers/peers.js";
import { buildVersionedPe } from "./helpers/versioned-pe.js";

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

for (const arch of ["x86", "x64"] as const) {
  test(`${arch}: a version bump alone leaves the neutral digest unchanged`, async (t) => {
    const dir = await tempDir(t);
    const a = await readFile(
      await buildVersionedPe(dir, { name: "a.exe", arch, version: "1.0.0.0" }),
    );
    const b = await readFile(
      await buildVersionedPe(dir, {
        name: "b.exe",
        arch,
        version: "10.200.3000.40000",
        description: "a much longer description so the version resource grows by many bytes",
      }),
    );
    t.not(sha(a), sha(b), "the two builds differ in their bytes");
    const na = neutralDigest(a);
    t.regex(na ?? "", /^[0-9a-f]{64}$/);
    t.is(neutralDigest(b), na);
    t.deepEqual(readPeFacts(a), { platform: arch, version: "1.0.0.0", signed: false });
    t.deepEqual(readPeFacts(b), { platform: arch, version: "10.200.3000.40000", signed: false });
  });

  test(`${arch}: a code change or another resource's change changes the neutral digest`, async (t) => {
    const dir = await tempDir(t);
    const base = await readFile(
      await buildVersionedPe(dir, { name: "a.exe", arch, version: "1.0.0.0" }),
    );
    const code = await readFile(
      await buildVersionedPe(dir, {
        name: "b.exe",
        arch,
        version: "1.0.0.0",
        source:
          '#include <stdio.h>\nint main(void) { puts("cabwright test program!"); return 1; }\n',
      }),
    );
    const res1 = await readFile(
      await buildVersionedPe(dir, {
        name: "c.exe",
        arch,
        version: "1.0.0.0",
        extraRc: '7 RCDATA { "one" }',
      }),
    );
    const res2 = await readFile(
      await buildVersionedPe(dir, {
        name: "d.exe",
        arch,
        version: "2.0.0.0",
        extraRc: '7 RCDATA { "two" }',
      }),
    );
    const digests = [base, code, res1, res2].map((b) => neutralDigest(b));
    t.is(new Set(digests).size, 4, "every variant has its own neutral digest");
  });
}

test("the COFF timestamp and the PE checksum are neutral; a code byte is not", async (t) => {
  const dir = await tempDir(t);
  const a = await readFile(
    await buildVersionedPe(dir, { name: "t.exe", arch: "x64", version: "1.0.0.0" }),
  );
  const pe = a.readUInt32LE(0x3c);
  const b = Buffer.from(a);
  b.writeUInt32LE(0x4c0ffee5, pe + 8); // COFF TimeDateStamp
  b.writeUInt32LE(0x00012345, pe + 24 + 64); // optional header CheckSum
  t.not(sha(a), sha(b));
  t.is(neutralDigest(b), neutralDigest(a));
  const c = Buffer.from(a);
  const textStart = c.readUInt32LE(pe + 24 + c.readUInt16LE(pe + 20) + 20); // first section's PointerToRawData
  c[textStart + 16] = (c[textStart + 16]! + 1) & 0xff;
  t.not(neutralDigest(c), neutralDigest(a));
});

test("a file without a version resource reads as Not Applicable and still has a digest", async (t) => {
  const dir = await tempDir(t);
  const bytes = await readFile(
    await buildVersionedPe(dir, { name: "n.dll", arch: "x64", dll: true }),
  );
  t.deepEqual(readPeFacts(bytes), { platform: "x64", version: "Not Applicable", signed: false });
  t.regex(neutralDigest(bytes) ?? "", /^[0-9a-f]{64}$/);
});

test("the version read agrees with pefile's", async (t) => {
  const py = await requirePefile();
  const dir = await tempDir(t);
  const file = await buildVersionedPe(dir, { name: "v.exe", arch: "x86", version: "6.3.16.4" });
  const r = await run(py, [
    "-c",
    "import pefile,sys\np=pefile.PE(sys.argv[1])\nf=p.VS_FIXEDFILEINFO[0]\n" +
      "print('%d.%d.%d.%d'%(f.FileVersionMS>>16,f.FileVersionMS&0xffff,f.FileVersionLS>>16,f.FileVersionLS&0xffff))",
    file,
  ]);
  t.is(r.code, 0, r.stderr);
  t.is(readPeFacts(await readFile(file))?.version, r.stdout.trim());
});

test("an Authenticode signature is seen, and is neutral", async (t) => {
  const ossl = requirePeer("osslsigncode");
  const dir = await tempDir(t);
  const file = await buildVersionedPe(dir, { name: "s.exe", arch: "x64", version: "1.2.3.4" });
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  const gen = await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "2",
    "-subj",
    "/CN=cabwright test",
  ]);
  t.is(gen.code, 0, gen.stderr);
  const signed = join(dir, "s-signed.exe");
  const sign = await run(ossl, ["sign", "-certs", cert, "-key", key, "-in", file, "-out", signed]);
  t.is(sign.code, 0, sign.stderr);
  const before = await readFile(file);
  const after = await readFile(signed);
  t.false(readPeFacts(before)?.signed);
  t.true(readPeFacts(after)?.signed);
  t.is(neutralDigest(after), neutralDigest(before));
});

test("not a PE, or a damaged one: undefined, never a throw", async (t) => {
  t.is(neutralDigest(new Uint8Array(0)), undefined);
  t.is(
    neutralDigest(Buffer.from("just a text file, long enough to have an e_lfanew field")),
    undefined,
  );
  const dos = Buffer.alloc(128);
  dos.write("MZ");
  dos.writeUInt32LE(64, 0x3c);
  t.is(neutralDigest(dos), undefined, "MZ without a PE signature");
  const dir = await tempDir(t);
  const good = await readFile(
    await buildVersionedPe(dir, { name: "g.exe", arch: "x86", version: "1.0.0.0" }),
  );
  t.is(neutralDigest(good.subarray(0, 600)), undefined, "truncated inside the section data");
  await writeFile(join(dir, "unused"), "");
  // Hostile headers: random bytes over the first KiB never make the walk throw or hang.
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: 1023 }), fc.nat({ max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      (edits) => {
        const b = Buffer.from(good);
        for (const [at, v] of edits) b[at] = v;
        const d = neutralDigest(b);
        return d === undefined || /^[0-9a-f]{64}$/.test(d);
      },
    ),
    { seed: 7, numRuns: 300 },
  );
  t.pass();
});

test("a version stamped by cabwright's stamper (resedit) is neutral too, on Wine's real DLLs", async (t) => {
  const wine = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
  for (const name of ["version.dll", "kernelbase.dll", "comctl32.dll"]) {
    const original = await readFile(join(wine, name));
    // A copy: stampPe (in main at the time of writing) alters the buffer it is given.
    const stamped = stampPe(Buffer.from(original), {
      fileVersion: "10.2.952.0",
      strings: {
        FileDescription: "a description much longer than the one it replaces, to move things",
      },
      timeDateStamp: 1277834880,
    });
    t.not(sha(stamped), sha(original), name);
    t.is(readPeFacts(stamped)?.version, "10.2.952.0");
    t.is(neutralDigest(stamped), neutralDigest(original), `${name}: stamping alone is neutral`);
  }
});

test("the diff's PE facts agree with inspectPe on Wine's DLLs", async (t) => {
  const wine = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
  for (const name of ["version.dll", "kernelbase.dll", "comctl32.dll", "serialui.dll"]) {
    const bytes = await readFile(join(wine, name));
    const info = inspectPe(bytes);
    t.deepEqual(readPeFacts(bytes), {
      platform: info.platform,
      version: info.fileVersion,
      signed: info.signed,
    });
  }
});
