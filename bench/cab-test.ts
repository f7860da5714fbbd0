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

const execFileP = promisify(execFile);
const WINE_DIR = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";
const MIN_BYTES = 100 * 1024 * 1024;
const cli = fileURLToPath(new URL("../builder/cli/main.js", import.meta.url));

interface Measured {
  readonly seconds: number;
  readonly maxRssMb: number;
}

/** Wall time and peak RSS of a command, via GNU time. */
async function measure(cmd: string, args: string[]): Promise<Measured> {
  const { stderr } = await execFileP("/usr/bin/time", ["-f", "BENCH %e %M", cmd, ...args], {
    maxBuffer: 256 << 20,
  });
  const m = /BENCH ([\d.]+) (\d+)/.exec(stderr);
  if (!m) throw new Error(`no timing from /usr/bin/time: ${stderr.slice(-500)}`);
  return { seconds: Number(m[1]), maxRssMb: Number(m[2]) / 1024 };
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
    const theirs = await measure("cabextract", ["-q", "-t", cab]);
    const ours = await measure(process.execPath, [cli, "cab", "test", cab]);
    console.log(
      `  cabextract -t   ${theirs.seconds.toFixed(2)} s   peak ${theirs.maxRssMb.toFixed(0)} MB`,
    );
    console.log(
      `  cabwright test  ${ours.seconds.toFixed(2)} s   peak ${ours.maxRssMb.toFixed(0)} MB`,
    );
    console.log(
      `  test time ratio ${(ours.seconds / theirs.seconds).toFixed(2)}x cabextract (target <= 1.2x); peak memory ${ours.maxRssMb.toFixed(0)} MB (target < 200 MB)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchCabTest();
}
