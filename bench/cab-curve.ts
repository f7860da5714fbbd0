/**
 * Bench: how reading cost grows with payload. For 50 MB to 2 GB of Wine's x64 DLLs (the
 * set repeated under r1/, r2/... past its 600 MB), an MSZIP cabinet made by our writer;
 * `cab test` against `cabextract -t` and `cab extract` against `cabextract -d`, medians of
 * ROUNDS: seconds per MB and the ratio at each size. Target (issue 18): time per MB flat.
 * CABWRIGHT_BENCH_CURVE_MB=50,200 picks the sizes (MiB).
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CabInputFile, writeCabinet } from "@cabwright/cab";
import { CLI, extractTools, load, measure, rounds } from "./measure.js";
import { WINE_DLLS } from "./wine-drop.js";

const ROUNDS = 3;
const MB = 1024 * 1024;

function sizes(): number[] {
  const env = process.env.CABWRIGHT_BENCH_CURVE_MB;
  return env ? env.split(",").map(Number) : [50, 200, 500, 2000];
}

/** Wine's DLLs, repeated under rN/ folders, until they hold `target` bytes. */
async function payload(target: number): Promise<CabInputFile[]> {
  const names = (await readdir(WINE_DLLS)).filter((n) => n.endsWith(".dll")).sort();
  const files: CabInputFile[] = [];
  let total = 0;
  for (let r = 0; total < target; r++) {
    for (const name of names) {
      if (total >= target) break;
      const source = join(WINE_DLLS, name);
      const st = await stat(source);
      files.push({ name: r === 0 ? name : `r${r}/${name}`, source, size: st.size, date: st.mtime });
      total += st.size;
    }
  }
  return files;
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-"));
  try {
    console.log(`cab-curve: reading cost by payload size, medians of ${ROUNDS}`);
    console.log(
      "  payload MiB  cab MiB  test ours s/GiB cabextract s/GiB ratio   extract ours s/GiB cabextract s/GiB ratio  peak MB   load",
    );
    for (const mb of sizes()) {
      const files = await payload(mb * MB);
      const bytes = files.reduce((n, f) => n + f.size, 0);
      const cab = join(dir, `p${mb}.cab`);
      await writeCabinet(cab, files);
      const cabMb = (await stat(cab)).size / MB;
      const out = join(dir, "out");
      const t = await rounds(ROUNDS, [
        { label: "theirs", run: () => measure("cabextract", ["-q", "-t", cab]) },
        { label: "ours", run: () => measure(process.execPath, [CLI, "cab", "test", cab]) },
      ]);
      const x = await rounds(ROUNDS, extractTools(cab, out));
      await rm(out, { recursive: true, force: true });
      await rm(cab, { force: true });
      const gb = bytes / (1024 * MB);
      const perGb = (s: number) => (s / gb).toFixed(2);
      const [to, tt, xo, xt] = [
        t.get("ours")!,
        t.get("theirs")!,
        x.get("cabwright cab extract")!,
        x.get("cabextract -d")!,
      ];
      console.log(
        `  ${(bytes / MB).toFixed(0).padStart(11)} ${cabMb.toFixed(0).padStart(8)} ${perGb(to.seconds).padStart(16)} ${perGb(tt.seconds).padStart(16)} ${(to.seconds / tt.seconds).toFixed(2).padStart(6)} ${perGb(xo.seconds).padStart(19)} ${perGb(xt.seconds).padStart(16)} ${(xo.seconds / xt.seconds).toFixed(2).padStart(6)} ${Math.max(to.maxRssMb, xo.maxRssMb).toFixed(0).padStart(9)}   ${load()}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run();
}
