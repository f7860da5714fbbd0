/**
 * A small package made at test time from nothing outside the repository: a stamped x86 DLL
 * (the demo's minimal PE), a text file and a data file, with its manifest. For the verify
 * and publish tests, which need a package in a second or two, and to tamper with it as an
 * attacker would: repacked with gcab (a writer that shares no code with ours) and
 * reassembled with the package's own stub, so the stub's checks all pass.
 */
import { mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { assembleSfx, locateCabinet, minimalPe } from "cabwright";
import { content } from "./cab-fixtures.js";
import { requirePeer, run } from "./peers.js";

/** The manifest's date and time for every file: 2010-06-29 18:08:00 UTC. */
export const SMALL_TIME = new Date(Date.UTC(2010, 5, 29, 18, 8, 0));

export const SMALL_FILES = ["app.dll", "readme.txt", "data.bin"] as const;

export const README = "Read me first.\r\nThis hotfix replaces app.dll.\r\n";

export interface SmallCase {
  readonly dir: string;
  readonly drop: string;
  readonly manifest: string;
  readonly out: string;
}

/** Write the drop and manifest under `dir`; `dataSeed` varies data.bin (same size). */
export async function smallCase(
  dir: string,
  opts: { dataSize?: number; dataSeed?: number; name?: string; platform?: "x86" | "x64" } = {},
): Promise<SmallCase> {
  const platform = opts.platform ?? "x86";
  const drop = join(dir, "drop");
  await mkdir(drop, { recursive: true });
  await writeFile(join(drop, "app.dll"), minimalPe({ arch: platform, dll: true, timestamp: 0 }));
  await writeFile(join(drop, "readme.txt"), README);
  await writeSmallData(drop, opts.dataSize ?? 64 * 1024, opts.dataSeed ?? 1);
  const manifest = join(dir, "small.yaml");
  await writeFile(
    manifest,
    `package:
  name: ${opts.name ?? "small"}
  title: Small hotfix
  product: Small
  version: 2.0.0.0
  company: Example
  copyright: (c) Example
  platform: ${platform}
defaults:
  date: 2010-06-29
  time: "18:08"
files:
  - name: app.dll
    version: 1.2.3.4
    platform: ${platform}
  - name: readme.txt
    version: Not Applicable
    platform: Not Applicable
  - name: data.bin
    version: Not Applicable
    platform: Not Applicable
`,
  );
  return { dir, drop, manifest, out: join(dir, "out") };
}

export async function writeSmallData(drop: string, size: number, seed: number): Promise<void> {
  await writeFile(join(drop, "data.bin"), content(size, "random", seed));
}

/**
 * A new package from `exe`'s own stub and a cabinet gcab makes of `files` (name -> bytes,
 * in that order), every file dated SMALL_TIME: what an attacker (or a broken tool) would
 * produce. The stub's checks all pass on it.
 */
export async function repack(
  exe: string,
  files: ReadonlyArray<readonly [string, Uint8Array]>,
  dir: string,
  outPath: string,
  /** Stored names to rewrite in the CFFILE table (same length), e.g. to make a duplicate gcab refuses. */
  renames: ReadonlyArray<readonly [string, string]> = [],
): Promise<void> {
  const gcab = requirePeer("gcab");
  const work = join(dir, `repack-${Math.random().toString(16).slice(2)}`);
  await mkdir(work, { recursive: true });
  const names: string[] = [];
  for (const [i, [name, bytes]] of files.entries()) {
    // gcab --nopath stores the base name: one folder per input keeps duplicates possible.
    const sub = join(work, String(i));
    await mkdir(sub);
    await writeFile(join(sub, name), bytes);
    await utimes(join(sub, name), SMALL_TIME, SMALL_TIME);
    names.push(join(String(i), name));
  }
  const cab = join(work, "repacked.cab");
  const r = await run(gcab, ["-c", "-z", "--nopath", cab, ...names], {
    cwd: work,
    env: { ...process.env, TZ: "UTC" },
  });
  if (r.code !== 0) throw new Error(`gcab failed: ${r.stderr}`);
  if (renames.length > 0) {
    const cabBytes = await readFile(cab);
    for (const [from, to] of renames) {
      if (from.length !== to.length) throw new Error("repack: a rename must keep the length");
      const at = cabBytes.indexOf(Buffer.from(`${from}\0`, "latin1"));
      if (at < 0) throw new Error(`repack: no stored name ${from}`);
      cabBytes.write(to, at, "latin1");
    }
    await writeFile(cab, cabBytes);
  }
  const bytes = await readFile(exe);
  const stub = join(work, "stub.exe");
  await writeFile(stub, bytes.subarray(0, locateCabinet(exe).header!.offset));
  await assembleSfx({ platform: "x86", cabinetPath: cab, outPath, stubPath: stub });
}

/** The file offset of a PE's first section's raw data (its code, in the minimal PE). */
export function firstSectionRaw(pe: Uint8Array): number {
  const v = new DataView(pe.buffer, pe.byteOffset, pe.byteLength);
  const nt = v.getUint32(0x3c, true);
  const optSize = v.getUint16(nt + 4 + 16, true);
  const section = nt + 4 + 20 + optSize;
  return v.getUint32(section + 20, true);
}
