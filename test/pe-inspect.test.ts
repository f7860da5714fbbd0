import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { InputError, inspectFile, inspectPe, peChecksum } from "../builder/index.js";
import { inspectFileHeaders } from "../builder/pe/inspect.js";
import { buildPe, tempDir } from "./helpers/peers.js";
import { pefileRead } from "./helpers/pefile.js";

const WINE_DIR = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
const HELLO = `#include <stdio.h>\nint main(void) { puts("hello"); return 7; }\n`;

test("platform comes from the machine field: x86, x64, arm64; not a PE is Not Applicable", async (t) => {
  const dir = await tempDir(t);
  const x86 = await buildPe(dir, { name: "a32.exe", arch: "x86", source: HELLO });
  const x64 = await buildPe(dir, { name: "a64.exe", arch: "x64", source: HELLO });
  const i86 = await inspectFile(x86);
  const i64 = await inspectFile(x64);
  t.is(i86.platform, "x86");
  t.is(i86.machine, 0x14c);
  t.is(i64.platform, "x64");
  t.is(i64.machine, 0x8664);
  t.is(i64.fileVersion, "Not Applicable");
  t.false(i64.signed);
  t.is(i64.path, x64);

  // arm64: the same file with its machine field patched (the reader looks at nothing else).
  const bytes = new Uint8Array(await readFile(x64));
  const lfanew = new DataView(bytes.buffer).getUint32(0x3c, true);
  new DataView(bytes.buffer).setUint16(lfanew + 4, 0xaa64, true);
  t.is(inspectPe(bytes).platform, "arm64");

  const inf = join(dir, "setup.inf");
  await writeFile(inf, "[Version]\nSignature=$Windows NT$\n");
  const n = await inspectFile(inf);
  t.false(n.isPe);
  t.is(n.platform, "Not Applicable");
  t.is(n.fileVersion, "Not Applicable");
  t.is(n.size, 33);
  t.false(inspectPe(new TextEncoder().encode("MZ but nothing else")).isPe);
});

test("a damaged PE is an InputError naming the file and the offset", async (t) => {
  const dir = await tempDir(t);
  const exe = await buildPe(dir, { name: "d.exe", arch: "x64", source: HELLO });
  const bytes = new Uint8Array(await readFile(exe));
  const cut = bytes.subarray(0, 0x200);
  const err = t.throws(() => inspectPe(cut, "d.exe"), { instanceOf: InputError });
  t.regex(err!.message, /^d\.exe: damaged PE file at offset 0x[0-9a-f]+: /);
  const bad = bytes.slice();
  const lfanew = new DataView(bad.buffer).getUint32(0x3c, true);
  new DataView(bad.buffer).setUint16(lfanew + 24, 0x1234, true);
  const err2 = t.throws(() => inspectPe(bad, "d.exe"), { instanceOf: InputError });
  t.regex(err2!.message, /offset 0x[0-9a-f]+: optional header magic 0x1234/);
  await t.throwsAsync(inspectFile(join(dir, "missing.dll")), {
    instanceOf: InputError,
    message: /missing\.dll: cannot read: ENOENT/,
  });
});

test("checksum agrees with pefile for every length modulo 4 (odd tails little-endian)", async (t) => {
  const dir = await tempDir(t);
  const exe = await buildPe(dir, { name: "c.exe", arch: "x86", source: HELLO });
  const bytes = new Uint8Array(await readFile(exe));
  const paths: string[] = [];
  const sums: number[] = [];
  for (let extra = 0; extra < 4; extra++) {
    const withTail = new Uint8Array(bytes.length + extra);
    withTail.set(bytes);
    for (let i = 0; i < extra; i++) withTail[bytes.length + i] = 0xf1 + i;
    const sum = peChecksum(withTail);
    new DataView(withTail.buffer).setUint32(
      new DataView(withTail.buffer).getUint32(0x3c, true) + 24 + 64,
      sum,
      true,
    );
    const p = join(dir, `c${extra}.exe`);
    await writeFile(p, withTail);
    paths.push(p);
    sums.push(sum);
    t.deepEqual(inspectPe(withTail).checksum, { stored: sum, computed: sum });
  }
  const records = await pefileRead(paths);
  t.deepEqual(
    records.map((r) => r.checksumValid),
    [true, true, true, true],
  );
});

test("Wine's DLLs: version, strings and platform agree with pefile", async (t) => {
  const names = ["kernel32.dll", "version.dll", "notepad.exe", "msvcrt.dll", "cacls.exe"];
  const paths = names.map((n) => join(WINE_DIR, n));
  const records = await pefileRead(paths);
  for (const [i, path] of paths.entries()) {
    const ours = await inspectFile(path);
    const theirs = records[i]!;
    t.is(ours.platform, "x64", path);
    t.is(ours.machine, theirs.machine);
    t.is(ours.fileVersion, theirs.fileVersion ?? "Not Applicable", path);
    t.is(ours.productVersion, theirs.productVersion ?? undefined, path);
    for (const table of ours.stringTables ?? []) {
      const key = ((table.lang << 16) | table.codepage).toString(16).padStart(8, "0").toUpperCase();
      t.deepEqual(table.strings, theirs.tables[key], `${path} ${key}`);
    }
    t.is(ours.checksum?.stored, theirs.checksumStored);
    t.is(ours.checksum!.stored === ours.checksum!.computed, theirs.checksumValid, path);
  }
});

test("collect's headers-only facts (inspectFileHeaders) agree with inspectFile; a damaged header is one InputError", async (t) => {
  const dir = await tempDir(t);
  const x86 = await buildPe(dir, { name: "h32.exe", arch: "x86", source: HELLO });
  const x64 = await buildPe(dir, { name: "h64.exe", arch: "x64", source: HELLO });
  const text = join(dir, "notes.txt");
  await writeFile(text, "MZ but not a PE\n");
  for (const path of [x86, x64, text]) {
    const full = await inspectFile(path);
    const head = await inspectFileHeaders(path);
    t.deepEqual(
      head,
      {
        size: full.size,
        isPe: full.isPe,
        ...(full.machine !== undefined ? { machine: full.machine } : {}),
        platform: full.platform,
        signed: full.signed,
      },
      path,
    );
  }
  // The section table cut off: the file ends inside the headers.
  const bytes = new Uint8Array(await readFile(x64));
  const lfanew = new DataView(bytes.buffer).getUint32(0x3c, true);
  const cut = join(dir, "cut.exe");
  await writeFile(cut, bytes.subarray(0, lfanew + 24 + 100));
  const err = await t.throwsAsync(inspectFileHeaders(cut), { instanceOf: InputError });
  t.regex(err!.message, /cut\.exe: damaged PE file at offset 0x[0-9a-f]+: /);
});
