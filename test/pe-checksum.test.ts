/**
 * The one PE checksum (builder/pe/checksum.ts) against python3-pefile's generate_checksum(),
 * which shares no code with ours: unsigned and signed programs (a certificate table at the
 * end) at many lengths (odd ones, ones not a multiple of 4), summed whole, in pieces at odd
 * offsets, and from views that start at every memory alignment.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { PeChecksum, peChecksum } from "../builder/pe/checksum.js";
import { certificateTable, parsePeHeaders } from "../builder/pe/headers.js";
import { buildPe, requirePefile, run, signWithTestCertificate, tempDir } from "./helpers/peers.js";

const HELLO = `#include <stdio.h>\nint main(void) { puts("checksum"); return 3; }\n`;
/** Bytes appended to each program: 0..7 covers every length modulo 2, 4 and 8. */
const TAILS = [0, 1, 2, 3, 4, 5, 6, 7, 513];

/** pefile's own computation for each file, and the CheckSum it reads. */
async function pefileChecksums(paths: readonly string[]): Promise<number[]> {
  const py = await requirePefile();
  const script =
    "import sys, pefile\nfor p in sys.argv[1:]:\n pe = pefile.PE(p, fast_load=True)\n print(pe.generate_checksum())";
  const r = await run(py, ["-c", script, ...paths]);
  if (r.code !== 0) throw new Error(`pefile failed: ${r.stderr}`);
  return r.stdout.trim().split("\n").map(Number);
}

/** Our checksum of `bytes` three ways; they must agree before pefile is asked. */
function ours(bytes: Uint8Array): number[] {
  const whole = peChecksum(bytes);
  const at = parsePeHeaders(bytes)!.checksumOffset;
  const noField = bytes.slice();
  noField.fill(0, at, at + 4);
  // Pieces cut at odd offsets, added out of order.
  const cuts = [0, 1, 7, at - 1, at + 3, Math.floor(bytes.length / 2) | 1, bytes.length];
  const pieces = new PeChecksum();
  for (let i = cuts.length - 2; i >= 0; i--) {
    pieces.add(noField.subarray(cuts[i], cuts[i + 1]), cuts[i]!);
  }
  // A view starting at each memory alignment (a Buffer from a pool starts anywhere).
  const shifted = [1, 2, 3].map((shift) => {
    const backing = new Uint8Array(bytes.length + shift);
    backing.set(bytes, shift);
    return peChecksum(backing.subarray(shift));
  });
  return [whole, pieces.value(), ...shifted];
}

for (const signed of [false, true]) {
  test(`checksum equals pefile's at ${TAILS.length} lengths, ${signed ? "with" : "without"} a certificate table`, async (t) => {
    const dir = await tempDir(t);
    let exe = await buildPe(dir, { name: "c.exe", arch: "x86", source: HELLO });
    if (signed) {
      const out = join(dir, "c-signed.exe");
      const r = await signWithTestCertificate(exe, out);
      t.is(r.code, 0, r.stderr);
      exe = out;
    }
    const base = new Uint8Array(await readFile(exe));
    t.is(certificateTable(parsePeHeaders(base)!) !== undefined, signed);
    const paths: string[] = [];
    const sums: number[] = [];
    for (const extra of TAILS) {
      const bytes = new Uint8Array(base.length + extra);
      bytes.set(base);
      for (let i = 0; i < extra; i++) bytes[base.length + i] = (0xf1 + i * 37) & 0xff;
      const all = ours(bytes);
      t.true(
        all.every((s) => s === all[0]),
        `length ${bytes.length}: ${all.join(", ")}`,
      );
      const p = join(dir, `c${extra}.exe`);
      await writeFile(p, bytes);
      paths.push(p);
      sums.push(all[0]!);
    }
    const theirs = await pefileChecksums(paths);
    t.deepEqual(sums, theirs);
    t.log(
      TAILS.map((extra, i) => `${base.length + extra}: 0x${theirs[i]!.toString(16)}`).join("; "),
    );
    // The check can fail: a changed byte anywhere but the CheckSum field changes the sum.
    const flipped = new Uint8Array(base);
    flipped[flipped.length - 3]! ^= 0x10;
    t.not(peChecksum(flipped), peChecksum(base));
  });
}
