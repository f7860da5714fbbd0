/**
 * Cabinets from Microsoft's cabinet API as Wine implements it (cabarc.exe over FCI): a
 * cabinet set with a header reserve, MSZIP, a folder spanning three cabinets. Each part
 * opened on its own reads the whole set (FCI names as "previous" the cabinet where the
 * spanning folder began: the set is ordered by walking forward from its first cabinet).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { extractCabinet, openCabinet } from "@cabwright/cab";
import test from "ava";
import { requirePeer, run, tempDir, wineEnv } from "../../../test/helpers/peers.js";

test("a cabarc (Wine FCI) cabinet set with a header reserve reads whole from any part", async (t) => {
  const wine = requirePeer("wine");
  const dir = await tempDir(t);
  await mkdir(join(dir, "src", "sub"), { recursive: true });
  const dll = await readFile("/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/shell32.dll");
  const files = new Map<string, Buffer>([
    ["src/a.bin", dll.subarray(0, 300_000)],
    ["src/sub/b.txt", Buffer.from("hello\n".repeat(11_667))],
    ["src/c.bin", randomBytes(200_000)],
  ]);
  for (const [name, data] of files) await writeFile(join(dir, name), data);
  const r = await run(
    wine,
    [
      "cabarc.exe",
      "-p",
      "-m",
      "mszip",
      "-s",
      "6144",
      "-d",
      "150000",
      "N",
      "out*.cab",
      ...[...files.keys()].map((n) => n.replaceAll("/", "\\")),
    ],
    { cwd: dir, env: await wineEnv() },
  );
  t.is(r.code, 0, r.stderr);
  const parts = ["out1.cab", "out2.cab", "out3.cab"];
  for (const part of parts) {
    const cab = await openCabinet(join(dir, part));
    try {
      t.deepEqual(
        cab.cabinets.map((c) => c.path.split("/").pop()),
        parts,
        part,
      );
      t.is(cab.cabinets[0]!.header.headerReserve.length, 6144);
      t.deepEqual(
        cab.files.map((f) => [f.name, f.size]),
        [...files].map(([n, d]) => [n, d.length]),
      );
      const report = await cab.test();
      t.true(report.ok, `${part}: ${report.errors.join("; ")}`);
    } finally {
      await cab.close();
    }
    const out = join(dir, `x-${part}`);
    await extractCabinet(join(dir, part), out);
    for (const [name, data] of files)
      t.true((await readFile(join(out, name))).equals(data), `${part} ${name}`);
  }
});
