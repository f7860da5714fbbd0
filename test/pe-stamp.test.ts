import {
  chmod,
  copyFile,
  lstat,
  readdir,
  readFile,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import {
  InputError,
  inspectFile,
  inspectPe,
  type StampOptions,
  stampFile,
  stampPe,
} from "../builder/index.js";
import {
  buildPeWithRc,
  DLL_C,
  HELLO_C,
  OTHER_RESOURCES_RC,
  versionRc,
} from "./helpers/pe-fixtures.js";
import { buildPe, type PeArch, requirePeer, run, tempDir, which } from "./helpers/peers.js";
import { pefileRead } from "./helpers/pefile.js";

const STAMP: StampOptions = {
  fileVersion: "10.2.952.7",
  productVersion: "10.2.0.0",
  strings: {
    CompanyName: "Contoso Ltd.",
    FileDescription: "Stamped by cabwright",
    InternalName: "fixture",
    LegalCopyright: "(c) Contoso",
    OriginalFilename: "fixture.dll",
    ProductName: "Contoso Hotfix",
  },
};

/** Symbols as binutils' nm (an independent COFF reader) lists them. */
async function nmSymbols(path: string, arch: PeArch): Promise<string> {
  const nm = which(arch === "x64" ? "x86_64-w64-mingw32-nm" : "i686-w64-mingw32-nm");
  if (!nm) throw new Error("test needs mingw-w64 nm: install binutils-mingw-w64");
  const r = await run(nm, [path]);
  if (r.code !== 0) throw new Error(`nm ${path} failed: ${r.stderr}`);
  return r.stdout;
}

for (const arch of ["x86", "x64"] as const) {
  for (const dll of [false, true]) {
    for (const strip of [true, false]) {
      const kind = `${arch} ${dll ? "DLL" : "EXE"}${strip ? "" : " with COFF symbols"}`;
      test(`${kind}: stamped versions and strings read back with pefile, checksum valid`, async (t) => {
        const dir = await tempDir(t);
        const name = `f-${arch}${dll ? ".dll" : ".exe"}`;
        const path = await buildPe(dir, { name, arch, source: dll ? DLL_C : HELLO_C, dll, strip });
        const before = await readFile(path);
        const [orig] = await pefileRead([path]);
        t.is(orig!.numberOfSymbols > 0, !strip);
        const out = join(dir, `stamped-${name}`);
        await stampFile(path, STAMP, out);
        t.deepEqual(await readFile(path), before, "the input is untouched when outPath is given");
        const [r] = await pefileRead([out]);
        t.is(r!.fileVersion, "10.2.952.7");
        t.is(r!.productVersion, "10.2.0.0");
        t.is(r!.fileType, dll ? 2 : 1);
        t.true(r!.checksumValid);
        t.is(r!.timeDateStamp, orig!.timeDateStamp, "TimeDateStamp left alone");
        t.deepEqual(Object.keys(r!.tables), ["040904B0"]);
        t.like(r!.tables["040904B0"], {
          ...STAMP.strings,
          FileVersion: "10.2.952.7",
          ProductVersion: "10.2.0.0",
        });
        t.deepEqual(r!.warnings, []);
        if (!strip) {
          t.is(r!.numberOfSymbols, orig!.numberOfSymbols);
          t.is(await nmSymbols(out, arch), await nmSymbols(path, arch), "symbols unchanged");
        }
        const info = await inspectFile(out);
        t.is(info.platform, arch);
        t.is(info.fileVersion, "10.2.952.7");
      });
    }
  }
}

test("a 1252 string table is updated in place, not joined by a second 1200 one", async (t) => {
  const dir = await tempDir(t);
  const path = await buildPeWithRc(dir, {
    name: "cp1252.exe",
    arch: "x64",
    source: HELLO_C,
    rc: versionRc("040904E4", "1.0.0.1", "Old Company"),
  });
  const [orig] = await pefileRead([path]);
  t.deepEqual(Object.keys(orig!.tables), ["040904E4"]);
  await stampFile(path, STAMP);
  const [r] = await pefileRead([path]);
  t.deepEqual(Object.keys(r!.tables), ["040904E4"]);
  t.is(r!.tables["040904E4"]!.FileVersion, "10.2.952.7");
  t.is(r!.tables["040904E4"]!.CompanyName, "Contoso Ltd.");
  t.is(r!.tables["040904E4"]!.FileDescription, "Stamped by cabwright");
  t.is(r!.versionResources, 1);
  t.true(r!.checksumValid);
});

test("the language the file already uses is kept (German resource stays German)", async (t) => {
  const dir = await tempDir(t);
  const path = await buildPeWithRc(dir, {
    name: "de.dll",
    arch: "x86",
    dll: true,
    source: DLL_C,
    rc: `LANGUAGE 0x07, 0x01\n${versionRc("040704B0", "2.0.0.0", "Alte Firma")}`,
  });
  await stampFile(path, { fileVersion: "3.1" });
  const [r] = await pefileRead([path]);
  t.deepEqual(Object.keys(r!.tables), ["040704B0"]);
  t.is(r!.fileVersion, "3.1.0.0");
  t.is(r!.tables["040704B0"]!.CompanyName, "Alte Firma", "strings not given are kept");
});

test("other resources are kept byte for byte", async (t) => {
  const dir = await tempDir(t);
  const path = await buildPeWithRc(dir, {
    name: "res.exe",
    arch: "x64",
    source: HELLO_C,
    rc: OTHER_RESOURCES_RC,
  });
  const resources = async (p: string) => {
    const py = "/usr/bin/python3";
    const r = await run(py, [
      "-c",
      `import pefile,sys,hashlib
pe=pefile.PE(sys.argv[1])
for t in pe.DIRECTORY_ENTRY_RESOURCE.entries:
  for n in t.directory.entries:
    for l in n.directory.entries:
      d=l.data.struct
      print(t.id, n.id, l.id, hashlib.sha1(pe.get_data(d.OffsetToData, d.Size)).hexdigest())`,
      p,
    ]);
    return r.stdout.trim().split("\n");
  };
  const before = await resources(path);
  t.false(
    before.some((l) => l.startsWith("16 ")),
    "fixture starts without a version resource",
  );
  await stampFile(path, STAMP);
  const after = await resources(path);
  t.deepEqual(
    after.filter((l) => !l.startsWith("16 ")),
    before,
  );
  t.is(after.filter((l) => l.startsWith("16 ")).length, 1, "a version resource was added");
});

test("an overlay is kept byte for byte: at its offset when it fits, moved only when asked", async (t) => {
  const dir = await tempDir(t);
  const overlay = new Uint8Array(4099).map((_, i) => (i * 131 + 7) & 0xff);
  // With a version resource already there, the new one fits: the overlay keeps its offset.
  const withRes = await buildPeWithRc(dir, {
    name: "sfx.exe",
    arch: "x64",
    source: HELLO_C,
    // A long old CompanyName leaves room in .rsrc for the new strings.
    rc: versionRc("040904B0", "1.0.0.0", "X".repeat(300)),
  });
  const image = await readFile(withRes);
  await writeFile(withRes, Buffer.concat([image, overlay]));
  // (eight long strings would outgrow the old section's slack: see the refusal below)
  await stampFile(withRes, { fileVersion: "10.2.952.7", strings: { CompanyName: "Contoso" } });
  const out = await readFile(withRes);
  t.is(out.length, image.length + overlay.length);
  t.deepEqual(new Uint8Array(out.subarray(image.length)), overlay);
  const [r] = await pefileRead([withRes]);
  t.true(r!.checksumValid, "checksum valid with an odd-length overlay");
  t.is(r!.fileVersion, "10.2.952.7");

  // Without resources, a new .rsrc section grows the image into the overlay: refused...
  const bare = await buildPe(dir, { name: "bare.exe", arch: "x64", source: HELLO_C });
  const bareImage = await readFile(bare);
  const bareBytes = Buffer.concat([bareImage, overlay]);
  const err = t.throws(() => stampPe(bareBytes, STAMP, "bare.exe"), { instanceOf: InputError });
  t.regex(err!.message, /^bare\.exe: .*overlay at offset 0x[0-9a-f]+.*--overlay move/);
  // ...unless the overlay may follow the image.
  const moved = stampPe(bareBytes, { ...STAMP, overlay: "move" }, "bare.exe");
  t.deepEqual(moved.subarray(moved.length - overlay.length), overlay);
  t.true(moved.length > bareBytes.length);
  t.is(inspectPe(moved).fileVersion, "10.2.952.7");
});

test("TimeDateStamp is set only when asked; a zero CheckSum becomes a valid one", async (t) => {
  const dir = await tempDir(t);
  const path = await buildPe(dir, { name: "ts.dll", arch: "x86", source: DLL_C, dll: true });
  const bytes = new Uint8Array(await readFile(path));
  const lfanew = new DataView(bytes.buffer).getUint32(0x3c, true);
  new DataView(bytes.buffer).setUint32(lfanew + 24 + 64, 0, true);
  t.is(inspectPe(bytes).checksum!.stored, 0, "CheckSum 0, as many linkers leave it");
  const out = stampPe(bytes, { ...STAMP, timeDateStamp: 1_200_000_000 });
  const after = inspectPe(out);
  t.is(after.timeDateStamp, 1_200_000_000);
  t.not(after.checksum!.stored, 0);
  t.is(after.checksum!.stored, after.checksum!.computed);
});

test("not a PE, a damaged PE and a bad version are InputErrors naming file and place", async (t) => {
  const dir = await tempDir(t);
  t.throws(() => stampPe(new TextEncoder().encode("[Version]\n"), STAMP, "setup.inf"), {
    instanceOf: InputError,
    message: /^setup\.inf: not a PE file \(no "MZ" at offset 0x0/,
  });
  const path = await buildPe(dir, { name: "dmg.exe", arch: "x64", source: HELLO_C });
  const bytes = new Uint8Array(await readFile(path));
  t.throws(() => stampPe(bytes.subarray(0, bytes.length - 1000), STAMP, "dmg.exe"), {
    instanceOf: InputError,
    message: /^dmg\.exe: damaged PE file at offset 0x[0-9a-f]+: section \S+ raw data ends at/,
  });
  t.throws(() => stampPe(bytes, { fileVersion: "1.2.3.99999" }, "dmg.exe"), {
    instanceOf: InputError,
    message: /file version "1\.2\.3\.99999": expected 1 to 4 numbers 0-65535/,
  });
  await t.throwsAsync(stampFile(join(dir, "nope.dll"), STAMP), {
    instanceOf: InputError,
    message: /nope\.dll: cannot read: ENOENT/,
  });
  // A failed in-place stamp leaves the file as it was and no temporary file behind.
  const inf = join(dir, "a.inf");
  await writeFile(inf, "[Version]\n");
  await t.throwsAsync(stampFile(inf, STAMP), { instanceOf: InputError });
  t.is(await readFile(inf, "utf8"), "[Version]\n");
  t.false((await readdir(dir)).some((f) => f.includes(".tmp-")));
});

for (const arch of ["x86", "x64"] as const) {
  test(`a stamped ${arch} EXE still runs under wine: same output, same exit code`, async (t) => {
    const wine = requirePeer("wine");
    const dir = await tempDir(t);
    const exe = await buildPe(dir, { name: "run.exe", arch, source: HELLO_C, strip: false });
    const stamped = join(dir, "run-stamped.exe");
    await copyFile(exe, stamped);
    await stampFile(stamped, STAMP);
    const { wineEnv } = await import("./helpers/peers.js");
    const env = await wineEnv();
    const a = await run(wine, [exe, "x", "y"], { env });
    const b = await run(wine, [stamped, "x", "y"], { env });
    t.is(a.code, 7);
    t.is(b.code, a.code);
    t.is(b.stdout, a.stdout);
    t.regex(b.stdout, /hello from 3 args/);
  });
}

test("in place through a symlink stamps the file it points to, keeping its mode", async (t) => {
  const dir = await tempDir(t);
  const exe = await buildPe(dir, { name: "real.exe", arch: "x64", source: HELLO_C });
  await chmod(exe, 0o751);
  const link = join(dir, "link.exe");
  await symlink(exe, link);
  await stampFile(link, { fileVersion: "4.3.2.1" });
  t.true((await lstat(link)).isSymbolicLink());
  t.is((await inspectFile(exe)).fileVersion, "4.3.2.1");
  t.is((await stat(exe)).mode & 0o777, 0o751);
});

test("stampPe leaves its input untouched, also when given a Node Buffer", async (t) => {
  const dir = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
  const input = await readFile(`${dir}/version.dll`);
  const before = Buffer.from(input);
  stampPe(input, { fileVersion: "1.2.3.4" }, "version.dll");
  t.true(input.equals(before), "the Buffer passed in is unchanged");
});
