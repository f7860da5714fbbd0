/**
 * Bench: test a >= 100 MB MSZIP cabinet of Wine's x64 DLLs (made here with `gcab -c -z`)
 * with our reader and with `cabextract -t`, in the same run; print times, their ratio and
 * peak memory (max RSS from /usr/bin/time). Targets: <= 1.2x cabextract, < 200 MB.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { WINE_DLLS as WINE_DIR } from "./wine-drop.js";

const execFileP = promisify(execFile);
const MIN_BYTES = 100 * 1024 * 1024;
const cli = fileURLToPath(new URL("../builder/cli/main.js", import.meta.url));
const library = new URL("../builder/cab/index.js", import.meta.url).href;
/** The library alone in a fresh node: `openCabinet(cab).test()`, exit 2 when not ok. */
const libraryScript = `import(${JSON.stringify(library)}).then(async (m) => {
  const cab = await m.openCabinet(process.argv[1]);
  const report = await cab.test();
  await cab.close();
  if (!report.ok) { console.error(report.errors[0]); process.exit(2); }
});`;

interface Measured {
  readonly seconds: number;
  /** User + system CPU seconds: steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  readonly maxRssMb: number;
}

const ROUNDS = 3;

/** The best of several runs: least wall time, least CPU, most memory seen. */
function best(runs: readonly Measured[]): Measured {
  return {
    seconds: Math.min(...runs.map((r) => r.seconds)),
    cpuSeconds: Math.min(...runs.map((r) => r.cpuSeconds)),
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
  };
}

/** Wall time and peak RSS of a command, via GNU time. */
async function measure(cmd: string, args: string[]): Promise<Measured> {
  const { stderr } = await execFileP("/usr/bin/time", ["-f", "BENCH %e %U %S %M", cmd, ...args], {
    maxBuffer: 256 << 20,
  });
  const m = /BENCH ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  if (!m) throw new Error(`no timing from /usr/bin/time: ${stderr.slice(-500)}`);
  return {
    seconds: Number(m[1]),
    cpuSeconds: Number(m[2]) + Number(m[3]),
    maxRssMb: Number(m[4]) / 1024,
  };
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
      `cab test: ${inputs.length} Wine x64 DLLs, ${(total / 1048576).toFixed(1)} MB -> ${(cabSize / 1048576).toFixed(1)} MB MSZIP (gcab -c -z)`,
    );
    // Warm the page cache so both readers see the same conditions.
    await execFileP("cat", [cab], { maxBuffer: 1 << 30 }).catch(() => undefined);
    // Alternate the two, three rounds, and keep each one's best: the machine is shared.
    const theirRuns: Measured[] = [];
    const ourRuns: Measured[] = [];
    const libRuns: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      theirRuns.push(await measure("cabextract", ["-q", "-t", cab]));
      ourRuns.push(await measure(process.execPath, [cli, "cab", "test", cab]));
      libRuns.push(await measure(process.execPath, ["-e", libraryScript, cab]));
    }
    const theirs = best(theirRuns);
    const ours = best(ourRuns);
    const lib = best(libRuns);
    const row = (label: string, m: Measured) =>
      `  ${label.padEnd(16)} ${m.seconds.toFixed(2)} s wall  ${m.cpuSeconds.toFixed(2)} s CPU  peak ${m.maxRssMb.toFixed(0)} MB`;
    console.log(row("cabextract -t", theirs));
    console.log(row("cabwright test", ours));
    console.log(row("library test()", lib));
    const ratio = (m: Measured) =>
      `${(m.seconds / theirs.seconds).toFixed(2)}x wall, ${(m.cpuSeconds / theirs.cpuSeconds).toFixed(2)}x CPU`;
    console.log(
      `  test time vs cabextract -t (target <= 1.2x): CLI ${ratio(ours)}; library ${ratio(lib)}`,
    );
    console.log(`  peak memory ${ours.maxRssMb.toFixed(0)} MB (target < 200 MB)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchCabTest();
}
