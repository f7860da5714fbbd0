import { copyFile, mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { formatTable, inspectFile, loadManifest, manifestTableRows } from "cabwright";
import { main as cli } from "../builder/cli/main.js";
import { buildPe, tempDir } from "./helpers/peers.js";

const WINE = "/usr/lib/x86_64-linux-gnu/wine";

async function main(argv: string[]): Promise<number> {
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await cli(argv);
  } finally {
    process.stderr.write = write;
  }
}

test("init --from-drop: real x86 and x64 PEs, a data file, the same name in two folders", async (t) => {
  const dir = await tempDir(t);
  const drop = join(dir, "drop-hr3");
  await mkdir(join(drop, "x64"), { recursive: true });
  const files: [string, string][] = [
    [join(WINE, "x86_64-windows", "version.dll"), "version.dll"],
    [join(WINE, "x86_64-windows", "cabinet.dll"), "cabinet.dll"],
    [join(WINE, "x86_64-windows", "version.dll"), "x64/version.dll"],
  ];
  // An x86 program without a version resource, built with mingw-w64.
  const exe = await buildPe(dir, {
    name: "tool.exe",
    arch: "x86",
    source: "int main(void) { return 0; }\n",
  });
  await copyFile(exe, join(drop, "tool.exe"));
  for (const [from, to] of files) {
    try {
      await copyFile(from, join(drop, to));
    } catch {
      t.fail(`test needs Wine's PE DLLs (${from}): install the Debian package wine64 (and wine)`);
      return;
    }
  }
  await writeFile(join(drop, "update.inf"), "[Version]\r\nSignature=$Windows NT$\r\n");
  // Dates in the table are the files' UTC modification times.
  const when = new Date("2010-06-29T18:08:30Z");
  for (const f of ["version.dll", "cabinet.dll", "x64/version.dll", "tool.exe"]) {
    await utimes(join(drop, f), when, when);
  }
  const late = new Date("2010-07-14T15:31:00Z");
  await utimes(join(drop, "update.inf"), late, late);

  const out = join(dir, "hr3.yaml");
  t.is(await main(["init", "--from-drop", drop, "-o", out]), 0);
  const { manifest } = await loadManifest(out);
  t.is(manifest.package.name, "drop-hr3");
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  t.deepEqual([...byPath.keys()].sort(), [
    "cabinet.dll",
    "tool.exe",
    "update.inf",
    "version.dll",
    "x64/version.dll",
  ]);
  for (const path of ["version.dll", "cabinet.dll", "x64/version.dll", "tool.exe"]) {
    const pe = await inspectFile(join(drop, path));
    const f = byPath.get(path)!;
    t.is(f.version, pe.fileVersion, path);
    t.is(f.platform, pe.platform, path);
    // A stamped file's size is known after stamping (build --update-manifest writes it);
    // a file shipped as found has its size, which build checks.
    t.is(f.size, f.version === "Not Applicable" ? pe.size : undefined, path);
    t.is(f.date, "2010-06-29");
    t.is(f.time, "18:08");
  }
  t.regex(byPath.get("version.dll")!.version, /^\d+\.\d+\.\d+\.\d+$/, "Wine's DLLs carry versions");
  t.is(byPath.get("version.dll")!.platform, "x64");
  t.is(byPath.get("x64/version.dll")!.platform, "x64");
  t.deepEqual(
    [byPath.get("tool.exe")!.platform, byPath.get("tool.exe")!.version],
    ["x86", "Not Applicable"],
  );
  t.is(byPath.get("x64/version.dll")!.name, "version.dll");
  const inf = byPath.get("update.inf")!;
  t.deepEqual(
    [inf.version, inf.platform, inf.date, inf.time, inf.stamp],
    ["Not Applicable", "Not Applicable", "2010-07-14", "15:31", false],
  );
  t.is(await main(["check", out]), 0);
  t.regex(formatTable(manifestTableRows(manifest), "kb"), /update\.inf +Not Applicable/);
  t.regex(await readFile(out, "utf8"), /^defaults:\n {2}version: /m);
});

test("init --from-drop refuses a missing or empty drop, and both sources at once", async (t) => {
  const dir = await tempDir(t);
  t.is(await main(["init", "--from-drop", join(dir, "nope")]), 2);
  await mkdir(join(dir, "empty"));
  t.is(await main(["init", "--from-drop", join(dir, "empty")]), 2);
  t.is(await main(["init", "--from-drop", dir, "--from-kb", "x.txt"]), 2);
  t.is(await main(["init"]), 2);
});
