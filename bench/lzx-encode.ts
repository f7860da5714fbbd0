/**
 * LZX writing, part of `npm run bench lzx`: a cabinet of real PE files (Wine's x64 DLLs in
 * name order, LZX_BENCH_BYTES of them) written as LZX:21 fast and best, against gcab's
 * MSZIP (`gcab -c -z`, time and size) and `xz -9` (size of the same bytes as one stream),
 * all in the same run. Also: what splitting a folder into 4 MiB jobs (for threads) costs,
 * against one job over the whole folder, and our peak memory (RSS sampled every 10 ms).
 * Targets (issue 14): size <= 0.80x gcab (fast), <= 0.76x (best); fast's time <= 3x
 * gcab's on 2 cores; peak RSS < 300 MB.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { encodeLzxJob } from "../builder/cab/codecs/lzx/encode.js";
import { type CabInputFile, type LzxLevel, writeCabinet } from "../builder/cab/index.js";
import { gcabWrite, pickWineDlls, timed, WINE_DLLS } from "./wine-drop.js";

const execFileP = promisify(execFile);
const MB = 1024 * 1024;
/** Corpus size: big enough for many jobs per thread, small enough for best's pace. */
const LZX_BENCH_BYTES = 48 * MB;

export async function benchLzxEncode(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-lzxenc-"));
  try {
    const picked = await pickWineDlls(LZX_BENCH_BYTES);
    const files: CabInputFile[] = picked.map((f) => ({
      name: f.name,
      source: join(WINE_DLLS, f.name),
      size: f.size,
      date: new Date(Date.UTC(2024, 0, 2)),
    }));
    const total = files.reduce((n, f) => n + f.size, 0);
    const paths = files.map((f) => f.source as string);
    console.log(
      `lzx encode: ${files.length} Wine x64 DLLs, ${(total / MB).toFixed(1)} MiB, ${availableParallelism()} cores`,
    );
    await execFileP("sh", ["-c", 'cat "$@" > /dev/null', "sh", ...paths]);

    const gcabOut = join(dir, "gcab.cab");
    const { time: gcabTime, cpu: gcabCpu } = await gcabWrite(
      gcabOut,
      files.map((f) => f.name),
      WINE_DLLS,
    );
    const gcabSize = (await stat(gcabOut)).size;
    const xzOut = join(dir, "all.xz");
    await execFileP("sh", ["-c", 'cat "$@" | xz -9 -T1 -c > "$0"', xzOut, ...paths], {
      maxBuffer: 1024,
    });
    const xzSize = (await stat(xzOut)).size;

    const row = (label: string, value: string) => console.log(`  ${label.padEnd(40)} ${value}`);
    row(
      "gcab -c -z (MSZIP)",
      `${gcabTime.toFixed(2)} s (CPU ${gcabCpu.toFixed(2)} s), ${gcabSize} bytes`,
    );
    row("xz -9 (one stream)", `${xzSize} bytes`);
    let fastPayload = 0;
    for (const level of ["fast", "best"] as LzxLevel[]) {
      const out = join(dir, `${level}.cab`);
      let peak = process.memoryUsage.rss();
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage.rss());
      }, 10);
      const cpu0 = process.cpuUsage();
      const [r, time] = await timed(() =>
        writeCabinet(out, files, { compression: { type: "lzx", windowBits: 21, level } }),
      );
      const cpu = process.cpuUsage(cpu0); // all our threads
      clearInterval(sampler);
      const size = r.cabinets[0]!.size;
      if (level === "fast") fastPayload = r.compressedBytes;
      const target = level === "fast" ? 0.8 : 0.76;
      row(
        `LZX:21 ${level}`,
        `${time.toFixed(2)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s), ${size} bytes, peak RSS ${(peak / MB).toFixed(0)} MiB`,
      );
      row(`  size / gcab MSZIP`, `${(size / gcabSize).toFixed(3)}x (target <= ${target})`);
      row(`  size / xz -9`, `${(size / xzSize).toFixed(3)}x`);
      row(
        `  time / gcab MSZIP`,
        `${(time / gcabTime).toFixed(2)}x${level === "fast" ? " (target <= 3)" : ""}`,
      );
    }
    // The price of independent 4 MiB jobs: one job over the whole folder, fast.
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of paths) {
      const b = await readFile(p);
      all.set(b, at);
      at += b.length;
    }
    const whole = encodeLzxJob({
      windowBits: 21,
      level: "fast",
      e8: true,
      data: all,
      history: undefined,
      folderOffset: 0,
    });
    const one = whole.payloads.length;
    row(
      "cost of 4 MiB jobs (fast, compressed data)",
      `${fastPayload} vs ${one} bytes as one job: +${(((fastPayload - one) / one) * 100).toFixed(2)}%`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
