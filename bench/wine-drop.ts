/**
 * What the build and diff benchmarks share: a drop of real PE files (Wine's x64 DLLs) of a
 * given size, and the manifest that declares it.
 */
import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

/** Wine's x64 PE DLLs (Debian: wine64). */
export const WINE_DLLS = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";

/** Wine's DLLs in name order, until their sizes reach `targetBytes`. */
export async function pickWineDlls(targetBytes: number): Promise<{ name: string; size: number }[]> {
  const names = (await readdir(WINE_DLLS)).filter((n) => n.endsWith(".dll")).sort();
  const out: { name: string; size: number }[] = [];
  let total = 0;
  for (const name of names) {
    if (total >= targetBytes) break;
    const size = (await stat(join(WINE_DLLS, name))).size;
    out.push({ name, size });
    total += size;
  }
  return out;
}

/**
 * A manifest declaring `paths` (x64, fixed version and date, each PE stamped), titled
 * `title`. A path with folders ("r1/x.dll") is its entry's path and source; `data` names
 * files that are not PEs (shipped as they are).
 */
export function benchManifest(
  title: string,
  paths: readonly string[],
  data: ReadonlySet<string> = new Set(),
): string {
  const rows = paths
    .map((p) => {
      const name = p.split("/").at(-1)!;
      const row = [`  - name: ${JSON.stringify(name)}`];
      if (name !== p) row.push(`    path: ${JSON.stringify(p)}`);
      if (data.has(p)) row.push("    version: Not Applicable", "    platform: Not Applicable");
      return row.join("\n");
    })
    .join("\n");
  return `package:
  name: bench
  title: ${title}
  product: cabwright bench
  version: 1.0.100.0
  company: cabwright
  copyright: (c) cabwright
  platform: x64
defaults:
  version: 1.0.100.0
  date: 2024-01-02
  time: "03:04"
  platform: x64
files:
${rows}
`;
}

/**
 * `gcab -c -z OUT NAMES...` run in `cwd`: its wall time and its CPU (user + system, from
 * the shell's `times`, whose second line is the children's), in seconds.
 */
export async function gcabWrite(
  out: string,
  names: readonly string[],
  cwd: string,
): Promise<{ time: number; cpu: number }> {
  const t0 = performance.now();
  const r = await promisify(execFile)(
    "sh",
    ["-c", 'gcab -c -z "$@" && times', "sh", out, ...names],
    { cwd },
  );
  const time = (performance.now() - t0) / 1000;
  const cpu = (r.stdout.trim().split("\n").at(-1) ?? "")
    .split(/\s+/)
    .map((t) => /^(\d+)m([\d.]+)s$/.exec(t))
    .reduce((sum, m) => sum + (m ? Number(m[1]) * 60 + Number(m[2]) : 0), 0);
  return { time, cpu };
}

/** Run `fn`; its result and its wall time in seconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}
