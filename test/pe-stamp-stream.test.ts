/**
 * The stamp lays the image out itself around the resource section that resedit rebuilds, and
 * streams it from the input file (builder/stamp/rebuild.ts, output.ts). Its bytes must be the
 * bytes of the whole-image rebuild through pe-library that it replaced
 * (test/helpers/stamp-legacy/, that code as it was): checked on digests recorded with the old
 * code, and against the old code itself on real files (the committed fixtures, Wine's DLLs of
 * both architectures, mingw builds with and without resources, COFF symbols, DWARF debug
 * sections and an overlay), in memory (stampPe) and from file to file (stampFile); pefile
 * reads a streamed result.
 */
import { createHash } from "node:crypto";
import { appendFile, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { type StampOptions, stampFile, stampPe } from "../builder/index.js";
import {
  buildPeWithRc,
  DLL_C,
  HELLO_C,
  OTHER_RESOURCES_RC,
  versionRc,
} from "./helpers/pe-fixtures.js";
import { buildPe, tempDir } from "./helpers/peers.js";
import { pefileRead } from "./helpers/pefile.js";
import { stampPeLegacy } from "./helpers/stamp-legacy/stamp.js";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/wine-dlls/", import.meta.url));
const WINE = [
  "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows",
  "/usr/lib/i386-linux-gnu/wine/i386-windows",
];

/** Three kinds of edit: a short version, long strings (.rsrc grows), a move and a timestamp. */
const OPTIONS: readonly StampOptions[] = [
  { fileVersion: "1.2.3.4" },
  {
    fileVersion: "10.0.19041.3636",
    productVersion: "10.0.19041.1",
    strings: { CompanyName: "Contoso Ltd.", FileDescription: "x".repeat(3000) },
  },
  { fileVersion: "7.1", timeDateStamp: 1_200_000_000, overlay: "move" },
];

/** SHA-256 of stampPe(fixture, OPTIONS[i]), recorded with the whole-image stamp. */
const RECORDED: Record<string, readonly string[]> = {
  "amsi-x64.dll": [
    "41870bb8a227370f590f102e3f159ed6d0885dcc3600034ce4efe685235f5f17",
    "825bdbdecf2199b81c5a4669b5f45b87bc640b150a4eda7bd1f1aa342aba4ba9",
    "eb0bd922351d460764b5c6e9bfbc27d7b5562d22dd1302ca326f7923f0965af3",
  ],
  "adsldpc-x86.dll": [
    "2962189da52a3700b4cfae4c615b0a560d4b4bd90f140ce86c7389c25f75a60a",
    "5547e53d2852d3425716894dadc3174fd6ac4aeca43e57fb7023fdea2447d0a7",
    "8eb5579d8a2551cb2cf327d6dc8d4968544c9f834673d3823e60b838fb2b9154",
  ],
};

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** The old stamp's outcome: its digest, or its error's message. */
function legacy(bytes: Uint8Array, opts: StampOptions, label: string): string {
  try {
    return sha256(stampPeLegacy(bytes, opts, label));
  } catch (err) {
    return `refused: ${(err as Error).message}`;
  }
}

/** stampPe's and stampFile's outcomes, which must be the same. */
async function both(
  dir: string,
  path: string,
  opts: StampOptions,
  n: number,
): Promise<{ memory: string; file: string }> {
  const bytes = await readFile(path);
  let memory: string;
  try {
    memory = sha256(stampPe(bytes, opts, path));
  } catch (err) {
    memory = `refused: ${(err as Error).message}`;
  }
  const out = join(dir, `out-${n}`);
  let file: string;
  try {
    await stampFile(path, opts, out);
    file = sha256(await readFile(out));
  } catch (err) {
    file = `refused: ${(err as Error).message}`;
  }
  return { memory, file };
}

test("the committed fixtures stamp to the digests recorded before streaming, in memory and file to file", async (t) => {
  const dir = await tempDir(t);
  let n = 0;
  for (const [name, digests] of Object.entries(RECORDED)) {
    for (const [i, opts] of OPTIONS.entries()) {
      const got = await both(dir, join(FIXTURES, name), opts, n++);
      t.is(got.memory, digests[i]!, `${name} options ${i} in memory`);
      t.is(got.file, digests[i]!, `${name} options ${i} streamed`);
    }
  }
});

test("Wine's DLLs (x86 and x64, every 20th): the same bytes as the whole-image stamp", async (t) => {
  const dir = await tempDir(t);
  let n = 0;
  let compared = 0;
  for (const wine of WINE) {
    const names = (await readdir(wine)).filter((f) => f.endsWith(".dll")).sort();
    t.true(names.length > 100, `Wine's DLLs in ${wine} (Debian: wine64, wine32:i386)`);
    for (const name of names.filter((_, i) => i % 20 === 0)) {
      const path = join(wine, name);
      const bytes = await readFile(path);
      for (const opts of OPTIONS.slice(0, 2)) {
        const want = legacy(bytes, opts, path);
        const got = await both(dir, path, opts, n++);
        t.is(got.memory, want, `${path} in memory`);
        t.is(got.file, want, `${path} streamed`);
        if (!want.startsWith("refused")) compared++;
      }
    }
  }
  t.true(compared > 60, `${compared} stamped files compared`);
});

test("mingw builds (no resources, resources, symbols, debug sections, overlay): the same bytes, pefile reads them", async (t) => {
  const dir = await tempDir(t);
  const files: string[] = [];
  for (const arch of ["x86", "x64"] as const) {
    files.push(await buildPe(dir, { name: `bare-${arch}.exe`, arch, source: HELLO_C }));
    files.push(
      await buildPe(dir, { name: `sym-${arch}.dll`, arch, source: DLL_C, dll: true, strip: false }),
    );
    files.push(
      await buildPe(dir, {
        name: `debug-${arch}.exe`,
        arch,
        source: HELLO_C,
        strip: false,
        extraArgs: ["-g"],
      }),
    );
    files.push(
      await buildPeWithRc(dir, {
        name: `rc-${arch}.dll`,
        arch,
        source: DLL_C,
        dll: true,
        rc: `${versionRc("040904E4", "1.0.0.0", "Fabrikam")}\n${OTHER_RESOURCES_RC}`,
      }),
    );
  }
  const overlay = await buildPe(dir, { name: "overlay.exe", arch: "x64", source: HELLO_C });
  await appendFile(overlay, Buffer.alloc(5000, 0x5a));
  files.push(overlay);
  let n = 0;
  for (const path of files) {
    const bytes = await readFile(path);
    for (const opts of OPTIONS) {
      const want = legacy(bytes, opts, path);
      const got = await both(dir, path, opts, n);
      t.is(got.memory, want, `${path} in memory`);
      t.is(got.file, want, `${path} streamed`);
      if (!want.startsWith("refused")) {
        const [r] = await pefileRead([join(dir, `out-${n}`)]);
        t.is(
          r!.fileVersion,
          opts.fileVersion.split(".").concat(["0", "0", "0"]).slice(0, 4).join("."),
        );
        t.true(r!.checksumValid, `${path}: pefile's checksum`);
        // pefile warns of a byte that fills much of a file: the 3000 "x" of FileDescription.
        t.deepEqual(
          r!.warnings.filter((w) => !w.includes("of the file's contents")),
          [],
        );
      }
      n++;
    }
  }
  t.true((await stat(join(dir, "out-0"))).size > 0);
});
