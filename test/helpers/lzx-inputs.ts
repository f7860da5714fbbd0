/**
 * Inputs for the LZX encoder's tests: real Wine DLLs (test/fixtures/wine-dlls) beside the
 * generated kinds of cab-fixtures.ts (random, text, zeros), in files that span frames and
 * a folder's worth of small files.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { content, type FixtureFile } from "./cab-fixtures.js";

const FIXTURES = new URL("../../../test/fixtures/wine-dlls/", import.meta.url);

export function wineDll(name: "amsi-x64.dll" | "adsldpc-x86.dll"): Uint8Array {
  return new Uint8Array(readFileSync(fileURLToPath(new URL(name, FIXTURES))));
}

/**
 * The peer tests' cabinet contents, about 440 KB in one folder: 64 KiB of text (so the
 * random file after it starts on a frame boundary and fills whole frames, which must come
 * out as uncompressed blocks), random bytes of an odd length, both DLLs, zeros and 40
 * small files.
 */
export function lzxTestContents(): FixtureFile[] {
  const files: FixtureFile[] = [
    { name: "docs/readme.txt", data: content(65_536, "text", 7) },
    { name: "random.bin", data: content(100_001, "random", 11) },
    { name: "bin/amsi.dll", data: wineDll("amsi-x64.dll") },
    { name: "bin/x86/adsldpc.dll", data: wineDll("adsldpc-x86.dll") },
    { name: "zeros.bin", data: new Uint8Array(70_000) },
  ];
  for (let i = 0; i < 40; i++) {
    const size = 100 + ((i * 997) % 1900);
    files.push({
      name: `small/f${String(i).padStart(2, "0")}.txt`,
      data: content(size, i % 3 === 0 ? "random" : "text", 100 + i),
    });
  }
  return files;
}
