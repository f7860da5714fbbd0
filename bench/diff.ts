/**
 * bench diff: `cabwright diff` of two ~300 MB packages of real PE files (Wine's x64 DLLs),
 * drop B differing from drop A in known ways (a rebuilt file, a removed one, an added
 * one). The packages are built by `cabwright build` (.exe: stub + MSZIP cabinet, every
 * DLL stamped); BENCH_DIFF_PACKAGER=gcab uses gcab's .cab instead. Prints wall time and
 * peak memory of the diff (a child process, measured by /usr/bin/time), and, for scale,
 * cabextract testing both cabinets in the same run (a full decode of both, no hashing or
 * PE reading). BENCH_DIFF_MB sets the size (300).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "../builder/pipeline/build.js";
import { benchManifest, pickWineDlls, WINE_DLLS } from "./wine-drop.js";

const CLI = fileURLToPath(new URL("../builder/cli/main.js", import.meta.url));
const execFileP = promisify(execFile);

interface Measured {
  readonly seconds: number;
  readonly peakMb: number;
  readonly stdout: string;
}

/** Run a command under /usr/bin/time: wall seconds and peak RSS. */
async function measure(cmd: string, args: readonly string[]): Promise<Measured> {
  const r = await execFileP("/usr/bin/time", ["-f", "%e %M", cmd, ...args], {
    maxBuffer: 256 << 20,
  }).catch((err: { stdout?: string; stderr?: string; code?: number }) => {
    // diff exits 0 here; cabextract -t exits 0 on good cabinets. Anything else is a failure.
    throw new Error(`${cmd} ${args.join(" ")} failed (${err.code}):\n${err.stderr}`);
  });
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [seconds, kb] = last.split(" ").map(Number);
  return { seconds: seconds ?? Number.NaN, peakMb: (kb ?? Number.NaN) / 1024, stdout: r.stdout };
}

/** Build a drop with cabwright; returns the .exe and its .cab. */
async function cabwrightBuild(
  dir: string,
  drop: string,
  names: readonly string[],
): Promise<{ exe: string; cab: string }> {
  const manifest = join(dir, "bench.yaml");
  await writeFile(manifest, benchManifest("Diff benchmark", names));
  await build({ manifest, drop, out: join(dir, "out"), sourceDateEpoch: "1704164640" });
  const base = join(dir, "out", "bench", "bench");
  return { exe: `${base}.exe`, cab: `${base}.cab` };
}

async function gcab(cab: string, dir: string, names: readonly string[]): Promise<void> {
  await execFileP("gcab", ["-c", "-z", "-n", cab, ...names.map((n) => join(dir, n))], {
    maxBuffer: 64 << 20,
    env: { ...process.env, TZ: "UTC" },
  });
}

export async function run(): Promise<void> {
  if (!existsSync(WINE_DLLS)) {
    throw new Error(`bench diff needs Wine's DLLs in ${WINE_DLLS} (Debian: wine64)`);
  }
  for (const tool of ["gcab", "cabextract"]) {
    if (!existsSync(`/usr/bin/${tool}`))
      throw new Error(`bench diff needs ${tool} (Debian: ${tool})`);
  }
  const mb = Number(process.env.BENCH_DIFF_MB ?? 300);
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-diff-"));
  try {
    const names = (await pickWineDlls(mb * 1048576)).map((f) => f.name);
    const a = join(dir, "a");
    const b = join(dir, "b");
    await mkdir(a);
    await mkdir(b);
    for (const n of names) {
      await copyFile(join(WINE_DLLS, n), join(a, n));
      await copyFile(join(WINE_DLLS, n), join(b, n));
    }
    // B: the middle file rebuilt (one byte of its last section changed), the first file
    // removed, a new file added.
    const rebuilt = names[Math.floor(names.length / 2)]!;
    const bytes = await readFile(join(b, rebuilt));
    bytes[bytes.length - 17] = (bytes[bytes.length - 17]! + 1) & 0xff;
    await writeFile(join(b, rebuilt), bytes);
    const removed = names[0]!;
    const added = "zz-added.dll";
    await copyFile(join(WINE_DLLS, names[1]!), join(b, added));
    const namesB = [...names.slice(1), added];
    // Fixed dates, so only the known changes differ (a copy's mtime is the copy's time).
    const when = new Date("2024-01-02T03:04:00Z");
    for (const n of names) await utimes(join(a, n), when, when);
    for (const n of namesB) await utimes(join(b, n), when, when);
    const total = (await Promise.all(names.map(async (n) => (await stat(join(a, n))).size))).reduce(
      (x, y) => x + y,
      0,
    );
    process.stdout.write(`drops: ${names.length} DLLs, ${(total / 1048576).toFixed(1)} MB each\n`);
    const packager = process.env.BENCH_DIFF_PACKAGER ?? "build";
    let pkgA: string;
    let pkgB: string;
    let cabA: string;
    let cabB: string;
    if (packager === "gcab") {
      cabA = pkgA = join(dir, "a.cab");
      cabB = pkgB = join(dir, "b.cab");
      await gcab(cabA, a, names);
      await gcab(cabB, b, namesB);
    } else {
      await mkdir(join(dir, "build-a"));
      await mkdir(join(dir, "build-b"));
      ({ exe: pkgA, cab: cabA } = await cabwrightBuild(join(dir, "build-a"), a, names));
      ({ exe: pkgB, cab: cabB } = await cabwrightBuild(join(dir, "build-b"), b, namesB));
    }
    process.stdout.write(
      `packaged by ${packager === "gcab" ? "gcab -z" : "cabwright build"}: ${((await stat(pkgA)).size / 1048576).toFixed(1)} MB and ${((await stat(pkgB)).size / 1048576).toFixed(1)} MB\n`,
    );

    const diff = await measure(process.execPath, [CLI, "diff", pkgA, pkgB, "--json"]);
    const result = JSON.parse(diff.stdout) as {
      added: { path: string }[];
      removed: { path: string }[];
      changed: { path: string }[];
    };
    const ok =
      result.added.map((f) => f.path).join() === added &&
      result.removed.map((f) => f.path).join() === removed &&
      result.changed.map((f) => f.path).join() === rebuilt;
    const peer = await measure("sh", [
      "-c",
      `cabextract -q -t "${cabA}" && cabextract -q -t "${cabB}"`,
    ]);
    const mbps = (2 * total) / 1048576 / diff.seconds;
    process.stdout.write(
      `diff:       ${diff.seconds.toFixed(2)} s (${mbps.toFixed(0)} MB/s of content), peak RSS ${diff.peakMb.toFixed(0)} MB; ${ok ? "found exactly the known changes" : "WRONG RESULT"}\n` +
        `cabextract -t both: ${peer.seconds.toFixed(2)} s, peak RSS ${peer.peakMb.toFixed(0)} MB\n` +
        `ratio diff / cabextract -t: ${(diff.seconds / peer.seconds).toFixed(2)}\n`,
    );
    if (!ok) {
      process.stdout.write(
        `expected added ${added}, removed ${removed}, changed ${rebuilt}; got added ${result.added.map((f) => f.path).join()}, removed ${result.removed.map((f) => f.path).join()}, changed ${result.changed.map((f) => f.path).join()}\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
