/**
 * The Authenticode digest computed by builder/pe/authenticode.ts equals the one osslsigncode
 * puts in its signatures, for files of every length (an unsigned file is hashed with the
 * zero padding a signer adds); damaged certificate tables are named by offset.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { authenticodeDigest, InputError, minimalPe, readPeSignatures } from "cabwright";
import { requirePeer, run, tempDir } from "./helpers/peers.js";
import { issueCertificate, makeTestCa } from "./helpers/signing.js";

test("our Authenticode digest is osslsigncode's, before and after signing, at every length mod 8", async (t) => {
  const ossl = requirePeer("osslsigncode");
  const dir = await tempDir(t);
  const ca = await makeTestCa(dir);
  const id = await issueCertificate(ca, "digest signer");
  const base = minimalPe({ arch: "x86", dll: false, timestamp: 1600000000 });
  for (let extra = 0; extra < 8; extra++) {
    const input = join(dir, `in${extra}.exe`);
    const output = join(dir, `out${extra}.exe`);
    // Overlay bytes of every length: the signer pads the file to 8 before the table.
    await writeFile(input, Buffer.concat([base, Buffer.alloc(extra, 0xa5)]));
    const s = await run(ossl, [
      "sign",
      "-h",
      "sha256",
      "-certs",
      id.cert,
      "-key",
      id.key,
      "-in",
      input,
      "-out",
      output,
    ]);
    t.is(s.code, 0, s.stderr);
    const v = await run(ossl, ["verify", "-CAfile", ca.cert, "-in", output]);
    t.is(v.code, 0, v.stdout);
    const theirs = /Current message digest\s*:\s*([0-9A-F]+)/.exec(v.stdout)![1]!.toLowerCase();
    const unsigned = await readFile(input);
    const signed = await readFile(output);
    t.is(authenticodeDigest(unsigned, "in"), theirs, `unsigned, +${extra}`);
    t.is(authenticodeDigest(signed, "out"), theirs, `signed, +${extra}`);
    t.is(readPeSignatures(signed, "out")!.signatures[0]!.digest, theirs);
  }
  const sha1 = await run(ossl, [
    "sign",
    "-h",
    "sha1",
    "-certs",
    id.cert,
    "-key",
    id.key,
    "-in",
    join(dir, "in3.exe"),
    "-out",
    join(dir, "sha1.exe"),
  ]);
  t.is(sha1.code, 0);
  const v1 = await run(ossl, ["verify", "-CAfile", ca.cert, "-in", join(dir, "sha1.exe")]);
  const theirs1 = /Current message digest\s*:\s*([0-9A-F]+)/.exec(v1.stdout)![1]!.toLowerCase();
  t.is(authenticodeDigest(await readFile(join(dir, "sha1.exe")), "sha1", "sha1"), theirs1);
  t.is(authenticodeDigest(Buffer.from("not a PE at all"), "text"), undefined);
});

test("a damaged certificate table is named by offset", async (t) => {
  const ossl = requirePeer("osslsigncode");
  const dir = await tempDir(t);
  const ca = await makeTestCa(dir);
  const id = await issueCertificate(ca, "damage signer");
  await writeFile(
    join(dir, "in.exe"),
    minimalPe({ arch: "x64", dll: false, timestamp: 1600000000 }),
  );
  await run(ossl, [
    "sign",
    "-certs",
    id.cert,
    "-key",
    id.key,
    "-in",
    join(dir, "in.exe"),
    "-out",
    join(dir, "s.exe"),
  ]);
  const good = await readFile(join(dir, "s.exe"));
  const peOffset = good.readUInt32LE(0x3c);
  const at = good.readUInt32LE(peOffset + 24 + 112 + 32);
  const wrongType = Buffer.from(good);
  wrongType.writeUInt16LE(1, at + 6);
  t.throws(() => readPeSignatures(wrongType, "w.exe"), {
    instanceOf: InputError,
    message: new RegExp(
      `w\\.exe: damaged PE file at offset 0x${at.toString(16)}: WIN_CERTIFICATE revision 0x200 type 1`,
    ),
  });
  const tooLong = Buffer.from(good);
  tooLong.writeUInt32LE(0xffff, at);
  t.throws(() => readPeSignatures(tooLong, "l.exe"), {
    instanceOf: InputError,
    message: /WIN_CERTIFICATE length 65535 does not fit/,
  });
  const garbage = Buffer.from(good);
  garbage.fill(0x41, at + 8, at + 40);
  t.throws(() => readPeSignatures(garbage, "g.exe"), {
    instanceOf: InputError,
    message: /g\.exe: .*Authenticode signature/,
  });
});
