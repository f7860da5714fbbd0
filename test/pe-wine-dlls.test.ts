/**
 * Real third-party binaries: a fixed sample of Wine's x64 PE DLLs (almost all with a COFF
 * symbol table and debug sections after .rsrc), stamped, then read back by pefile, by
 * binutils' nm, and by Windows' own version API (GetFileVersionInfoW under wine).
 */
import { copyFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { inspectFile, type StampOptions, stampFile } from "../builder/index.js";
import { DLL_C, HELLO_C, LOADER_C, VERQUERY_C } from "./helpers/pe-fixtures.js";
import { buildPe, requirePeer, run, tempDir, which, wineEnv, winePath } from "./helpers/peers.js";
import { pefileRead } from "./helpers/pefile.js";

const WINE_DIR = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
const SAMPLE = 20;
const STAMP: StampOptions = {
  fileVersion: "10.2.952.0",
  strings: { CompanyName: "Contoso Ltd.", ProductName: "Contoso Hotfix" },
};

/** Every n-th DLL under 1 MB (sorted by name): a fixed sample, quick for pefile to read. */
async function sample(): Promise<string[]> {
  const all: string[] = [];
  for (const f of (await readdir(WINE_DIR)).filter((n) => n.endsWith(".dll")).sort()) {
    if ((await stat(join(WINE_DIR, f))).size < 1_000_000) all.push(f);
  }
  const step = Math.floor(all.length / SAMPLE);
  return Array.from({ length: SAMPLE }, (_, i) => all[i * step]!);
}

test(`${SAMPLE} of Wine's x64 DLLs: stamped and read back by pefile and nm`, async (t) => {
  const dir = await tempDir(t);
  const names = await sample();
  const originals = names.map((n) => join(WINE_DIR, n));
  const stamped = names.map((n) => join(dir, n));
  for (const [i, src] of originals.entries()) await stampFile(src, STAMP, stamped[i]);
  const before = await pefileRead(originals);
  const after = await pefileRead(stamped);
  let withSymbols = 0;
  for (const [i, r] of after.entries()) {
    const b = before[i]!;
    const name = names[i]!;
    t.is(r.fileVersion, "10.2.952.0", name);
    t.is(r.productVersion, "10.2.952.0", name);
    t.true(r.checksumValid, `${name} checksum`);
    t.is(r.versionResources, Math.max(1, b.versionResources), `${name}: one per language`);
    t.deepEqual(
      Object.keys(r.tables).sort(),
      Object.keys(b.tables).sort().length ? Object.keys(b.tables).sort() : ["040904B0"],
      name,
    );
    for (const [key, table] of Object.entries(r.tables)) {
      t.like(table, { ...STAMP.strings, FileVersion: "10.2.952.0" }, `${name} ${key}`);
      // Strings not given are kept (OriginalFilename, LegalCopyright, ...).
      const old = b.tables[key];
      if (old?.OriginalFilename) t.is(table.OriginalFilename, old.OriginalFilename);
    }
    t.is(r.numberOfSymbols, b.numberOfSymbols, name);
    t.is(r.timeDateStamp, b.timeDateStamp, name);
    if (b.numberOfSymbols > 0) withSymbols++;
  }
  t.true(withSymbols >= SAMPLE / 2, `most of the sample has COFF symbols (${withSymbols})`);
  const nm = which("x86_64-w64-mingw32-nm");
  if (!nm) throw new Error("test needs x86_64-w64-mingw32-nm: install binutils-mingw-w64-x86-64");
  for (const [i, name] of names.slice(0, 5).entries()) {
    const a = await run(nm, [originals[i]!]);
    const b = await run(nm, [stamped[i]!]);
    t.is(b.stdout, a.stdout, `${name}: nm lists the same symbols`);
  }
});

test("Windows' version API under wine reads the stamped versions (EXE and Wine DLL)", async (t) => {
  const wine = requirePeer("wine");
  const dir = await tempDir(t);
  const query = await buildPe(dir, {
    name: "verquery.exe",
    arch: "x64",
    source: VERQUERY_C,
    extraArgs: ["-municode", "-lversion"],
  });
  const exe = await buildPe(dir, { name: "app.exe", arch: "x64", source: HELLO_C });
  await stampFile(exe, STAMP);
  const dll = join(dir, "msvcrt-copy.dll");
  await copyFile(join(WINE_DIR, "msvcrt.dll"), dll);
  await stampFile(dll, { ...STAMP, fileVersion: "7.0.1.2" });
  const r = await run(wine, [query, winePath(exe), winePath(dll)], { env: await wineEnv() });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split(/\r?\n/), [
    "10.2.952.0|10.2.952.0|Contoso Ltd.",
    "7.0.1.2|7.0.1.2|Contoso Ltd.",
  ]);
  t.is((await inspectFile(dll)).fileVersion, "7.0.1.2");

  // A stamped DLL with COFF symbols still loads and runs.
  const loader = await buildPe(dir, {
    name: "loader.exe",
    arch: "x64",
    source: LOADER_C,
    extraArgs: ["-municode"],
  });
  const own = await buildPe(dir, {
    name: "answer.dll",
    arch: "x64",
    source: DLL_C,
    dll: true,
    strip: false,
  });
  await stampFile(own, STAMP);
  const l = await run(wine, [loader, winePath(own)], { env: await wineEnv() });
  t.is(l.code, 0, l.stdout + l.stderr);
  t.is(l.stdout.trim(), "answer=42");
});
