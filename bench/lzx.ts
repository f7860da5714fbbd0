/**
 * LZX and Quantum decoding speed, against cabextract on the same cabinets, measured in the
 * same run: `npm run bench lzx` (then LZX writing: builder/cab/codecs/lzx/encode.ts).
 * - LZX: the 2^21-window folder of the corpus' large-files-cab.cab (14 MB, Microsoft-made),
 *   and a 2^15-window folder inside it (the first 64 MiB of lzx15-2gb.txt).
 * - Quantum: a 32 MB stream from the test encoder, wrapped in a cabinet for cabextract.
 * Best of several runs each; cabextract's time includes its process start (about 1 ms).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLzxDecoder } from "../builder/cab/codecs/lzx/decode.js";
import { createQuantumDecoder } from "../builder/cab/codecs/quantum/decode.js";
import { decodeFolder, type TestCabFolder, walkCab } from "../test/helpers/cab-blocks.js";
import { buildTestCab } from "../test/helpers/cab-build.js";
import { quantumTestEncode } from "../test/helpers/quantum-writer.js";
import { benchLzxEncode } from "./lzx-encode.js";

const corpus = fileURLToPath(new URL("../../test/fixtures/libmspack/", import.meta.url));
const RUNS = 5;

/** Decode a folder's first `max` blocks, discarding the output (as `cabextract -t` does). */
function decodeAll(
  folder: TestCabFolder,
  decoder: { decompress(i: Uint8Array, n: number): Uint8Array },
  max = Infinity,
) {
  let n = 0;
  for (const b of folder.blocks.slice(0, Math.min(max, folder.blocks.length))) {
    n += decoder.decompress(b.data, b.uncompressedSize).length;
  }
  return n;
}

function best(runs: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

function report(label: string, bytes: number, ours: number, theirs: number): void {
  const mbps = (ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  console.log(
    `${label.padEnd(34)} ${(bytes / 1e6).toFixed(1).padStart(6)} MB  ours ${ours.toFixed(0).padStart(5)} ms (${mbps(ours)} MB/s)  cabextract ${theirs.toFixed(0).padStart(5)} ms (${mbps(theirs)} MB/s)  ratio ${(ours / theirs).toFixed(2)}x`,
  );
}

const folderOf = (cab: ReturnType<typeof walkCab>, type: number): TestCabFolder =>
  cab.folders.find((f) => (f.typeCompress & 0xf) === type)!;
const windowOf = (f: TestCabFolder) => (f.typeCompress >>> 8) & 0x1f;

/** Print our decode times and cabextract's, and their ratio, for each case. */
export async function benchLzx(): Promise<void> {
  await benchLzxDecode();
  await benchLzxEncode();
}

async function benchLzxDecode(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "cabwright-bench-lzx-"));
  try {
    // LZX, window 2^21, Microsoft-made.
    const outerPath = join(corpus, "large-files-cab.cab");
    const outer = walkCab(readFileSync(outerPath));
    const outerFolder = folderOf(outer, 3);
    const inner = decodeFolder(outerFolder, createLzxDecoder(windowOf(outerFolder)));
    const ours21 = best(RUNS, () =>
      decodeAll(outerFolder, createLzxDecoder(windowOf(outerFolder))),
    );
    const theirs21 = best(RUNS, () => execFileSync("cabextract", ["-q", "-t", outerPath]));
    report("LZX 2^21 (large-files-cab.cab)", inner.length, ours21, theirs21);

    // LZX, window 2^15: the first 2048 frames of lzx15-2gb.txt inside it.
    const innerPath = join(dir, "large-files.cab");
    writeFileSync(innerPath, inner);
    const innerCab = walkCab(inner);
    const lzx15 = innerCab.folders.find((f) => f.typeCompress === (3 | (15 << 8)))!;
    const frames = 2048;
    const bytes15 = frames * 32768;
    const ours15 = best(RUNS, () => decodeAll(lzx15, createLzxDecoder(15), frames));
    const theirs15 = best(RUNS, () =>
      execFileSync("sh", [
        "-c",
        `cabextract -q -p -F lzx15-2gb.txt "$0" | head -c ${bytes15} > /dev/null`,
        innerPath,
      ]),
    );
    report("LZX 2^15 (lzx15-2gb.txt, 64 MiB)", bytes15, ours15, theirs15);

    // Quantum, window 2^21, from the test encoder.
    const text = new Uint8Array(32 << 20);
    const words = ["cabinet ", "quantum ", "window ", "frame ", "model ", "symbol ", "\n"];
    for (let at = 0, x = 1; at < text.length; ) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const w = words[(x >>> 16) % words.length]!;
      for (let k = 0; k < w.length && at < text.length; k++) text[at++] = w.charCodeAt(k);
    }
    const stream = quantumTestEncode(text, { windowBits: 21 });
    const qPath = join(dir, "quantum.cab");
    writeFileSync(
      qPath,
      buildTestCab(2 | (4 << 4) | (21 << 8), stream.frames, stream.sizes, "q.txt"),
    );
    const qCab = walkCab(readFileSync(qPath));
    const oursQ = best(3, () => decodeAll(qCab.folders[0]!, createQuantumDecoder(21)));
    const theirsQ = best(3, () => execFileSync("cabextract", ["-q", "-t", qPath]));
    report("Quantum 2^21 (test encoder, text)", text.length, oursQ, theirsQ);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
