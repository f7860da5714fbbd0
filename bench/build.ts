/**
 * bench build: `cabwright build` of a ~300 MB drop of real PE files (Wine's x64 DLLs,
 * copied into a temporary drop with a generated manifest), printing each stage's share
 * of the time, and gcab compressing the same files in the same run for scale.
 * BENCH_BUILD_MB sets the drop size (default 300).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "../builder/pipeline/build.js";
import { StageTimer } from "../builder/pipeline/progress.js";
import { benchManifest, pickWineDlls, WINE_DLLS } from "./wine-drop.js";

const execFileP = promisify(execFile);

export async function run(): Promise<void> {
  if (!existsSync(WINE_DLLS))
    throw new Error(`bench build needs Wine's DLLs in ${WINE_DLLS} (Debian: wine64)`);
  const mb = Number(process.env.BENCH_BUILD_MB ?? 300);
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-build-"));
  try {
    const files = await pickWineDlls(mb * 1048576);
    const drop = join(dir, "drop");
    await mkdir(drop);
    for (const f of files) await copyFile(join(WINE_DLLS, f.name), join(drop, f.name));
    const manifest = join(dir, "bench.yaml");
    await writeFile(
      manifest,
      benchManifest(
        "Benchmark rollup",
        files.map((f) => f.name),
      ),
    );
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
