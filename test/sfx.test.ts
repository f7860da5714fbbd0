/**
 * The sfx stage without wine: the package header, argument quoting, the layout
 * assembleSfx writes, the errors it gives, and locating the cabinet again.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import fc from "fast-check";
import { assembleSfx, InputError, locateCabinet, stubPath } from "../builder/index.js";
import { PeChecksum } from "../builder/pe/checksum.js";
import { parsePeHeaders } from "../builder/pe/headers.js";
import { SFX_HEADER_SIZE } from "../builder/sfx/constants.js";
import {
  decodeSfxHeader,
  packagePathProblem,
  planSfxPrefix,
  prefixPayloadCrc,
  quoteWindowsArg,
  sealSfxPrefix,
  windowsCommandLine,
} from "../builder/sfx/header.js";
import { checkSfxChecksum } from "../builder/sfx/index.js";
import { requirePefile, run, tempDir } from "./helpers/peers.js";
import { gcabFrom } from "./helpers/sfx.js";

/**
 * CommandLineToArgvW's rules (as documented for the MSVC runtime since 2008), written here
 * independently of quoteWindowsArg: 2n backslashes + quote -> n backslashes, toggle;
 * 2n+1 backslashes + quote -> n backslashes + quote; "" inside quotes -> a quote.
 */
function parseWindowsCommandLine(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) return args;
    let arg = "";
    let quoted = false;
    while (i < line.length && (quoted || (line[i] !== " " && line[i] !== "\t"))) {
      let slashes = 0;
      while (line[i] === "\\") {
        slashes++;
        i++;
      }
      if (line[i] === '"') {
        arg += "\\".repeat(slashes >> 1);
        if (slashes & 1) {
          arg += '"';
          i++;
        } else if (quoted && line[i + 1] === '"') {
          arg += '"';
          i += 2;
        } else {
          quoted = !quoted;
          i++;
        }
      } else {
        arg += "\\".repeat(slashes);
        if (i < line.length && (quoted || (line[i] !== " " && line[i] !== "\t"))) arg += line[i++];
      }
    }
    args.push(arg);
  }
}

test("quoted arguments parse back to themselves (seeded property)", (t) => {
  const char = fc.constantFrom("a", "b", " ", "\t", '"', "\\", "é", "/", "x");
  const arg = fc.array(char, { maxLength: 12 }).map((cs) => cs.join(""));
  fc.assert(
    fc.property(fc.array(arg, { minLength: 1, maxLength: 5 }), (args) => {
      t.deepEqual(parseWindowsCommandLine(windowsCommandLine(args)), args);
    }),
    { seed: 5, numRuns: 500 },
  );
  t.is(quoteWindowsArg("plain"), "plain");
  t.is(quoteWindowsArg(""), '""');
  t.is(quoteWindowsArg("a b\\"), '"a b\\\\"');
  t.is(quoteWindowsArg('say "hi"'), '"say \\"hi\\""');
});

test("the package header round-trips and any changed header byte is detected", (t) => {
  const prefix = planSfxPrefix(1234, { command: "bin/setup.exe", args: ["/q", "two words"] });
  t.is(prefix.cabinetOffset % 8, 0);
  const sealed = sealSfxPrefix(prefix, prefixPayloadCrc(prefix));
  const header = decodeSfxHeader(
    sealed.subarray(0, SFX_HEADER_SIZE),
    sealed.subarray(SFX_HEADER_SIZE),
  );
  t.deepEqual(header, {
    headerSize: SFX_HEADER_SIZE,
    cabinetOffset: prefix.cabinetOffset,
    cabinetSize: 1234,
    payloadCrc: prefixPayloadCrc(prefix),
    entry: { command: "bin\\setup.exe", commandLine: '/q "two words"' },
  });
  for (let i = 0; i < SFX_HEADER_SIZE; i++) {
    const bad = sealed.slice(0, SFX_HEADER_SIZE);
    bad[i]! ^= 0x40;
    t.is(typeof decodeSfxHeader(bad), "string", `byte ${i}`);
  }
});

test("entry paths the stub would refuse are refused at build time", (t) => {
  for (const ok of ["setup.exe", "bin/update.exe", "bin\\x.cmd", "naïve/文字.exe"]) {
    t.is(packagePathProblem(ok), undefined, ok);
  }
  const bad: Array<[string, RegExp]> = [
    ["", /empty/],
    ["/abs.exe", /root/],
    ["\\abs.exe", /root/],
    ["C:/x.exe", /character/],
    ["a/../../x.exe", /"\.\." part/],
    ["./x.exe", /"\." part/],
    ["a//x.exe", /empty part/],
    ["x.exe.", /dot or space/],
    ["nul.exe", /device/],
    ["sub/COM1", /device/],
    ["a|b.exe", /character/],
    ["a\u0001.exe", /character/],
  ];
  for (const [path, why] of bad) t.regex(packagePathProblem(path) ?? "", why, path);
});

async function fixture(t: Parameters<typeof tempDir>[0]) {
  const dir = await tempDir(t, "cabwright-sfx-");
  const cab = join(dir, "files.cab");
  await gcabFrom(join(dir, "in"), cab, [
    ["a.txt", "alpha\r\n"],
    ["sub/b.txt", "b".repeat(5000)],
    ["Setup.exe", "MZ (not really)"],
  ]);
  return { dir, cab, cabBytes: new Uint8Array(await readFile(cab)) };
}

test("assembleSfx writes stub | header | entry | cabinet | padding, byte-identically each time", async (t) => {
  const { dir, cab, cabBytes } = await fixture(t);
  const stub = new Uint8Array(await readFile(stubPath("x64")));
  const entry = { command: "setup.exe", args: ["/q"] };
  const a = join(dir, "a.exe");
  const b = join(dir, "b.exe");
  const ra = await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: a, entry });
  await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: b, entry });
  const bytes = new Uint8Array(await readFile(a));
  t.deepEqual(bytes, new Uint8Array(await readFile(b)));
  t.is(ra.size, bytes.length);
  t.is(bytes.length % 8, 0);
  t.is(ra.headerOffset, stub.length);
  // The stub, but for its CheckSum field (recomputed over the package).
  const { checksumOffset } = parsePeHeaders(stub)!;
  const head = bytes.slice(0, stub.length);
  head.set(stub.subarray(checksumOffset, checksumOffset + 4), checksumOffset);
  t.deepEqual(head, stub);
  t.deepEqual(bytes.subarray(ra.cabinetOffset, ra.cabinetOffset + ra.cabinetSize), cabBytes);
  t.true(bytes.subarray(ra.cabinetOffset + ra.cabinetSize).every((x) => x === 0));

  const located = locateCabinet(bytes);
  t.like(located, { offset: ra.cabinetOffset, size: cabBytes.length, foundBy: "header" });
  t.deepEqual(located.header?.entry, { command: "setup.exe", commandLine: "/q" });
  t.deepEqual(locateCabinet(a), located, "from a path: the same answer");
  t.like(await checkSfxChecksum(a), { ok: true, expected: ra.payloadCrc });

  const flipped = bytes.slice();
  flipped[ra.cabinetOffset + 100]! ^= 0x80;
  await writeFile(b, flipped);
  t.false((await checkSfxChecksum(b)).ok);
  await writeFile(b, bytes.subarray(0, ra.cabinetOffset + ra.cabinetSize - 20));
  t.throws(() => locateCabinet(b), {
    instanceOf: InputError,
    message: /package is truncated: its cabinet ends at byte \d+ but the file ends at byte \d+/,
  });
});

test("assembleSfx refuses a wrong stub, a bad cabinet or entry, and leaves no file behind", async (t) => {
  const { dir, cab } = await fixture(t);
  const out = join(dir, "out", "pkg.exe");
  const pkg = join(dir, "pkg.exe");
  await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: pkg });
  const notCab = join(dir, "not.cab");
  await writeFile(notCab, "this is not a cabinet at all, no sir, not one bit");
  const shortCab = join(dir, "short.cab");
  await writeFile(shortCab, (await readFile(cab)).subarray(0, 100));
  const cases: Array<[Parameters<typeof assembleSfx>[0], RegExp]> = [
    [
      { platform: "x64", cabinetPath: cab, outPath: out, stubPath: stubPath("x86") },
      /sfxstub-x86\.exe: PE machine 0x14c, expected 0x8664 for a x64 package/,
    ],
    [
      { platform: "x64", cabinetPath: cab, outPath: out, stubPath: pkg },
      /pkg\.exe: \d+ bytes follow the image at byte \d+; a stub must end with its image/,
    ],
    [
      { platform: "x64", cabinetPath: cab, outPath: out, stubPath: cab },
      /files\.cab: byte 0: no "MZ" signature/,
    ],
    [{ platform: "x64", cabinetPath: notCab, outPath: out }, /not\.cab: byte 0: not a cabinet/],
    [
      { platform: "x64", cabinetPath: shortCab, outPath: out },
      /short\.cab: byte 8: cbCabinet is \d+ but the file holds 100 bytes/,
    ],
    [
      { platform: "x64", cabinetPath: join(dir, "missing.cab"), outPath: out },
      /missing\.cab: cannot read the cabinet/,
    ],
    [
      { platform: "x64", cabinetPath: cab, outPath: out, entry: { command: "../x.exe", args: [] } },
      /package entry: entry command "\.\.\/x\.exe": it has a "\.\." part/,
    ],
    [
      {
        platform: "x64",
        cabinetPath: cab,
        outPath: out,
        entry: { command: "sub/c.txt", args: [] },
      },
      /files\.cab: the package entry command "sub\/c\.txt" is not among the cabinet's 3 files/,
    ],
  ];
  for (const [opts, message] of cases) {
    await t.throwsAsync(assembleSfx(opts), { instanceOf: InputError, message });
  }
  t.deepEqual(
    (await readdir(dir)).sort(),
    ["files.cab", "in", "not.cab", "pkg.exe", "short.cab"],
    "no output and no temporary file left",
  );
});

test("locateCabinet: a bare cabinet, a search fallback, and clear errors", async (t) => {
  const { dir, cab, cabBytes } = await fixture(t);
  t.like(locateCabinet(cab), { offset: 0, size: cabBytes.length, foundBy: "cabinet" });

  // Another tool's package: stub, some bytes, the cabinet, no cabwright header.
  const stub = new Uint8Array(await readFile(stubPath("x64")));
  const other = new Uint8Array(stub.length + 333 + cabBytes.length);
  other.set(stub);
  other.fill(0x4d, stub.length, stub.length + 333); // "MMMM..." must not confuse the search
  other.set(cabBytes, stub.length + 333);
  t.like(locateCabinet(other), {
    offset: stub.length + 333,
    size: cabBytes.length,
    foundBy: "search",
  });

  t.throws(() => locateCabinet(stub), {
    instanceOf: InputError,
    message:
      /no cabinet: no package header at byte \d+ \(the end of the image\) and no MS-CAB header/,
  });
  t.throws(() => locateCabinet(new TextEncoder().encode("MZ but nothing else")), {
    instanceOf: InputError,
    message: /\(bytes\): byte 0: no "MZ" signature/,
  });
  const pkg = join(dir, "p.exe");
  const r = await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: pkg });
  const bytes = new Uint8Array(await readFile(pkg));
  bytes[r.headerOffset + 20]! ^= 1; // argsBytes: the header CRC catches it
  t.throws(() => locateCabinet(bytes), {
    instanceOf: InputError,
    message: /package header at byte \d+: the package header's CRC-32 does not match/,
  });
});

test("cabwright sfx and locate: the stage from the command line; a bad cabinet exits 2", async (t) => {
  const { main } = await import("../builder/cli/main.js");
  const { dir, cab } = await fixture(t);
  const out = join(dir, "cli.exe");
  t.is(await main(["sfx", cab, "-o", out, "--platform", "x64", "--entry", "a.txt"]), 0);
  t.like(locateCabinet(out), { foundBy: "header", header: { entry: { command: "a.txt" } } });
  t.is(await main(["locate", out]), 0);
  t.is(await main(["sfx", out, "-o", join(dir, "again.exe")]), 2, "a package is not a cabinet");
});

test("the package's PE checksum is recomputed over the whole file (pefile agrees)", async (t) => {
  const py = await requirePefile();
  const { dir, cab } = await fixture(t);
  const out = join(dir, "sum.exe");
  await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: out });
  const script =
    "import sys, pefile\nfor p in sys.argv[1:]:\n pe = pefile.PE(p, fast_load=True)\n print(pe.OPTIONAL_HEADER.CheckSum, pe.generate_checksum())";
  const r = await run(py, ["-c", script, out, stubPath("x86"), stubPath("x64")]);
  t.is(r.code, 0, r.stderr);
  for (const line of r.stdout.trim().split("\n")) {
    const [stored, computed] = line.split(" ");
    t.is(stored, computed);
  }
});

test("PeChecksum gives the same sum whatever the pieces (seeded property)", (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      fc.array(fc.nat(300), { maxLength: 6 }),
      (bytes, cuts) => {
        const points = [0, ...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b)];
        const pieces = new PeChecksum();
        points.forEach((from, i) => {
          const to = points[i + 1] ?? bytes.length;
          pieces.add(bytes.subarray(from, to), from);
        });
        t.is(pieces.value(), new PeChecksum().add(bytes, 0).value());
      },
    ),
    { seed: 11, numRuns: 300 },
  );
  // Two words 0xffff and 0x0001 carry around to 0x0001, plus the length 4.
  t.is(new PeChecksum().add(Uint8Array.from([0xff, 0xff, 0x01, 0x00]), 0).value(), 5);
});

test("locateCabinet on damaged packages: a location inside the file or an InputError, nothing else", async (t) => {
  const { dir, cab } = await fixture(t);
  const pkg = join(dir, "fuzz.exe");
  const r = await assembleSfx({ platform: "x64", cabinetPath: cab, outPath: pkg });
  const good = new Uint8Array(await readFile(pkg));
  // Damage where it matters: the PE headers, the package header, the cabinet header.
  const hot = fc.oneof(
    fc.integer({ min: 0, max: 1023 }),
    fc.integer({ min: r.headerOffset, max: r.cabinetOffset + 40 }),
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(hot, fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.option(fc.integer({ min: 0, max: good.length })),
      (flips, cut) => {
        const bytes = good.slice(0, cut ?? good.length);
        for (const [at, x] of flips) if (at < bytes.length) bytes[at]! ^= x;
        try {
          const found = locateCabinet(bytes);
          t.true(found.offset >= 0 && found.offset + found.size <= bytes.length);
        } catch (err) {
          t.true(err instanceof InputError, String(err));
        }
      },
    ),
    { seed: 23, numRuns: 400 },
  );
});
