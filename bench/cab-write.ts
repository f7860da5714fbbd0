/**
 * Writer benchmark: a cabinet of >= 100 MB of real PE files (Wine's x64 DLLs), ours
 * against `gcab -c -z` measured in the same run. Prints time and size ratios, our peak
 * memory (RSS sampled every 10 ms during the write, and the process's maxRSS) and the
 * time `cabextract -t` takes to test each cabinet. Targets (issue 3): write <= 0.6x
 * gcab's time, size <= gcab's, peak memory < 200 MB.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type CabInputFile, writeCabinet } from "@cabwright/cab";
import { WINE_DLLS as DLL_DIR, gcabWrite, timed } from "./wine-drop.js";

const execFileP = promisify(execFile);
const MIN_BYTES = 100 * 1024 * 1024;
const MB = 1024 * 1024;

async function inputs(): Promise<CabInputFile[]> {
  const names = (await readdir(DLL_DIR)).filter((n) => n.endsWith(".dll")).sort();
  const files: CabInputFile[] = [];
  let total = 0;
  for (const name of names) {
    const st = await stat(join(DLL_DIR, name));
    files.push({ name, source: join(DLL_DIR, name), size: st.size, date: st.mtime });
    total += st.size;
    if (total >= MIN_BYTES) break;
  }
  return files;
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-"));
  try {
    const files = await inputs();
    const total = files.reduce((n, f) => n + f.size, 0);
    console.log(`cab-write: ${files.length} Wine x64 DLLs, ${(total / MB).toFixed(1)} MiB`);

    // Warm the page cache so neither side pays the first read.
    await execFileP("sh", [
      "-c",
      'cat "$@" > /dev/null',
      "sh",
      ...files.map((f) => f.source as string),
    ]);

    const ours = join(dir, "ours.cab");
    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 10);
    const cpu0 = process.cpuUsage();
    const [result, oursTime] = await timed(() => writeCabinet(ours, files));
    const cpu = process.cpuUsage(cpu0); // all our threads
    clearInterval(sampler);
    const oursCpu = (cpu.user + cpu.system) / 1e6;
    const oursSize = result.cabinets[0]!.size;

    const gcabOut = join(dir, "gcab.cab");
    const { time: gcabTime, cpu: gcabCpu } = await gcabWrite(
      gcabOut,
      files.map((f) => f.name),
      DLL_DIR,
    );
    const gcabSize = (await stat(gcabOut)).size;

    const [, testOurs] = await timed(() => execFileP("cabextract", ["-t", ours]));
    const [, testGcab] = await timed(() => execFileP("cabextract", ["-t", gcabOut]));

    const maxRss = process.resourceUsage().maxRSS * 1024;
    const row = (label: string, value: string) => console.log(`  ${label.padEnd(34)} ${value}`);
    row("ours (threads: default)", `${oursTime.toFixed(2)} s, ${oursSize} bytes`);
    row("gcab -c -z", `${gcabTime.toFixed(2)} s, ${gcabSize} bytes`);
    row("write time ours / gcab", `${(oursTime / gcabTime).toFixed(2)}x (target <= 0.60)`);
    row("CPU time ours / gcab", `${oursCpu.toFixed(2)} s / ${gcabCpu.toFixed(2)} s`);
    row("size ours / gcab", `${(oursSize / gcabSize).toFixed(3)}x (target <= 1.000)`);
    row("peak RSS during write (sampled)", `${(peakRss / MB).toFixed(0)} MiB (target < 200)`);
    row("process maxRSS", `${(maxRss / MB).toFixed(0)} MiB`);
    row("cabextract -t ours / gcab's", `${testOurs.toFixed(2)} s / ${testGcab.toFixed(2)} s`);
    row("compressor", `${result.compressor.name} ${result.compressor.version}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
