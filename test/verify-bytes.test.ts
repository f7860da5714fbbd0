/**
 * verify proves the bytes (issue 11): same-size edits fail against the build record, a
 * zeroed CFDATA checksum fails as the stub's payload CRC-32 does, a duplicate entry and a
 * FileVersion string that disagrees with the manifest are reported, and build's own verify
 * step compares the package with the staged files. Every tampered package is made with a
 * real peer (gcab) and our stub, so the stub's header checks pass on it.
 */
import { copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import {
  build,
  CheckFailed,
  defaultToolkit,
  loadManifest,
  locateCabinet,
  openCabinet,
  stampPe,
  type Toolkit,
  verifyPackage,
} from "cabwright";
import { repo } from "./helpers/demo-build.js";
import {
  requirePeer,
  run,
  signWithTestCertificate,
  tempDir,
  wineEnv,
  winePath,
} from "./helpers/peers.js";
import { pefileRead } from "./helpers/pefile.js";
import {
  firstSectionRaw,
  README,
  repack,
  type SmallCase,
  smallCase,
} from "./helpers/small-build.js";

const cli = join(repo, "dist", "builder", "cli", "main.js");

/** A small package, built, and the bytes it shipped (read back from the published cabinet). */
async function built(t: ExecutionContext) {
  const c = await smallCase(await tempDir(t));
  const r = await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  const shipped = new Map<string, Uint8Array>();
  const ex = await tempDir(t);
  const cabextract = await run("cabextract", ["-q", "-d", ex, r.layout.cab]);
  t.is(cabextract.code, 0, cabextract.stderr);
  for (const n of ["app.dll", "readme.txt", "data.bin"]) {
    shipped.set(n, await readFile(join(ex, n)));
  }
  return { c, r, shipped, loaded: await loadManifest(c.manifest) };
}

type Built = Awaited<ReturnType<typeof built>>;

/** Repack with one file's bytes replaced, into a folder of its own with the record beside. */
async function tampered(
  t: Parameters<typeof tempDir>[0],
  b: Built,
  change: (files: Map<string, Uint8Array>) => void,
): Promise<string> {
  const dir = await tempDir(t);
  const files = new Map([...b.shipped].map(([k, v]) => [k, new Uint8Array(v)]));
  change(files);
  const exe = join(dir, "small.exe");
  await repack(b.r.layout.exe, [...files], dir, exe);
  await copyFile(b.r.layout.record, join(dir, "small.build.json"));
  return exe;
}

const sameSizeEdits: [string, string, (f: Map<string, Uint8Array>) => void][] = [
  [
    "one changed code byte in a DLL",
    "app.dll",
    (f) => {
      const dll = f.get("app.dll")!;
      const code = firstSectionRaw(dll);
      dll[code] = dll[code]! ^ 0x01;
    },
  ],
  [
    "a file replaced by other bytes of the same size",
    "data.bin",
    (f) => {
      const old = f.get("data.bin")!;
      f.set(
        "data.bin",
        old.map((x) => x ^ 0xa5),
      );
    },
  ],
  [
    "an edited text file",
    "readme.txt",
    (f) => {
      f.set("readme.txt", new TextEncoder().encode(README.replace("first", "FIRST")));
    },
  ],
];

for (const [what, file, change] of sameSizeEdits) {
  test(`same-size change (${what}): ok without a record, a sha256 mismatch against it`, async (t) => {
    const b = await built(t);
    const exe = await tampered(t, b, change);
    const tk = defaultToolkit();
    // Without the record only the attributes are proven, and the report says so.
    const blind = await verifyPackage(exe, b.loaded, tk, { record: false });
    t.deepEqual(blind.mismatches, [], "the attributes all hold: only the bytes differ");
    t.false(blind.contents.compared);
    // The record beside the package holds every file's SHA-256.
    const report = await verifyPackage(exe, b.loaded, tk);
    t.false(report.ok);
    t.like(report.contents, { compared: true });
    t.deepEqual(
      report.mismatches.map((m) => [m.path, m.field]),
      [
        [file, "sha256"],
        ["small.exe", "cabinetSha256"],
        ["small.exe", "executableSha256"],
      ],
      JSON.stringify(report.mismatches),
    );
    const m = report.mismatches[0]!;
    const want = b.r.record.files.find((f) => f.path === file)!.after.sha256;
    t.is(m.expected, `${want} (build record ${join(exe, "..", "small.build.json")})`);
  });
}

test("CLI verify: same-size edit is exit 1, one line per mismatch; --record names the record; --json carries it", async (t) => {
  const b = await built(t);
  const exe = await tampered(t, b, sameSizeEdits[0]![2]);
  const node = process.execPath;
  const v = await run(node, [cli, "verify", exe, "--manifest", b.c.manifest]);
  t.is(v.code, 1, v.stderr);
  const lines = v.stdout.trim().split("\n");
  t.regex(
    lines[0]!,
    /^app\.dll: sha256: expected [0-9a-f]{64} \(build record .*small\.build\.json\), found [0-9a-f]{64}$/,
  );
  t.regex(
    lines.at(-1)!,
    /small\.exe: 3 mismatch\(es\) with .*small\.yaml; every file's bytes match/,
  );
  // Elsewhere, with no record beside it: the attributes hold, and the line says what was not proven.
  const alone = join(await tempDir(t), "alone.exe");
  await copyFile(exe, alone);
  const a = await run(node, [cli, "verify", alone, "--manifest", b.c.manifest]);
  t.is(a.code, 0, a.stderr);
  t.regex(
    a.stdout,
    /alone\.exe: ok \(3 files match .*; contents NOT compared: no build record \(alone\.build\.json is not beside the package; give --record FILE\)\)/,
  );
  const verifyAlone = (...more: string[]) =>
    run(node, [cli, "verify", alone, "--manifest", b.c.manifest, ...more]);
  const r = await verifyAlone("--record", b.r.layout.record, "--json");
  t.is(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  t.deepEqual(report.contents, { compared: true, against: `build record ${b.r.layout.record}` });
  t.deepEqual(report.checks, [
    "package",
    "duplicates",
    "manifest",
    "version-strings",
    "contents",
    "signatures",
    "install-plan",
  ]);
  t.deepEqual(
    report.mismatches.map((m: { path: string; field: string }) => `${m.path}:${m.field}`),
    ["app.dll:sha256", "alone.exe:cabinetSha256", "alone.exe:executableSha256"],
  );
  // A record that cannot be read is bad input, one line.
  const missing = await verifyAlone("--record", join(b.c.dir, "none.json"));
  t.is(missing.code, 2);
  t.regex(missing.stderr, /none\.json: cannot read the build record \(ENOENT\)/);
});

/** The first CFDATA block's checksum field, as an offset in the package. */
function firstBlockChecksumAt(exe: Uint8Array): number {
  const cab = locateCabinet(exe).offset;
  const v = new DataView(exe.buffer, exe.byteOffset, exe.byteLength);
  const flags = v.getUint16(cab + 30, true);
  t0(flags === 0, "no reserve or set flags in our cabinets");
  // CFFOLDER follows the 36-byte CFHEADER; its first field is coffCabStart.
  return cab + v.getUint32(cab + 36, true);
}

function t0(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

test("a CFDATA checksum set to 0 (no checksum): the payload CRC-32 fails, as the stub's does (exit 13)", async (t) => {
  const b = await built(t);
  const dir = await tempDir(t);
  const exe = join(dir, "zeroed.exe");
  const bytes = Buffer.from(await readFile(b.r.layout.exe));
  const at = firstBlockChecksumAt(bytes);
  t.not(bytes.readUInt32LE(at), 0, "our writer stores a checksum");
  bytes.writeUInt32LE(0, at);
  await writeFile(exe, bytes);
  // The cabinet reader alone accepts it ([MS-CAB]: 0 means "no checksum")...
  const tk = defaultToolkit();
  const cab = await openCabinet(exe, { offset: locateCabinet(exe).offset });
  const tested = await cab.test();
  await cab.close();
  t.true(tested.ok);
  t.is(tested.checksumsAbsent, 1, "the cabinet reader accepts a block with no checksum");
  // ...and verify says what the stub says.
  const report = await verifyPackage(exe, b.loaded, tk);
  t.deepEqual(
    report.mismatches.map((m) => [m.path, m.field]),
    [["zeroed.exe", "payloadCrc"]],
  );
  t.regex(report.mismatches[0]!.found, /the stub refuses the package, exit 13/);
  const v = await run(process.execPath, [cli, "verify", exe, "--manifest", b.c.manifest]);
  t.is(v.code, 1);
  t.regex(
    v.stdout,
    /^zeroed\.exe: payloadCrc: expected 0x[0-9a-f]{8} \(stored in the package header\), found 0x[0-9a-f]{8}/m,
  );
  // The bare cabinet, zeroed the same way, fails against its record.
  const cabBytes = Buffer.from(await readFile(b.r.layout.cab));
  cabBytes.writeUInt32LE(0, at - locateCabinet(bytes).offset);
  const cabPath = join(dir, "small.cab");
  await writeFile(cabPath, cabBytes);
  await copyFile(b.r.layout.record, join(dir, "small.build.json"));
  const c = await verifyPackage(cabPath, b.loaded, tk);
  t.deepEqual(
    c.mismatches.map((m) => [m.path, m.field]),
    [["small.cab", "cabinetSha256"]],
  );
});

test("a damaged package header is a failed verification naming it, not a crash", async (t) => {
  const b = await built(t);
  const dir = await tempDir(t);
  const bytes = Buffer.from(await readFile(b.r.layout.exe));
  const header = locateCabinet(bytes).header!.offset;
  bytes[header + 28] = bytes[header + 28]! ^ 1; // cabinet size: the header CRC no longer matches
  const exe = join(dir, "bad.exe");
  await writeFile(exe, bytes);
  const report = await verifyPackage(exe, b.loaded, defaultToolkit());
  t.deepEqual(
    report.mismatches.map((m) => [m.path, m.field]),
    [["bad.exe", "packageHeader"]],
  );
  t.regex(report.mismatches[0]!.found, /CRC-32 does not match/);
});

test("a duplicate entry in the cabinet is reported", async (t) => {
  const b = await built(t);
  const dir = await tempDir(t);
  const exe = join(dir, "dup.exe");
  const files = [...b.shipped];
  // gcab refuses two files of one name: store the second as readme.tx_, then rename it.
  await repack(b.r.layout.exe, [...files, ["readme.tx_", b.shipped.get("readme.txt")!]], dir, exe, [
    ["readme.tx_", "readme.txt"],
  ]);
  const report = await verifyPackage(exe, b.loaded, defaultToolkit(), { record: false });
  t.deepEqual(
    report.mismatches.map((m) => [m.path, m.field, m.expected, m.found]),
    [["readme.txt", "duplicate", "1 entry", "2 entries"]],
  );
});

test("a FileVersion string changed with the binary version unchanged is reported (pefile agrees)", async (t) => {
  const b = await built(t);
  const dir = await tempDir(t);
  const dll = b.shipped.get("app.dll")!;
  // Re-stamp as build did (ProductVersion = the file's version), but with both strings one
  // digit off (same length).
  const forged = stampPe(dll, {
    fileVersion: "1.2.3.4",
    productVersion: "1.2.3.4",
    strings: { FileVersion: "1.2.3.5", ProductVersion: "1.2.3.6" },
  });
  const pe = join(dir, "app.dll");
  await writeFile(pe, forged);
  const [peer] = await pefileRead([pe]);
  t.is(peer!.fileVersion, "1.2.3.4", "pefile: the binary version is unchanged");
  const strings = Object.values(peer!.tables)[0]!;
  t.is(strings.FileVersion, "1.2.3.5");
  const exe = join(dir, "small.exe");
  await repack(
    b.r.layout.exe,
    [...b.shipped].map(([n, v]) => [n, n === "app.dll" ? forged : v]),
    dir,
    exe,
  );
  const report = await verifyPackage(exe, b.loaded, defaultToolkit(), { record: false });
  t.deepEqual(
    report.mismatches.map((m) => [m.path, m.field, m.expected, m.found]),
    [
      ["app.dll", "fileVersionString", "1.2.3.4", "1.2.3.5"],
      ["app.dll", "productVersionString", "1.2.3.4", "1.2.3.6"],
    ],
  );
});

test("build's verify step compares the package with the staged files: a cabinet of other bytes is not published", async (t) => {
  const c: SmallCase = await smallCase(await tempDir(t));
  const real = defaultToolkit();
  // The staged data.bin changes (same size) after its digest was taken, before the
  // cabinet is written: as a broken writer or a failing disk would give.
  const corrupting: Toolkit = {
    ...real,
    async writeCabinet(outPath, files, compression, onProgress) {
      const corrupt = async (source: string) => {
        const bytes = await readFile(source);
        bytes[100] = bytes[100]! ^ 0xff;
        await writeFile(source, bytes);
      };
      // A file still being staged when the cabinet starts is corrupted once it is ready.
      const inputs = await Promise.all(
        files.map(async (f) => {
          if (f.name !== "data.bin") return f;
          if (!("ready" in f)) return corrupt(f.source).then(() => f);
          const ready = async () => {
            const r = await f.ready();
            await corrupt(r.source);
            return r;
          };
          return { ...f, ready };
        }),
      );
      return real.writeCabinet(outPath, inputs, compression, onProgress);
    },
  };
  const err = await t.throwsAsync(
    build({ manifest: c.manifest, drop: c.drop, out: c.out, toolkit: corrupting }),
    { instanceOf: CheckFailed },
  );
  t.regex(
    err!.message,
    /^small\.exe does not verify \(1 mismatch\(es\): data\.bin: sha256: expected [0-9a-f]{64} \(staged files\), found [0-9a-f]{64}\); nothing was published$/,
  );
  await t.throwsAsync(stat(c.out), undefined, "nothing published, no output root left behind");
});

test("under wine64 the stub refuses the zeroed-checksum package with exit 13, as verify does; the intact one extracts", async (t) => {
  const wine = requirePeer("wine");
  const c = await smallCase(await tempDir(t), { platform: "x64" });
  const r = await build({ manifest: c.manifest, drop: c.drop, out: c.out });
  const bytes = Buffer.from(await readFile(r.layout.exe));
  bytes.writeUInt32LE(0, firstBlockChecksumAt(bytes));
  const zeroed = join(c.dir, "zeroed.exe");
  await writeFile(zeroed, bytes);
  const env = await wineEnv();
  const bad = await run(wine, [zeroed, "/quiet", `/x:${winePath(join(c.dir, "x-bad"))}`], { env });
  t.is(bad.code, 13, `the stub: ${bad.stderr}`);
  const report = await verifyPackage(zeroed, await loadManifest(c.manifest), defaultToolkit());
  t.deepEqual(
    report.mismatches.map((m) => m.field),
    ["payloadCrc"],
  );
  const good = await run(wine, [r.layout.exe, "/quiet", `/x:${winePath(join(c.dir, "x-good"))}`], {
    env,
  });
  t.is(good.code, 0, good.stderr);
  t.is(await readFile(join(c.dir, "x-good", "readme.txt"), "utf8"), README);
});

test("a package signed after the build (osslsigncode) still verifies against its record; its bytes are still proven", async (t) => {
  const b = await built(t);
  const dir = await tempDir(t);
  const signed = join(dir, "small.exe");
  const s = await signWithTestCertificate(b.r.layout.exe, signed);
  t.is(s.code, 0, s.stderr);
  await copyFile(b.r.layout.record, join(dir, "small.build.json"));
  const tk = defaultToolkit();
  const report = await verifyPackage(signed, b.loaded, tk);
  t.deepEqual(report.mismatches, []);
  t.like(report.contents, { compared: true });
  // The signature does not hide an edit: a file changed, then signed, fails on its digest.
  const edited = await tampered(t, b, sameSizeEdits[2]![2]);
  const editedSigned = join(dir, "edited", "small.exe");
  await mkdir(join(dir, "edited"));
  t.is((await signWithTestCertificate(edited, editedSigned)).code, 0);
  await copyFile(b.r.layout.record, join(dir, "edited", "small.build.json"));
  const bad = await verifyPackage(editedSigned, b.loaded, tk);
  t.deepEqual(
    bad.mismatches.map((m) => [m.path, m.field]),
    [
      ["readme.txt", "sha256"],
      ["small.exe", "cabinetSha256"],
    ],
  );
});
