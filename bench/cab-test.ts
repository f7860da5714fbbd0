/**
 * Bench: read a >= 100 MB MSZIP cabinet of Wine's x64 DLLs (made here with `gcab -c -z`):
 * `cab test` against `cabextract -t` and `7zz t`, `cab extract` against `cabextract -d`
 * and `7zz x`, whole process, alternating, medians of ROUNDS, with the load average; and
 * node's own start-up beside ours (`--version`). Targets (issue 18): extract <= 1.0x
 * cabextract, test <= 0.6x cabextract, peak memory < 200 MB.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CLI, extractTools, freshDir, load, measure, rounds, row } from "./measure.js";
import { WINE_DLLS as WINE_DIR } from "./wine-drop.js";

const execFileP = promisify(execFile);
const MIN_BYTES = 100 * 1024 * 1024;
const ROUNDS = 5;

/** Extract and test `cab` with ours and the peers; print medians and ratios. */
export async function readBench(cab: string, dir: string, count = ROUNDS): Promise<void> {
  // Warm the page cache so every reader sees the same conditions.
  await execFileP("cat", [cab], { maxBuffer: 1 << 30 }).catch(() => undefined);
  const out = join(dir, "out");
  console.log(`  test (${load()})`);
  const t = await rounds(count, [
    { label: "cabextract -t", run: () => measure("cabextract", ["-q", "-t", cab]) },
    {
      label: "cabwright cab test",
      run: () => measure(process.execPath, [CLI, "cab", "test", cab]),
    },
    { label: "7zz t", run: () => measure("7zz", ["t", "-bd", cab]) },
  ]);
  const tBase = t.get("cabextract -t")!;
  for (const [label, m] of t) console.log(row(label, m, tBase));
  console.log(`  extract (${load()})`);
  const x = await rounds(count, [
    ...extractTools(cab, out),
    {
      label: "7zz x",
      before: freshDir(out),
      run: () => measure("7zz", ["x", "-bd", "-y", `-o${out}`, cab]),
    },
  ]);
  await rm(out, { recursive: true, force: true });
  const xBase = x.get("cabextract -d")!;
  for (const [label, m] of x) console.log(row(label, m, xBase));
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const ourTest = t.get("cabwright cab test")!;
  const ourExtract = x.get("cabwright cab extract")!;
  console.log(
    `  cab test / cabextract -t ${ratio(ourTest.seconds, tBase.seconds)}x wall (target <= 0.60); cab extract / cabextract -d ${ratio(ourExtract.seconds, xBase.seconds)}x wall (target <= 1.00); peak ${Math.max(ourTest.maxRssMb, ourExtract.maxRssMb).toFixed(0)} MB (target < 200) (${load()})`,
  );
}

export async function benchCabTest(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-"));
  try {
    const names = (await readdir(WINE_DIR)).filter((n) => n.endsWith(".dll")).sort();
    const inputs: string[] = [];
    let total = 0;
    for (const n of names) {
      if (total >= MIN_BYTES) break;
      const p = join(WINE_DIR, n);
      total += (await stat(p)).size;
      inputs.push(p);
    }
    const cab = join(dir, "wine-x64.cab");
    await execFileP("gcab", ["-c", "-z", "-n", cab, ...inputs], { maxBuffer: 64 << 20 });
    const cabSize = (await stat(cab)).size;
    console.log(
      `cab test / extract: ${inputs.length} Wine x64 DLLs, ${(total / 1048576).toFixed(1)} MB -> ${(cabSize / 1048576).toFixed(1)} MB MSZIP (gcab -c -z), medians of ${ROUNDS}`,
    );
    const start = await rounds(ROUNDS, [
      { label: "node -e 0", run: () => measure(process.execPath, ["-e", "0"]) },
      { label: "cabwright --version", run: () => measure(process.execPath, [CLI, "--version"]) },
    ]);
    console.log(`  start-up (${load()})`);
    for (const [label, m] of start) console.log(row(label, m));
    await readBench(cab, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchCabTest();
}
