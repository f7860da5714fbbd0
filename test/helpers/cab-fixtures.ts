/**
 * Deterministic inputs for the cab writer's tests: a seeded PRNG, file contents of
 * several kinds, and helpers that write a tree to disk and compare extracted trees.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { CabInputFile } from "@cabwright/cab";

/** mulberry32: a small seeded PRNG (uint32 state). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * xorshift32 (Marsaglia): the next uint32 of a stream from a non-zero state. The codec and
 * package tests make their bytes with it (`seededBytes`), each from its own seed.
 */
export function xorshift32(state: number): () => number {
  let x = state | 0;
  if (x === 0) throw new Error("xorshift32 needs a non-zero state");
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** `length` seeded bytes, each `base + (next % alphabet)`; state `seed | 1`, never 0. */
export function seededBytes(length: number, seed: number, alphabet = 256, base = 0): Uint8Array {
  const next = xorshift32(seed | 1);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = base + (next() % alphabet);
  return out;
}

export type ContentKind = "random" | "text" | "zeros" | "mixed";

const WORDS = "the cabinet folder block deflate stored header file name date time set"
  .split(" ")
  .map((w) => w);

/** `size` bytes of the given kind, the same for the same seed. */
export function content(size: number, kind: ContentKind, seed: number): Uint8Array {
  const rnd = prng(seed);
  const out = new Uint8Array(size);
  if (kind === "zeros") return out;
  if (kind === "random") {
    for (let i = 0; i < size; i++) out[i] = (rnd() * 256) | 0;
    return out;
  }
  let i = 0;
  while (i < size) {
    if (kind === "mixed" && rnd() < 0.3) {
      const n = Math.min(size - i, 1 + ((rnd() * 4000) | 0));
      for (let k = 0; k < n; k++) out[i++] = (rnd() * 256) | 0;
      continue;
    }
    const w = WORDS[(rnd() * WORDS.length) | 0]!;
    for (let k = 0; k < w.length && i < size; k++) out[i++] = w.charCodeAt(k);
    if (i < size) out[i++] = rnd() < 0.1 ? 10 : 32;
  }
  return out;
}

export interface FixtureFile {
  readonly name: string; // "/" separated
  readonly data: Uint8Array;
}

export const FIXED_DATE = new Date(Date.UTC(2018, 0, 6, 15, 19, 42));

/** Write the fixture under `dir` and return the writer's inputs (paths as sources). */
export async function materialize(
  dir: string,
  files: readonly FixtureFile[],
  date = FIXED_DATE,
): Promise<CabInputFile[]> {
  const inputs: CabInputFile[] = [];
  for (const f of files) {
    const path = join(dir, ...f.name.split("/"));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.data);
    inputs.push({ name: f.name, source: path, size: f.data.length, date });
  }
  return inputs;
}

/** In-memory inputs: each source is a function yielding the bytes in uneven pieces. */
export function memoryInputs(files: readonly FixtureFile[], date = FIXED_DATE): CabInputFile[] {
  return files.map((f) => ({
    name: f.name,
    size: f.data.length,
    date,
    source: () =>
      (async function* () {
        for (let at = 0; at < f.data.length; at += 7777) yield f.data.subarray(at, at + 7777);
      })(),
  }));
}

/** "/"-separated relative path -> md5 (or `digest`) of every file under `dir`. */
export async function treeDigests(
  dir: string,
  digest: (data: Uint8Array) => string = md5,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      if ((await stat(p)).isDirectory()) await walk(p);
      else out.set(relative(dir, p).split(sep).join("/"), digest(await readFile(p)));
    }
  };
  await walk(dir);
  return out;
}

export function expectedDigests(files: readonly FixtureFile[]): Map<string, string> {
  return new Map(files.map((f) => [f.name, md5(f.data)]));
}

export function md5(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The standard interop fixture: the edge sizes, a real PE, a nested and a UTF-8 name. */
export async function standardFixture(): Promise<FixtureFile[]> {
  const pe = await readFile("/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/ntdll.dll");
  return [
    { name: "empty.txt", data: new Uint8Array(0) },
    { name: "exact-32768.bin", data: content(32768, "mixed", 1) },
    { name: "over-32769.bin", data: content(32769, "text", 2) },
    { name: "random.bin", data: content(70000, "random", 3) },
    { name: "sub/dir/zeros.bin", data: content(200000, "zeros", 4) },
    { name: "sub/ntdll.dll", data: new Uint8Array(pe) },
    { name: "sub/text.txt", data: content(123457, "text", 5) },
    { name: "crème-brûlée.txt", data: content(5000, "text", 6) },
  ];
}
