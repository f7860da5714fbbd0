/**
 * Layouts that stamping must handle or refuse clearly, never writing a broken file; and a
 * seeded property test of versions and strings round-tripping through stampPe/inspectPe.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import fc from "fast-check";
import { InputError, inspectPe, signFile, stampPe } from "../builder/index.js";
import { DLL_C, HELLO_C, makeTestCertificate } from "./helpers/pe-fixtures.js";
import { buildPe, requirePeer, tempDir } from "./helpers/peers.js";
import { pefileRead } from "./helpers/pefile.js";

const WINE_KERNEL32 = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/kernel32.dll";

function sectionTable(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pe = v.getUint32(0x3c, true);
  const count = v.getUint16(pe + 6, true);
  const table = pe + 24 + v.getUint16(pe + 20, true);
  return Array.from({ length: count }, (_, i) => {
    const at = table + i * 40;
    const name = new TextDecoder().decode(bytes.subarray(at, at + 8)).replace(/\0+$/, "");
    return {
      at,
      name,
      va: v.getUint32(at + 12, true),
      ptr: v.getUint32(at + 20, true),
      ch: v.getUint32(at + 36, true),
    };
  });
}

const BIG = { FileDescription: "A very long description. ".repeat(200) };

test("sections after .rsrc: discardable debug sections move with it, symbols intact", async (t) => {
  const dir = await tempDir(t);
  const bytes = new Uint8Array(await readFile(WINE_KERNEL32));
  const out = stampPe(bytes, { fileVersion: "1.2.3.4", strings: BIG }, "kernel32.dll");
  const before = sectionTable(bytes);
  const after = sectionTable(out);
  const rsrc = before.findIndex((s) => s.name === ".rsrc");
  t.true(after[rsrc + 2]!.va > before[rsrc + 2]!.va, "the debug sections moved up");
  const path = join(dir, "kernel32.dll");
  await writeFile(path, out);
  const [r] = await pefileRead([path]);
  t.true(r!.checksumValid);
  t.is(r!.fileVersion, "1.2.3.4");
  t.deepEqual(r!.warnings, []);
  const nm = requirePeer("x86_64-w64-mingw32-nm");
  const { run } = await import("./helpers/peers.js");
  // Symbols are section-relative: code and data symbols keep their addresses; the debug
  // symbols (type N) follow their sections, shifted by exactly the sections' move.
  const list = async (p: string) => (await run(nm, [p])).stdout.trim().split("\n");
  const [a, b] = [await list(WINE_KERNEL32), await list(path)];
  const isDebug = (l: string) => / N /.test(l);
  t.deepEqual(
    b.filter((l) => !isDebug(l)),
    a.filter((l) => !isDebug(l)),
  );
  const shift = after[rsrc + 2]!.va - before[rsrc + 2]!.va;
  const moved = a.filter(isDebug).map((l) => {
    const [addr, ...rest] = l.split(" ");
    return [(BigInt(`0x${addr}`) + BigInt(shift)).toString(16).padStart(16, "0"), ...rest].join(
      " ",
    );
  });
  t.deepEqual(b.filter(isDebug), moved);
  // .reloc moved too (it follows .rsrc): its directory still lists the same relocations.
  const relocs = async (p: string) =>
    (
      await run("/usr/bin/python3", [
        "-c",
        "import pefile,sys\npe=pefile.PE(sys.argv[1])\nprint(hex(pe.OPTIONAL_HEADER.DATA_DIRECTORY[5].VirtualAddress), [(e.rva,e.type) for b in pe.DIRECTORY_ENTRY_BASERELOC for e in b.entries])",
        p,
      ])
    ).stdout.split(" ");
  const [ra, rb] = [await relocs(WINE_KERNEL32), await relocs(path)];
  t.not(rb[0], ra[0], "the relocation directory moved");
  t.deepEqual(rb.slice(1), ra.slice(1));
  const objdump = requirePeer("x86_64-w64-mingw32-objdump");
  const h = await run(objdump, ["-h", path]);
  t.regex(h.stdout, /\.debug_info/, "long section names still resolve through the string table");
});

test("a non-discardable section after .rsrc that would move is refused", async (t) => {
  const bytes = new Uint8Array(await readFile(WINE_KERNEL32));
  const table = sectionTable(bytes);
  const rsrc = table.findIndex((s) => s.name === ".rsrc");
  const victim = table[rsrc + 2]!;
  new DataView(bytes.buffer).setUint32(victim.at + 36, victim.ch & ~0x02000000, true);
  t.throws(() => stampPe(bytes, { fileVersion: "1.2.3.4", strings: BIG }, "k.dll"), {
    instanceOf: InputError,
    message:
      /^k\.dll: section \/4 follows the resources and would move from RVA 0x[0-9a-f]+ to 0x[0-9a-f]+/,
  });
  // The same file stamps when the resources still fit where they were.
  t.is(inspectPe(stampPe(bytes, { fileVersion: "1.2.3.4" }, "k.dll")).fileVersion, "1.2.3.4");
});

test("no room for a new section header is refused", async (t) => {
  const dir = await tempDir(t);
  const bytes = new Uint8Array(
    await readFile(await buildPe(dir, { name: "n.exe", arch: "x86", source: HELLO_C })),
  );
  const table = sectionTable(bytes);
  const slot = table.at(-1)!.at + 40;
  bytes.fill(0xcc, slot, slot + 40);
  t.throws(() => stampPe(bytes, { fileVersion: "1.0" }, "n.exe"), {
    instanceOf: InputError,
    message: /^n\.exe: no room for a \.rsrc section header at offset 0x[0-9a-f]+/,
  });
});

test("a symbol table inside the image, a bad symbol count, a cert not at the end: refused", async (t) => {
  const dir = await tempDir(t);
  const exe = await buildPe(dir, { name: "s.exe", arch: "x64", source: HELLO_C, strip: false });
  const bytes = new Uint8Array(await readFile(exe));
  const v = new DataView(bytes.buffer);
  const pe = v.getUint32(0x3c, true);
  const inside = bytes.slice();
  new DataView(inside.buffer).setUint32(pe + 12, 0x400, true);
  t.throws(() => stampPe(inside, { fileVersion: "1.0" }, "s.exe"), {
    instanceOf: InputError,
    message: /^s\.exe: COFF symbol table at offset 0x400 .* lies inside the image/,
  });
  const huge = bytes.slice();
  new DataView(huge.buffer).setUint32(pe + 16, 0x7fffffff, true);
  t.throws(() => stampPe(huge, { fileVersion: "1.0" }, "s.exe"), {
    instanceOf: InputError,
    message: /symbols runs past the end of the data/,
  });

  const signed = join(dir, "signed.exe");
  await writeFile(
    signed,
    await readFile(await buildPe(dir, { name: "g.exe", arch: "x64", source: HELLO_C })),
  );
  await signFile(signed, await makeTestCertificate(dir));
  const withTrailer = new Uint8Array([...(await readFile(signed)), ...new Uint8Array(64).fill(1)]);
  t.throws(() => stampPe(withTrailer, { fileVersion: "1.0", stripSignature: true }, "signed.exe"), {
    instanceOf: InputError,
    message:
      /^signed\.exe: certificate table at offset 0x[0-9a-f]+ .* is not at the end of the file/,
  });
});

test("property: any versions and strings round-trip through stampPe and inspectPe (seeded)", async (t) => {
  const dir = await tempDir(t);
  const dll = new Uint8Array(
    await readFile(await buildPe(dir, { name: "p.dll", arch: "x64", source: DLL_C, dll: true })),
  );
  const part = fc.integer({ min: 0, max: 0xffff });
  const version = fc.tuple(part, part, part, part).map((p) => p.join("."));
  const text = fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("\0"));
  const keys = fc.constantFrom(
    "CompanyName",
    "FileDescription",
    "InternalName",
    "LegalCopyright",
    "OriginalFilename",
    "ProductName",
  );
  fc.assert(
    fc.property(
      version,
      version,
      fc.dictionary(keys, text),
      (fileVersion, productVersion, strings) => {
        const out = stampPe(dll, { fileVersion, productVersion, strings });
        const info = inspectPe(out);
        return (
          info.fileVersion === fileVersion &&
          info.productVersion === productVersion &&
          Object.entries(strings).every(([k, s]) => info.strings[k] === s) &&
          info.strings.FileVersion === fileVersion &&
          info.checksum!.stored === info.checksum!.computed
        );
      },
    ),
    { seed: 20261126, numRuns: 60 },
  );
  t.pass();
});

test("seeded corruption of headers and resources: only InputErrors or sound stamped files", async (t) => {
  const dir = await tempDir(t);
  const { buildPeWithRc, versionRc } = await import("./helpers/pe-fixtures.js");
  const exe = await buildPeWithRc(dir, {
    name: "fz.exe",
    arch: "x64",
    source: HELLO_C,
    rc: versionRc("040904E4", "1.0.0.0", "Fuzz"),
  });
  const orig = new Uint8Array(await readFile(exe));
  const rsrc = sectionTable(orig).find((s) => s.name === ".rsrc")!;
  let outcomes = { stamped: 0, refused: 0 };
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      (edits) => {
        const b = orig.slice();
        for (const [inRsrc, pos, value] of edits) {
          b[inRsrc ? rsrc.ptr + (pos % 0x200) : pos % 0x400] = value;
        }
        for (const fn of [
          () => inspectPe(b, "fz"),
          () => inspectPe(stampPe(b, { fileVersion: "9.8.7.6" }, "fz")),
        ]) {
          try {
            fn();
          } catch (err) {
            if (!(err instanceof InputError)) throw err;
            outcomes = { ...outcomes, refused: outcomes.refused + 1 };
            return true;
          }
        }
        outcomes = { ...outcomes, stamped: outcomes.stamped + 1 };
        return true;
      },
    ),
    { seed: 4242, numRuns: 400 },
  );
  t.true(outcomes.stamped > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
});

test("an unaligned last section: the appended .rsrc still starts on FileAlignment", async (t) => {
  const dir = await tempDir(t);
  const b = new Uint8Array(
    await readFile(await buildPe(dir, { name: "u.exe", arch: "x64", source: HELLO_C })),
  );
  const table = sectionTable(b);
  const last = table.at(-1)!;
  const v = new DataView(b.buffer);
  const size = v.getUint32(last.at + 16, true);
  const cut = b.slice(0, last.ptr + size - 0x20);
  new DataView(cut.buffer).setUint32(last.at + 16, size - 0x20, true);
  const out = stampPe(cut, { fileVersion: "1.2.3.4" }, "u.exe");
  const rsrc = sectionTable(out).find((s) => s.name === ".rsrc")!;
  t.is(rsrc.ptr % 0x200, 0);
  const path = join(dir, "u-stamped.exe");
  await writeFile(path, out);
  const [r] = await pefileRead([path]);
  t.true(r!.checksumValid);
  t.is(r!.fileVersion, "1.2.3.4");
  t.deepEqual(r!.warnings, []);
});

test("a strong-named .NET assembly is refused; an unsigned one stamps", async (t) => {
  const dir = await tempDir(t);
  const b = new Uint8Array(
    await readFile(await buildPe(dir, { name: "clr.exe", arch: "x64", source: HELLO_C })),
  );
  const v = new DataView(b.buffer);
  const pe = v.getUint32(0x3c, true);
  const rdata = sectionTable(b).find((s) => s.name === ".rdata")!;
  // Data directory 14 (CLR) -> a COR20 header at the start of .rdata (PE32+: directories at +112).
  v.setUint32(pe + 24 + 112 + 14 * 8, rdata.va, true);
  v.setUint32(pe + 24 + 112 + 14 * 8 + 4, 72, true);
  v.setUint32(rdata.ptr, 72, true);
  v.setUint32(rdata.ptr + 16, 0x9, true); // ILONLY | STRONGNAMESIGNED
  t.throws(() => stampPe(b, { fileVersion: "1.0" }, "clr.exe"), {
    instanceOf: InputError,
    message:
      /^clr\.exe: strong-name signed \.NET assembly \(COR20 flags 0x9 at offset 0x[0-9a-f]+\)/,
  });
  v.setUint32(rdata.ptr + 16, 0x1, true); // ILONLY
  t.is(inspectPe(stampPe(b, { fileVersion: "1.0" }, "clr.exe")).fileVersion, "1.0.0.0");
});
