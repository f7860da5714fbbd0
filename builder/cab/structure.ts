/**
 * One cabinet's metadata read from a file: CFHEADER, CFFOLDERs and CFFILEs, each read with
 * exactly the bytes it needs and parsed by layout.ts. Offsets are checked against the file.
 */

import { CabError } from "./errors.js";
import {
  type CabFileRecord,
  type CabFolderRecord,
  type CabHeader,
  folderTableSize,
  HEADER_READ_SIZE,
  hex,
  maxFileTableSize,
  parseFiles,
  parseFolders,
  parseHeader,
} from "./layout.js";
import type { CabSource } from "./source.js";

export interface CabinetStructure {
  readonly source: CabSource;
  /** File offset of the cabinet's first byte. */
  readonly offset: number;
  readonly header: CabHeader;
  readonly folders: readonly CabFolderRecord[];
  readonly files: readonly CabFileRecord[];
}

export async function readStructure(source: CabSource, offset: number): Promise<CabinetStructure> {
  const file = source.label;
  if (offset < 0 || offset >= source.size) {
    throw new CabError(
      "invalid-input",
      `${file}: cabinet offset ${hex(offset)} is outside the file (${source.size} bytes)`,
      { file, offset },
    );
  }
  const remaining = source.size - offset;
  const headBuf = await source.readCopy(offset, Math.min(remaining, HEADER_READ_SIZE));
  const header = parseHeader(headBuf, {
    file,
    base: offset,
    atEof: headBuf.length === remaining,
  });

  const foldersAt = offset + header.foldersOffset;
  const folderBytes = folderTableSize(header);
  const folderBuf = await source.readCopy(foldersAt, folderBytes);
  const folders = parseFolders(folderBuf, header, {
    file,
    base: foldersAt,
    atEof: folderBuf.length < folderBytes,
  });

  if (header.filesOffset >= remaining) {
    throw new CabError(
      "invalid-data",
      `${file}: CFHEADER at offset ${hex(offset)} puts the CFFILE table at ${hex(offset + header.filesOffset)}, past the end of the file (${source.size} bytes)`,
      { file, offset: offset + 16 },
    );
  }
  const filesAt = offset + header.filesOffset;
  const maxFiles = maxFileTableSize(header);
  const filesBuf = await source.readCopy(filesAt, maxFiles);
  const files = parseFiles(filesBuf, header, {
    file,
    base: filesAt,
    atEof: filesBuf.length < maxFiles,
  });

  folders.forEach((f, i) => {
    if (f.blockCount > 0 && f.dataOffset >= remaining) {
      throw new CabError(
        "invalid-data",
        `${file}: CFFOLDER ${i} puts its data at offset ${hex(offset + f.dataOffset)}, past the end of the file (${source.size} bytes)`,
        { file, offset: foldersAt },
      );
    }
  });
  return { source, offset, header, folders, files };
}
