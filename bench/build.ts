/**
 * bench build: `cabwright build` of a ~300 MB drop of real PE files (Wine's x64 DLLs,
 * copied into a temporary drop with a generated manifest), printing each stage's share
 * of the time, and gcab compressing the same files in the same run for scale.
 * BENCH_BUILD_MB sets the drop size (default 300).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "../builder/build/build.js";
import { StageTimer } from "../builder/build/progress.js";

const WINE_DLLS = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
const execFileP = promisify(execFile);

async function pickDlls(targetBytes: number): Promise<{ name: string; size: number }[]> {
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

function manifestFor(files: readonly { name: string }[]): string {
  const rows = files.map((f) => `  - name: ${JSON.stringify(f.name)}`).join("\n");
  return `package:
  name: bench
  title: Benchmark rollup
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

export async function run(): Promise<void> {
  if (!existsSync(WINE_DLLS))
    throw new Error(`bench build needs Wine's DLLs in ${WINE_DLLS} (Debian: wine64)`);
  const mb = Number(process.env.BENCH_BUILD_MB ?? 300);
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-build-"));
  try {
    const files = await pickDlls(mb * 1048576);
    const drop = join(dir, "drop");
    await mkdir(drop);
    for (const f of files) await copyFile(join(WINE_DLLS, f.name), join(drop, f.name));
    const manifest = join(dir, "bench.yaml");
    await writeFile(manifest, manifestFor(files));
    const bytes = files.reduce((n, f) => n + f.size, 0);
    process.stdout.write(`drop: ${files.length} DLLs, ${(bytes / 1048576).toFixed(1)} MB\n`);

    const timer = new StageTimer();
    const t0 = performance.now();
    const result = await build({ manifest, drop, out: join(dir, "out"), progress: timer });
    const total = performance.now() - t0;
    process.stdout.write(
      `build: ${(total / 1000).toFixed(2)} s, ${(bytes / 1048576 / (total / 1000)).toFixed(1)} MB/s; cabinet ${result.record.cabinet.size} bytes (${((100 * result.record.cabinet.size) / bytes).toFixed(1)}% of input)\n`,
    );
    for (const [stage, ms] of timer.ms) {
      process.stdout.write(
        `  ${stage.padEnd(9)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${((100 * ms) / total).toFixed(1).padStart(5)}%\n`,
      );
    }
    const cabMs = timer.ms.get("cabinet");
    try {
      const g0 = performance.now();
      await execFileP("gcab", ["-c", "-z", join(dir, "gcab.cab"), ...files.map((f) => f.name)], {
        cwd: drop,
      });
      const gms = performance.now() - g0;
      process.stdout.write(
        `gcab -c -z of the same files: ${(gms / 1000).toFixed(2)} s${cabMs ? `; our cabinet stage takes ${(cabMs / gms).toFixed(2)}x gcab's time` : ""}\n`,
      );
    } catch (err) {
      process.stdout.write(`gcab not measured (${(err as Error).message.split("\n")[0]})\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
