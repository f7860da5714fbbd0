/**
 * Wine's cabinet.dll (FDI, which reads each CFDATA block on its own as Windows does) must
 * extract the streams our decoders read to the same bytes: LZX with E8 translation and
 * uncompressed blocks spanning frames, a far match in a 2^21 window, and Quantum. One
 * cabinet with a folder per case keeps it to one wine start.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { createLzxDecoder } from "../builder/cab/codecs/lzx/decode.js";
import { createQuantumDecoder } from "../builder/cab/codecs/quantum/decode.js";
import { md5 } from "./helpers/cab-blocks.js";
import { buildTestCabFolders, type TestCabFolderSpec } from "./helpers/cab-build.js";
import { lzxTestEncode, MIXED_BLOCK_PLAN } from "./helpers/lzx-writer.js";
import { requirePeer, run, tempDir, wineEnv } from "./helpers/peers.js";
import { quantumTestEncode } from "./helpers/quantum-writer.js";

function noise(length: number, seed: number, alphabet: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 32 + ((x >>> 0) % alphabet);
  }
  return out;
}

test("Wine's extrac32 (FDI) extracts LZX and Quantum folders as our decoders decode them", async (t) => {
  const wine = requirePeer("wine");
  const dir = await tempDir(t);

  const code = noise(110_001, 3, 7);
  for (let i = 0; i + 5 < code.length; i += 29) code[i] = 0xe8;
  const far = noise(2 ** 21, 21, 200);
  far.copyWithin(2 ** 21 - 3000, 0, 3000);
  const cases = [
    {
      name: "lzx17-mix.bin",
      data: code,
      windowBits: 17,
      stream: lzxTestEncode(code, {
        windowBits: 17,
        e8FileSize: 12_000_000,
        blocks: MIXED_BLOCK_PLAN,
      }),
      decoder: () => createLzxDecoder(17),
      type: 3,
    },
    {
      name: "lzx21-far.bin",
      data: far,
      windowBits: 21,
      stream: lzxTestEncode(far, {
        windowBits: 21,
        blocks: [{ type: "aligned", size: far.length }],
        probe: 2 ** 21 - 3000,
      }),
      decoder: () => createLzxDecoder(21),
      type: 3,
    },
    ...[15, 21].map((windowBits) => ({
      name: `quantum${windowBits}.bin`,
      data: code,
      windowBits,
      stream: quantumTestEncode(code, { windowBits }),
      decoder: () => createQuantumDecoder(windowBits),
      type: 2 | (4 << 4),
    })),
  ];
  const folders: TestCabFolderSpec[] = cases.map((c) => ({
    typeCompress: c.type | (c.windowBits << 8),
    frames: c.stream.frames,
    sizes: c.stream.sizes,
    fileName: c.name,
  }));
  const cabPath = join(dir, "decoders.cab");
  await writeFile(cabPath, buildTestCabFolders(folders));
  const out = join(dir, "out");
  const r = await run(wine, ["extrac32", "/E", "/L", `Z:${out}`, `Z:${cabPath}`], {
    env: await wineEnv(),
  });
  t.is(r.code, 0, r.stderr);
  for (const c of cases) {
    const theirs = await readFile(join(out, c.name));
    t.is(md5(theirs), md5(c.data), `${c.name}: Wine`);
    const decoder = c.decoder();
    const ours = Buffer.concat(
      c.stream.frames.map((f, i) => decoder.decompress(f, c.stream.sizes[i]!)),
    );
    t.is(md5(ours), md5(c.data), `${c.name}: ours`);
  }
});
