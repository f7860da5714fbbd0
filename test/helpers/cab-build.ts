/**
 * Test scaffolding only: wrap already-compressed CFDATA payloads (from the test encoders)
 * in a one-folder, one-file cabinet, so that cabextract (libmspack, a decoder that shares no
 * code with ours) can judge the same streams our decoders read.
 */
import { blockChecksum } from "../../builder/cab/checksum.js";

export function buildTestCab(
  typeCompress: number,
  frames: readonly Uint8Array[],
  sizes: readonly number[],
  fileName: string,
): Uint8Array {
  const name = Buffer.from(`${fileName}\0`, "latin1");
  const headerSize = 36 + 8 + 16 + name.length;
  const total = headerSize + frames.reduce((n, f) => n + 8 + f.length, 0);
  const cab = new Uint8Array(total);
  const v = new DataView(cab.buffer);
  cab.set([0x4d, 0x53, 0x43, 0x46], 0); // "MSCF"
  v.setUint32(8, total, true); // cbCabinet
  v.setUint32(16, 36 + 8, true); // coffFiles
  cab[24] = 3; // versionMinor
  cab[25] = 1; // versionMajor
  v.setUint16(26, 1, true); // cFolders
  v.setUint16(28, 1, true); // cFiles
  // CFFOLDER
  v.setUint32(36, headerSize, true); // coffCabStart
  v.setUint16(40, frames.length, true); // cCFData
  v.setUint16(42, typeCompress, true);
  // CFFILE
  v.setUint32(
    44,
    sizes.reduce((a, b) => a + b, 0),
    true,
  ); // cbFile
  v.setUint16(54, (46 << 9) | (1 << 5) | 1, true); // date 2026-01-01
  v.setUint16(58, 0x20, true); // attribs: archive
  cab.set(name, 60);
  // CFDATA
  let at = headerSize;
  frames.forEach((frame, i) => {
    const size = sizes[i]!;
    v.setUint32(at, blockChecksum(frame, size), true);
    v.setUint16(at + 4, frame.length, true);
    v.setUint16(at + 6, size, true);
    cab.set(frame, at + 8);
    at += 8 + frame.length;
  });
  return cab;
}
