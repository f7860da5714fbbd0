/**
 * Stamp throughput on real binaries: at least 200 of Wine's x64 DLLs, copied to a temp folder
 * and stamped in place (read, stamp, atomic write). Prints files/s, MB/s and peak memory, and
 * the ratio against a peer cab writer (gcab -z, MSZIP) over the same files, measured in the
 * same run: stamping must never be the slow stage of a build.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stampFile } from "../builder/stamp/file.js";
import { WINE_DLLS as WINE_DIR } from "./wine-drop.js";

const execFileP = promisify(execFile);

export interface StampBenchResult {
  readonly files: number;
  readonly megabytes: number;
  readonly seconds: number;
  readonly peakRssMb: number;
  readonly gcabSeconds: number | undefined;
}

export async function benchStamp(count = 240): Promise<StampBenchResult> {
  const names = (await readdir(WINE_DIR))
    .filter((f) => f.endsWith(".dll"))
    .sort()
    .slice(0, count);
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-stamp-"));
  try {
    let bytes = 0;
    const paths: string[] = [];
    for (const n of names) {
      const p = join(dir, n);
      await copyFile(join(WINE_DIR, n), p);
      bytes += (await stat(p)).size;
      paths.push(p);
    }
    let peak = process.memoryUsage().rss;
    const t0 = process.hrtime.bigint();
    for (const p of paths) {
      await stampFile(p, {
        fileVersion: "10.2.952.0",
        strings: { CompanyName: "Contoso Ltd.", ProductName: "Contoso Hotfix" },
      });
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
    let gcabSeconds: number | undefined;
    try {
      const g0 = process.hrtime.bigint();
      await execFileP("gcab", ["-c", "-z", "-n", join(dir, "peer.cab"), ...names], { cwd: dir });
      gcabSeconds = Number(process.hrtime.bigint() - g0) / 1e9;
    } catch {
      gcabSeconds = undefined;
    }
    return {
      files: paths.length,
      megabytes: bytes / 1e6,
      seconds,
      peakRssMb: peak / 1e6,
      gcabSeconds,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatStampBench(r: StampBenchResult): string {
  const lines = [
    `stamp: ${r.files} Wine x64 DLLs, ${r.megabytes.toFixed(1)} MB in ${r.seconds.toFixed(2)} s`,
    `  ${(r.files / r.seconds).toFixed(1)} files/s, ${(r.megabytes / r.seconds).toFixed(1)} MB/s, peak RSS ${r.peakRssMb.toFixed(0)} MB`,
  ];
  if (r.gcabSeconds !== undefined) {
    lines.push(
      `  gcab -z (peer cab writer, same files): ${r.gcabSeconds.toFixed(2)} s; stamp takes ${(r.seconds / r.gcabSeconds).toFixed(2)}x its time`,
    );
  } else {
    lines.push("  gcab not found: no peer ratio (install the Debian package gcab)");
  }
  return `${lines.join("\n")}\n`;
}
