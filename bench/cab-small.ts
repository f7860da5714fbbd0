/**
 * Bench: many small files. 20,000 text files (about 10.5 MB, seeded, in 50 folders):
 * `cabwright cab create` against `gcab -c -z`, and `cab extract` of the result against
 * `cabextract -d`, whole process, alternating, medians of ROUNDS; then the curve of
 * `cab create` over 10 to 20,000 of those files: time per file, and the cost of each file
 * past the first ten. Targets (issue 18): create <= 1.0x gcab; time per file flat.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CLI, extractTools, load, measure, rounds, row } from "./measure.js";

const ROUNDS = 3;
const FOLDERS = 50;
const PER_FOLDER = 400;
const CURVE = [10, 100, 1000, 5000, 20000];

/** Words from a seeded generator: text that compresses as text does. */
function makeWords(next: () => number): string[] {
  const words: string[] = [];
  for (let i = 0; i < 5000; i++) {
    let w = "";
    const len = 2 + (next() % 9);
    for (let k = 0; k < len; k++) w += String.fromCharCode(97 + (next() % 26));
    words.push(w);
  }
  return words;
}

/** Write the files under `dir`; their names relative to it, in order. */
async function smallFiles(dir: string): Promise<{ names: string[]; bytes: number }> {
  let x = 18;
  const next = () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x >>> 8;
  };
  const words = makeWords(next);
  const names: string[] = [];
  let bytes = 0;
  for (let d = 0; d < FOLDERS; d++) {
    const sub = `dir${String(d).padStart(2, "0")}`;
    await mkdir(join(dir, sub), { recursive: true });
    for (let f = 0; f < PER_FOLDER; f++) {
      const size = 200 + (next() % 651);
      let text = "";
      while (text.length < size) text += `${words[next() % words.length]} `;
      text = `${text.slice(0, size)}\n`;
      const name = `${sub}/file${String(f).padStart(4, "0")}.txt`;
      await writeFile(join(dir, name), text);
      names.push(name);
      bytes += text.length;
    }
  }
  return { names, bytes };
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cabwright-bench-"));
  try {
    const src = join(dir, "in");
    const { names, bytes } = await smallFiles(src);
    console.log(
      `cab-small: ${names.length} text files, ${(bytes / 1048576).toFixed(1)} MiB in ${FOLDERS} folders, medians of ${ROUNDS}`,
    );
    const ours = join(dir, "ours.cab");
    const theirs = join(dir, "gcab.cab");
    const create = (n: number) => [
      {
        label: "gcab -c -z",
        before: () => rm(theirs, { force: true }),
        run: () => measure("gcab", ["-c", "-z", theirs, ...names.slice(0, n)], src),
      },
      {
        label: "cabwright cab create",
        before: () => rm(ours, { force: true }),
        run: () =>
          measure(process.execPath, [CLI, "cab", "create", ours, ...names.slice(0, n)], src),
      },
    ];
    console.log(`  create (${load()})`);
    const c = await rounds(ROUNDS, create(names.length));
    const base = c.get("gcab -c -z")!;
    for (const [label, m] of c) console.log(row(label, m, base));

    const out = join(dir, "out");
    console.log(`  extract (${load()})`);
    const x = await rounds(ROUNDS, extractTools(ours, out));
    await rm(out, { recursive: true, force: true });
    const xBase = x.get("cabextract -d")!;
    for (const [label, m] of x) console.log(row(label, m, xBase));
    console.log(
      `  cab create / gcab ${(c.get("cabwright cab create")!.seconds / base.seconds).toFixed(2)}x wall (target <= 1.00)`,
    );

    console.log(`  curve: cab create of the first N files (${load()})`);
    console.log(
      "         N   gcab s  ours s  ours/gcab   ours ms/file  gcab ms/file   ours us/file past 10",
    );
    let first: number | undefined;
    for (const n of CURVE) {
      const m = await rounds(ROUNDS, create(n));
      const g = m.get("gcab -c -z")!.seconds;
      const o = m.get("cabwright cab create")!.seconds;
      first ??= o;
      const marginal = n > CURVE[0]! ? ((o - first) / (n - CURVE[0]!)) * 1e6 : Number.NaN;
      console.log(
        `  ${String(n).padStart(8)} ${g.toFixed(2).padStart(8)} ${o.toFixed(2).padStart(7)} ${(o / g).toFixed(2).padStart(10)} ${((o / n) * 1000).toFixed(3).padStart(14)} ${((g / n) * 1000).toFixed(3).padStart(13)} ${Number.isNaN(marginal) ? "-".padStart(22) : marginal.toFixed(0).padStart(22)}`,
      );
    }
    console.log(`  (${load()})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run();
}
