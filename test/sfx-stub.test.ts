/**
 * The shipped stubs (templates/sfx/sfxstub-*.exe) are exactly what `npm run build:stubs`
 * makes from templates/sfx/sfxstub.c, and pefile (a reader sharing nothing with ours) sees
 * the right machine, a GUI program importing only kernel32, user32, shell32 and advapi32
 * (cabinet.dll and version.dll are loaded from System32 at run time), no timestamp, an
 * asInvoker manifest, and a size within the stub's budget (it holds the install engine:
 * the article's Sfxcab.exe, 39,424 bytes, only extracts and runs update.exe).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { stubPath } from "../builder/index.js";
import { SfxPlatform } from "../builder/sfx/constants.js";
import { buildStub, stubSourceDir } from "../builder/sfx/stub.js";
import { requirePeer, requirePefile, run } from "./helpers/peers.js";

/** The article's own Sfxcab.exe (test/fixtures/seed/kb-article.txt). */
const SFXCAB_SIZE = 39_424;
/** The stub with its install engine stays under this (docs/install.md, "Size"). */
const STUB_BUDGET = 64 * 1024;

interface StubRecordEntry {
  file: string;
  size: number;
  sha256: string;
  compiler: string;
}

for (const platform of Object.values(SfxPlatform)) {
  test(`the shipped ${platform} stub is byte for byte what the source builds`, async (t) => {
    requirePeer(platform === "x64" ? "x86_64-w64-mingw32-gcc" : "i686-w64-mingw32-gcc");
    const record = JSON.parse(
      await readFile(join(stubSourceDir(), "stubs.json"), "utf8"),
    ) as Record<string, StubRecordEntry>;
    const shipped = new Uint8Array(await readFile(stubPath(platform)));
    const built = await buildStub(platform);
    t.is(
      built.compiler,
      record[platform]!.compiler,
      "the stubs were built with another mingw-w64: the bytes cannot be compared; run npm run build:stubs and commit",
    );
    t.is(built.sha256, record[platform]!.sha256, "stubs.json is stale: run npm run build:stubs");
    t.deepEqual(
      built.bytes,
      shipped,
      "shipped stub differs from its source: run npm run build:stubs",
    );
  });
}

const PEFILE_SCRIPT = `
import json, sys, pefile
pe = pefile.PE(sys.argv[1])
manifest = b""
res = getattr(pe, "DIRECTORY_ENTRY_RESOURCE", None)
for t in (res.entries if res else []):
    if t.id == 24:
        e = t.directory.entries[0].directory.entries[0].data.struct
        manifest = pe.get_data(e.OffsetToData, e.Size)
print(json.dumps({
    "machine": pe.FILE_HEADER.Machine,
    "timestamp": pe.FILE_HEADER.TimeDateStamp,
    "subsystem": pe.OPTIONAL_HEADER.Subsystem,
    "dlls": sorted(d.dll.decode().lower() for d in pe.DIRECTORY_ENTRY_IMPORT),
    "overlay": pe.get_overlay_data_start_offset(),
    "asInvoker": b'level="asInvoker"' in manifest,
}))
`;

for (const [platform, machine] of [
  ["x86", 0x14c],
  ["x64", 0x8664],
] as const) {
  test(`pefile reads the ${platform} stub: machine 0x${machine.toString(16)}, GUI, four DLLs, small`, async (t) => {
    const py = await requirePefile();
    const r = await run(py, ["-c", PEFILE_SCRIPT, stubPath(platform)]);
    t.is(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    t.deepEqual(info, {
      machine,
      timestamp: 0,
      subsystem: 2, // IMAGE_SUBSYSTEM_WINDOWS_GUI
      // cabinet.dll and version.dll: loaded from System32 at run time
      dlls: ["advapi32.dll", "kernel32.dll", "shell32.dll", "user32.dll"],
      overlay: null, // nothing after the image: the package header goes there
      asInvoker: true,
    });
    const size = (await readFile(stubPath(platform))).length;
    t.true(size < STUB_BUDGET, `${size} bytes`);
    t.log(`${platform} stub: ${size} bytes (Sfxcab.exe: ${SFXCAB_SIZE})`);
  });
}
