/**
 * Test scaffolding only: wrap already-compressed CFDATA payloads (from the test encoders)
 * in a one-folder, one-file cabinet, so that cabextract (libmspack, a decoder that shares no
 * code with ours) can judge the same streams our decoders read.
 */
import { blockChecksum } from "../../builder/cab/format/checksum.js";

export interface TestCabFolderSpec {
  readonly typeCompress: number;
  readonly frames: readonly Uint8Array[];
  readonly sizes: readonly number[];
  /** The one file the folder holds. */
  readonly fileName: string;
}

export function buildTestCab(
  typeCompress: number,
  frames: readonly Uint8Array[],
  sizes: readonly number[],
  fileName: string,
): Uint8Array {
  return buildTestCabFolders([{ typeCompress, frames, sizes, fileName }]);
}

/** A cabinet of several folders, one file each. */
export function buildTestCabFolders(folders: readonly TestCabFolderSpec[]): Uint8Array {
  const names = folders.map((f) => Buffer.from(`${f.fileName}\0`, "latin1"));
  const coffFiles = 36 + 8 * folders.length;
  const headerSize = coffFiles + names.reduce((n, name) => n + 16 + name.length, 0);
  const dataSize = folders.reduce(
    (n, f) => n + f.frames.reduce((m, frame) => m + 8 + frame.length, 0),
    0,
  );
  const total = headerSize + dataSize;
  const cab = new Uint8Array(total);
  const v = new DataView(cab.buffer);
  cab.set([0x4d, 0x53, 0x43, 0x46], 0); // "MSCF"
  v.setUint32(8, total, true); // cbCabinet
  v.setUint32(16, coffFiles, true); // coffFiles
  cab[24] = 3; // versionMinor
  cab[25] = 1; // versionMajor
  v.setUint16(26, folders.length, true); // cFolders
  v.setUint16(28, folders.length, true); // cFiles
  let data = headerSize;
  let file = coffFiles;
  folders.forEach((f, index) => {
    // CFFOLDER
    const at = 36 + 8 * index;
    v.setUint32(at, data, true); // coffCabStart
    v.setUint16(at + 4, f.frames.length, true); // cCFData
    v.setUint16(at + 6, f.typeCompress, true);
    // CFFILE
    v.setUint32(
      file,
      f.sizes.reduce((a, b) => a + b, 0),
      true,
    ); // cbFile
    v.setUint16(file + 8, index, true); // iFolder
    v.setUint16(file + 10, (46 << 9) | (1 << 5) | 1, true); // date 2026-01-01
    v.setUint16(file + 14, 0x20, true); // attribs: archive
    const name = names[index]!;
    cab.set(name, file + 16);
    file += 16 + name.length;
    // CFDATA
    f.frames.forEach((frame, i) => {
      const size = f.sizes[i]!;
      v.setUint32(data, blockChecksum(frame, size), true);
      v.setUint16(data + 4, frame.length, true);
      v.setUint16(data + 6, size, true);
      cab.set(frame, data + 8);
      data += 8 + frame.length;
    });
  });
  return cab;
}
