/**
 * What the cab benches share: one command timed whole-process by GNU time (wall, CPU,
 * peak RSS), medians over rounds that alternate the tools compared, and the load average
 * beside every figure (the machine is shared: ratios measured in the same run count).
 */
import { execFile } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

export interface Measured {
  readonly seconds: number;
  /** User + system CPU seconds: steadier than wall time on a shared machine. */
  readonly cpuSeconds: number;
  readonly maxRssMb: number;
}

/** Wall time, CPU and peak RSS of a command (run in `cwd`), via GNU time. */
export async function measure(cmd: string, args: string[], cwd?: string): Promise<Measured> {
  const { stderr } = await execFileP("/usr/bin/time", ["-f", "BENCH %e %U %S %M", cmd, ...args], {
    maxBuffer: 256 << 20,
    ...(cwd ? { cwd } : {}),
  });
  const m = /BENCH ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  if (!m) throw new Error(`no timing from /usr/bin/time: ${stderr.slice(-500)}`);
  return {
    seconds: Number(m[1]),
    cpuSeconds: Number(m[2]) + Number(m[3]),
    maxRssMb: Number(m[4]) / 1024,
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Medians of wall and CPU, the most memory seen. */
export function summarize(runs: readonly Measured[]): Measured {
  return {
    seconds: median(runs.map((r) => r.seconds)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
  };
}

/**
 * Run each named tool once per round, alternating, `rounds` times (`before` runs ahead
 * of each, untimed: e.g. emptying an output folder); the medians per tool.
 */
export async function rounds(
  count: number,
  tools: ReadonlyArray<{
    readonly label: string;
    readonly run: () => Promise<Measured>;
    readonly before?: () => Promise<void>;
  }>,
): Promise<Map<string, Measured>> {
  const runs = new Map<string, Measured[]>(tools.map((t) => [t.label, []]));
  for (let r = 0; r < count; r++) {
    for (const t of tools) {
      await t.before?.();
      runs.get(t.label)!.push(await t.run());
    }
  }
  return new Map([...runs].map(([k, v]) => [k, summarize(v)]));
}

/** "load 7.9 8.1 6.0" (1, 5 and 15 minutes). */
export function load(): string {
  return `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`;
}

export function row(label: string, m: Measured, base?: Measured): string {
  const ratio = base
    ? `  ${(m.seconds / base.seconds).toFixed(2)}x wall, ${(m.cpuSeconds / base.cpuSeconds).toFixed(2)}x CPU`
    : "";
  return `  ${label.padEnd(24)} ${m.seconds.toFixed(2)} s wall  ${m.cpuSeconds.toFixed(2)} s CPU  peak ${m.maxRssMb.toFixed(0)} MB${ratio}`;
}

/** A `before` step: `dir` emptied (made if missing), so each extraction starts alike. */
export function freshDir(dir: string): () => Promise<void> {
  return async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
  };
}

/** The built CLI, run by node. */
export const CLI = fileURLToPath(new URL("../builder/cli/main.js", import.meta.url));

/** `cabextract -d` and `cabwright cab extract` of `cab` into `out` (emptied before each). */
export function extractTools(cab: string, out: string) {
  const before = freshDir(out);
  return [
    {
      label: "cabextract -d",
      before,
      run: () => measure("cabextract", ["-q", "-d", out, cab]),
    },
    {
      label: "cabwright cab extract",
      before,
      run: () => measure(process.execPath, [CLI, "cab", "extract", "-C", out, cab]),
    },
  ] as const;
}
