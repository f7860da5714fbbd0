/**
 * bench build: the whole `cabwright build` (collect, stamp, hashing, cabinet, stub,
 * read-back verify, record, article) of a drop of real PE files (Wine's x64 DLLs, every
 * file stamped) against `gcab -c -z` of the same files, run alternately in the same run
 * and repeated: the ratio is the median of the runs' ratios, printed with each stage's
 * share (wall and CPU), the peak RSS of the build's own process and the load average.
 *
 *   BENCH_BUILD_FILES  the drop: the N largest of Wine's DLLs (default 400, ~590 MB)
 *   BENCH_BUILD_MB     instead: Wine's DLLs in name order up to this many MB
 *   BENCH_REPEAT       runs of each (default 3)
 *
 * bench build-curve: how the cost grows. Drops of 50 MB to 2 GB of payload (Wine's DLLs
 * again and again, in folders r0/, r1/...), one build and one gcab each: seconds per MB and
 * the ratio; then the peak RSS with one large file: a 2 GB sparse data file, a 100 MB PE.
 *   BENCH_CURVE_MB     the sizes (default 50,100,200,500,1000,2000; 0: none)
 *
 * Each build runs in a child process (this module, argv "child"), so that its maxRSS is
 * its own, with the allocator settings the CLI gives a build (builder/cli/allocator.ts).
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import {
  copyFile,
  link,
  mkdir,
  mkdtemp,
  open,
  readdir,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ALLOCATOR_ENV, isGlibc, needsAllocatorRestart } from "../builder/cli/allocator.js";
import { build } from "../builder/pipeline/build.js";
import { type BuildProgress, type BuildStage, StageTimer } from "../builder/pipeline/progress.js";
import { benchManifest, gcabWrite, pickWineDlls, WINE_DLLS } from "./wine-drop.js";

const MiB = 1048576;

/** What one build in a child process reports. */
interface BuildRun {
  readonly seconds: number;
  /** user + system, every thread of the process (the compressing workers too). */
  readonly cpu: number;
  readonly maxRssMiB: number;
  readonly stages: readonly { stage: BuildStage; seconds: number; cpu: number }[];
  readonly cabinetBytes: number;
}

interface DropFile {
  /** Relative to the drop, "/"-separated. */
  readonly path: string;
  readonly size: number;
}

/** CPU seconds each stage took (the inner progress of a StageTimer). */
class StageCpu implements BuildProgress {
  readonly cpu = new Map<BuildStage, number>();
  private started = 0;
  begin(): void {
    this.started = cpuSeconds();
  }
  advance(): void {}
  end(stage: BuildStage): void {
    this.cpu.set(stage, (this.cpu.get(stage) ?? 0) + cpuSeconds() - this.started);
  }
  warn(): void {}
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** In the child: one build, its figures as one JSON line on stdout. */
async function child(args: { manifest: string; drop: string; out: string }): Promise<void> {
  const cpu = new StageCpu();
  const timer = new StageTimer(cpu);
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const result = await build({ ...args, progress: timer });
  const run: BuildRun = {
    seconds: (performance.now() - t0) / 1000,
    cpu: cpuSeconds() - c0,
    maxRssMiB: (process.resourceUsage().maxRSS * 1024) / MiB,
    stages: [...timer.ms].map(([stage, ms]) => ({
      stage,
      seconds: ms / 1000,
      cpu: cpu.cpu.get(stage) ?? 0,
    })),
    cabinetBytes: result.record.cabinet.size,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

async function buildInChild(manifest: string, drop: string, out: string): Promise<BuildRun> {
  await rm(out, { recursive: true, force: true });
  const arg = JSON.stringify({ manifest, drop, out });
  // The allocator `cabwright build` runs with (builder/cli/allocator.ts).
  const env = needsAllocatorRestart("build", {
    platform: process.platform,
    env: process.env,
    glibc: isGlibc,
  })
    ? { ...process.env, ...ALLOCATOR_ENV }
    : process.env;
  const p = spawn(process.execPath, [fileURLToPath(import.meta.url), "child", arg], {
    stdio: ["ignore", "pipe", "inherit"],
    env,
  });
  let stdout = "";
  p.stdout.on("data", (d) => {
    stdout += d;
  });
  const code = await new Promise<number | null>((resolve) => p.on("close", resolve));
  if (code !== 0) throw new Error(`bench build: the build exited ${code}`);
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as BuildRun;
}

/** One build, then gcab -c -z of the same files (its cabinet removed). */
async function buildThenGcab(
  dir: string,
  manifest: string,
  drop: string,
  files: readonly DropFile[],
): Promise<{ r: BuildRun; g: { time: number; cpu: number } }> {
  const r = await buildInChild(manifest, drop, join(dir, "out"));
  const cab = join(dir, "gcab.cab");
  const g = await gcabWrite(
    cab,
    files.map((f) => f.path),
    drop,
  );
  await rm(cab, { force: true });
  return { r, g };
}

/** Link (or copy) `from` to `to`: the drop costs no disk where the file system allows. */
async function place(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to));
}

/** A drop folder holding `files`, and its manifest (every file stamped). */
async function makeDrop(
  dir: string,
  files: readonly (DropFile & { readonly from?: string })[],
  data: ReadonlySet<string> = new Set(),
): Promise<{ drop: string; manifest: string }> {
  const drop = join(dir, "drop");
  await rm(drop, { recursive: true, force: true });
  for (const f of files) {
    const to = join(drop, f.path);
    await mkdir(join(to, ".."), { recursive: true });
    if (f.from) await place(f.from, to);
  }
  const manifest = join(dir, "bench.yaml");
  await writeFile(
    manifest,
    benchManifest(
      "Benchmark rollup",
      files.map((f) => f.path),
      data,
    ),
  );
  return { drop, manifest };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () => loadavg()[0]!.toFixed(1);
const mb = (bytes: number) => (bytes / MiB).toFixed(1);

/** The N largest DLLs (ties by name), or BENCH_BUILD_MB's name-order pick. */
async function benchDrop(): Promise<DropFile[]> {
  if (process.env.BENCH_BUILD_MB) {
    const picked = await pickWineDlls(Number(process.env.BENCH_BUILD_MB) * MiB);
    return picked.map((f) => ({ path: f.name, size: f.size }));
  }
  const n = Number(process.env.BENCH_BUILD_FILES ?? 400);
  const all = await wineDlls();
  return [...all].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1)).slice(0, n);
}

async function wineDlls(): Promise<DropFile[]> {
  const names = (await readdir(WINE_DLLS)).filter((n) => n.endsWith(".dll")).sort();
  return Promise.all(
    names.map(async (path) => ({ path, size: (await stat(join(WINE_DLLS, path))).size })),
  );
}

function printStages(runs: readonly BuildRun[]): void {
  const total = median(runs.map((r) => r.seconds));
  const totalCpu = median(runs.map((r) => r.cpu));
  process.stdout.write(
    `  stage      wall s  share   CPU s  share  (medians of ${runs.length}; CPU counts every thread)\n`,
  );
  for (const { stage } of runs[0]!.stages) {
    const pick = (f: (s: BuildRun["stages"][number]) => number) =>
      median(runs.map((r) => f(r.stages.find((s) => s.stage === stage)!)));
    const s = pick((x) => x.seconds);
    const c = pick((x) => x.cpu);
    process.stdout.write(
      `  ${stage.padEnd(9)} ${s.toFixed(2).padStart(7)} ${((100 * s) / total).toFixed(1).padStart(5)}% ${c.toFixed(2).padStart(7)} ${((100 * c) / totalCpu).toFixed(1).padStart(5)}%\n`,
    );
  }
}

export async function run(): Promise<void> {
  if (!existsSync(WINE_DLLS))
    throw new Error(`bench build needs Wine's DLLs in ${WINE_DLLS} (Debian: wine64)`);
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-build-"));
  try {
    const files = await benchDrop();
    const { drop, manifest } = await makeDrop(
      dir,
      files.map((f) => ({ ...f, from: join(WINE_DLLS, f.path) })),
    );
    const bytes = files.reduce((n, f) => n + f.size, 0);
    process.stdout.write(
      `drop: ${files.length} DLLs, ${mb(bytes)} MiB, every file stamped; ${repeat} runs of each, alternating\n`,
    );
    const ours: BuildRun[] = [];
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const l0 = load();
      const { r, g } = await buildThenGcab(dir, manifest, drop, files);
      ours.push(r);
      ratios.push(r.seconds / g.time);
      cpuRatios.push(r.cpu / g.cpu);
      process.stdout.write(
        `  run ${i + 1}: build ${r.seconds.toFixed(2)} s (CPU ${r.cpu.toFixed(2)} s, peak ${r.maxRssMiB.toFixed(0)} MiB), gcab -c -z ${g.time.toFixed(2)} s (CPU ${g.cpu.toFixed(2)} s): ${(r.seconds / g.time).toFixed(2)}x; load ${l0} -> ${load()}\n`,
      );
    }
    const s = median(ours.map((r) => r.seconds));
    process.stdout.write(
      `build: ${s.toFixed(2)} s, ${(bytes / MiB / s).toFixed(1)} MiB/s; cabinet ${ours[0]!.cabinetBytes} bytes (${((100 * ours[0]!.cabinetBytes) / bytes).toFixed(1)}% of input); peak RSS ${Math.max(...ours.map((r) => r.maxRssMiB)).toFixed(0)} MiB\n`,
    );
    process.stdout.write(
      `build / gcab -c -z of the same files: ${median(ratios).toFixed(2)}x the time (median of ${repeat}; target <= 0.8x), ${median(cpuRatios).toFixed(2)}x the CPU\n`,
    );
    printStages(ours);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `count` files cycling through Wine's DLLs, in folders r0/, r1/..., until `bytes`. */
function repeatedDrop(dlls: readonly DropFile[], bytes: number): (DropFile & { from: string })[] {
  const out: (DropFile & { from: string })[] = [];
  let total = 0;
  for (let k = 0; total < bytes; k++) {
    const f = dlls[k % dlls.length]!;
    out.push({
      path: `r${Math.floor(k / dlls.length)}/${f.path}`,
      size: f.size,
      from: join(WINE_DLLS, f.path),
    });
    total += f.size;
  }
  return out;
}

/** A DLL of about `bytes` (a 100 MB initialised array), built with mingw-w64. */
async function bigPe(dir: string, bytes: number): Promise<string> {
  const c = join(dir, "big.c");
  await writeFile(
    c,
    `/* bench build-curve: one large PE */\n__declspec(dllexport) const unsigned char big[${bytes}] = {1, 2, 3};\n__declspec(dllexport) int answer(void) { return big[1]; }\n`,
  );
  const out = join(dir, "big.dll");
  await promisify(execFile)("x86_64-w64-mingw32-gcc", ["-shared", "-O1", "-o", out, c]).catch(
    (err: Error) => {
      throw new Error(
        `bench build-curve needs x86_64-w64-mingw32-gcc (Debian: gcc-mingw-w64-x86-64): ${err.message.split("\n")[0]}`,
      );
    },
  );
  return out;
}

export async function runCurve(): Promise<void> {
  if (!existsSync(WINE_DLLS))
    throw new Error(`bench build-curve needs Wine's DLLs in ${WINE_DLLS} (Debian: wine64)`);
  // BENCH_CURVE_MB=0: only the large-file figures.
  const sizes = (process.env.BENCH_CURVE_MB ?? "50,100,200,500,1000,2000")
    .split(",")
    .map(Number)
    .filter((n) => n > 0);
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-curve-"));
  try {
    const dlls = await wineDlls();
    process.stdout.write(
      "payload MiB  files  build s  s/GiB  gcab s  ratio  peak RSS  load  (every file stamped)\n",
    );
    for (const size of sizes) {
      const files = repeatedDrop(dlls, size * MiB);
      const { drop, manifest } = await makeDrop(dir, files);
      const l0 = load();
      const { r, g } = await buildThenGcab(dir, manifest, drop, files);
      const bytes = files.reduce((n, f) => n + f.size, 0);
      process.stdout.write(
        `${mb(bytes).padStart(11)} ${String(files.length).padStart(6)} ${r.seconds.toFixed(2).padStart(8)} ${((r.seconds * 1024 * MiB) / bytes).toFixed(2).padStart(6)} ${g.time.toFixed(2).padStart(7)} ${(r.seconds / g.time).toFixed(2).padStart(6)} ${`${r.maxRssMiB.toFixed(0)} MiB`.padStart(9)}  ${l0}-${load()}\n`,
      );
    }
    // One large file each (a folder holds at most 65,535 blocks: 2 GB, not 2 GiB): a 2 GB sparse data file (not stamped) and a 100 MB PE (stamped).
    const some = dlls.slice(0, 8).map((f) => ({ ...f, from: join(WINE_DLLS, f.path) }));
    const pe = await bigPe(dir, 100 * 1000 * 1000);
    const peSize = (await stat(pe)).size;
    const singles = [
      { what: "a 2 GB sparse data file + 8 DLLs", big: { path: "data.bin", size: 2e9 } },
      {
        what: `a ${mb(peSize)} MiB PE (stamped) + 8 DLLs`,
        big: { path: "big.dll", size: peSize, from: pe },
      },
    ];
    for (const s of singles) {
      const isData = !("from" in s.big);
      const { drop, manifest } = await makeDrop(
        dir,
        [...some, s.big],
        new Set(isData ? [s.big.path] : []),
      );
      if (isData) {
        const fh = await open(join(drop, s.big.path), "w");
        await fh.truncate(s.big.size);
        await fh.close();
      }
      const l0 = load();
      const r = await buildInChild(manifest, drop, join(dir, "out"));
      process.stdout.write(
        `${s.what}: build ${r.seconds.toFixed(2)} s, peak RSS ${r.maxRssMiB.toFixed(0)} MiB (target < 200 MB); load ${l0}-${load()}\n`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "child" && process.argv[1] === fileURLToPath(import.meta.url)) {
  await child(JSON.parse(process.argv[3]!));
}
