/**
 * Test scaffolding only: a minimal cabinet walker that finds each folder's CFDATA blocks so
 * the LZX and Quantum decoder tests can feed them block by block. It trusts its input (the
 * corpus cabinets), checks nothing and handles no cabinet sets; the real reader lives in
 * builder/cab.
 */
import { createHash } from "node:crypto";

export interface TestCabBlock {
  readonly data: Uint8Array;
  readonly uncompressedSize: number;
}

export interface TestCabFolder {
  /** CFFOLDER.typeCompress: low 4 bits the method, bits 8..12 the window size. */
  readonly typeCompress: number;
  readonly blocks: readonly TestCabBlock[];
}

export interface TestCabFile {
  readonly name: string;
  readonly size: number;
  readonly folderOffset: number;
  readonly folder: number;
}

export interface TestCab {
  readonly folders: readonly TestCabFolder[];
  readonly files: readonly TestCabFile[];
}

export function walkCab(cab: Uint8Array): TestCab {
  const v = new DataView(cab.buffer, cab.byteOffset, cab.byteLength);
  const u16 = (p: number) => v.getUint16(p, true);
  const u32 = (p: number) => v.getUint32(p, true);
  const cstring = (p: number): [string, number] => {
    const end = cab.indexOf(0, p);
    return [Buffer.from(cab.subarray(p, end)).toString("latin1"), end + 1];
  };
  const coffFiles = u32(16);
  const nFolders = u16(26);
  const nFiles = u16(28);
  const flags = u16(30);
  let p = 36;
  let folderReserve = 0;
  let dataReserve = 0;
  if (flags & 4) {
    const headerReserve = u16(p);
    folderReserve = cab[p + 2]!;
    dataReserve = cab[p + 3]!;
    p += 4 + headerReserve;
  }
  if (flags & 1) p = cstring(cstring(p)[1])[1];
  if (flags & 2) p = cstring(cstring(p)[1])[1];
  const folders: TestCabFolder[] = [];
  for (let i = 0; i < nFolders; i++) {
    const start = u32(p);
    const count = u16(p + 4);
    const typeCompress = u16(p + 6);
    p += 8 + folderReserve;
    const blocks: TestCabBlock[] = [];
    let q = start;
    for (let b = 0; b < count; b++) {
      const cbData = u16(q + 4);
      const cbUncomp = u16(q + 6);
      const at = q + 8 + dataReserve;
      blocks.push({ data: cab.subarray(at, at + cbData), uncompressedSize: cbUncomp });
      q = at + cbData;
    }
    folders.push({ typeCompress, blocks });
  }
  const files: TestCabFile[] = [];
  p = coffFiles;
  for (let i = 0; i < nFiles; i++) {
    const size = u32(p);
    const folderOffset = u32(p + 4);
    const folder = u16(p + 8);
    const [name, next] = cstring(p + 16);
    files.push({ name: name.replaceAll("\\", "/"), size, folderOffset, folder });
    p = next;
  }
  return { folders, files };
}

export interface Decoder {
  decompress(input: Uint8Array, outputSize: number): Uint8Array;
}

/** Decode a folder's first `maxBlocks` blocks (default all) into one buffer. */
export function decodeFolder(folder: TestCabFolder, decoder: Decoder, maxBlocks = Infinity) {
  return decodeBlocks(decoder, folder.blocks.slice(0, Math.min(maxBlocks, folder.blocks.length)));
}

/** A test encoder's frames and their sizes, decoded in order with one decoder. */
export function decodeFrames(
  decoder: Decoder,
  frames: readonly Uint8Array[],
  sizes: readonly number[],
): Uint8Array {
  return decodeBlocks(
    decoder,
    frames.map((data, i) => ({ data, uncompressedSize: sizes[i]! })),
  );
}

/** Blocks decoded in order with one decoder, each giving exactly its size. */
export function decodeBlocks(decoder: Decoder, blocks: readonly TestCabBlock[]): Uint8Array {
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.uncompressedSize, 0));
  let at = 0;
  for (const b of blocks) {
    const piece = decoder.decompress(b.data, b.uncompressedSize);
    if (piece.length !== b.uncompressedSize) {
      throw new Error(`block gave ${piece.length} bytes, expected ${b.uncompressedSize}`);
    }
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

export function md5(data: Uint8Array): string {
  return createHash("md5").update(data).digest("hex");
}

/** The `ok` rows of expected-cabextract.tsv for one cabinet: path -> MD5. */
export function expectedMd5s(tsv: string, cabinet: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of tsv.split("\n")) {
    const [cab, status, path, sum] = line.split("\t");
    if (cab === cabinet && status === "ok" && path && sum) rows.set(path, sum);
  }
  return rows;
}
