/**
 * A package made by `build` runs under wine64: the x64 stub extracts it with /x: to the
 * bytes the build record lists, and runs the manifest's entry command (a mingw-built test
 * program) whose exit code comes back. (The x86 demo package: build-demo-peers.test.ts.)
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { build, minimalPe } from "cabwright";
import { buildPe, requirePeer, run, tempDir, wineEnv, winePath } from "./helpers/peers.js";

/** Z:\ is wine's view of /. */

const ENTRY_SOURCE = `#include <stdlib.h>
#include <stdio.h>
int main(int argc, char **argv) {
  FILE *f = fopen("lib\\\\Helper.dll", "rb");
  if (!f) return 99; /* run from the extraction folder, or fail */
  fclose(f);
  return argc > 1 ? atoi(argv[1]) : 0;
}
`;

async function makePackage(t: Parameters<typeof tempDir>[0]) {
  const wine = requirePeer("wine");
  const dir = await tempDir(t);
  const drop = join(dir, "drop");
  await mkdir(join(drop, "lib"), { recursive: true });
  const setup = await buildPe(dir, { name: "setup.exe", arch: "x64", source: ENTRY_SOURCE });
  await writeFile(join(drop, "setup.exe"), await readFile(setup));
  await writeFile(
    join(drop, "lib", "Helper.dll"),
    minimalPe({ arch: "x64", dll: true, timestamp: 1700000000 }),
  );
  const manifest = join(dir, "wine.yaml");
  await writeFile(
    manifest,
    `package:
  name: winetest
  title: Wine test package
  product: cabwright tests
  version: 1.2.3.4
  company: cabwright
  copyright: (c) cabwright
  platform: x64
  entry:
    command: setup.exe
    args: ["7"]
defaults:
  version: 1.2.3.4
  date: 2024-05-06
  time: "07:08:10"
  platform: x64
files:
  - name: setup.exe
  - name: Helper.dll
    path: lib/Helper.dll
    version: Not Applicable
`,
  );
  const result = await build({ manifest, drop, out: join(dir, "out") });
  return { wine, dir, result, env: await wineEnv() };
}

test("under wine64 the built x64 package extracts with /x: to the recorded bytes and runs its entry command", async (t) => {
  const { wine, dir, result, env } = await makePackage(t);
  const out = join(dir, "extracted");
  const x = await run(wine, [result.layout.exe, "/quiet", `/x:${winePath(out)}`], { env });
  t.is(x.code, 0, x.stderr);
  for (const f of result.record.files) {
    const bytes = await readFile(join(out, f.path));
    t.is(createHash("sha256").update(bytes).digest("hex"), f.after.sha256, f.path);
  }
  const r = await run(wine, [result.layout.exe, "/quiet"], { env });
  t.is(r.code, 7, `the entry command's exit code comes back (${r.stderr})`);
});
