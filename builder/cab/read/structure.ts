/**
 * One cabinet's metadata read from a file: CFHEADER, CFFOLDERs and CFFILEs, each read with
 * exactly the bytes it needs and parsed by layout.ts. Offsets are checked against the file.
 */

import { CFHEADER_RESERVE_FIELDS_SIZE, CFHEADER_SIZE } from "../format/constants.js";
import { CabError } from "../format/errors.js";
import {
  type CabFileRecord,
  type CabFolderRecord,
  type CabHeader,
  folderTableSize,
  headerReadSize,
  hex,
  maxFileTableSize,
  parseFiles,
  parseFolders,
  parseHeader,
} from "../format/layout-parse.js";
import type { CabSource } from "./source.js";

export interface CabinetStructure {
  readonly source: CabSource;
  /** File offset of the cabinet's first byte. */
  readonly offset: number;
  readonly header: CabHeader;
  readonly folders: readonly CabFolderRecord[];
  readonly files: readonly CabFileRecord[];
  /** Oddities that did not stop reading. */
  readonly warnings: readonly string[];
}

/**
 * Read the cabinet at `offset`. With `probe`, only the first `probe` folders and files are
 * read and parsed (the rest of the header is checked in full): a bounded test of a search
 * candidate, whatever counts its header claims.
 */
export async function readStructure(
  source: CabSource,
  offset: number,
  probe?: number,
): Promise<CabinetStructure> {
  const file = source.label;
  if (offset < 0 || offset >= source.size) {
    throw new CabError(
      "invalid-input",
      `${file}: cabinet offset ${hex(offset)} is outside the file (${source.size} bytes)`,
      { file, offset },
    );
  }
  const remaining = source.size - offset;
  // The fixed part first, then exactly what it says the rest takes: a search probes
  // thousands of candidates, and most headers are a few dozen bytes, not 64 KiB.
  const fixed = await source.readCopy(
    offset,
    Math.min(remaining, CFHEADER_SIZE + CFHEADER_RESERVE_FIELDS_SIZE),
  );
  const headBuf = await source.readCopy(offset, Math.min(remaining, headerReadSize(fixed)));
  const header = parseHeader(headBuf, {
    file,
    base: offset,
    atEof: headBuf.length === remaining,
  });

  const foldersAt = offset + header.foldersOffset;
  const folderBytes = folderTableSize(header);
  const folderView =
    probe === undefined ? header : { ...header, folderCount: Math.min(probe, header.folderCount) };
  const folderRead = folderTableSize(folderView);
  const folderBuf = await source.readCopy(foldersAt, folderRead);
  const folders = parseFolders(folderBuf, folderView, {
    file,
    base: foldersAt,
    atEof: folderBuf.length < folderRead,
  });
  const fileView =
    probe === undefined ? header : { ...header, fileCount: Math.min(probe, header.fileCount) };

  // The CFFILE table is read right after the folders, as libmspack (and so cabextract)
  // does, whatever coffFiles says; coffFiles is the fallback when that does not parse.
  const warnings: string[] = [];
  const afterFolders = header.foldersOffset + folderBytes;
  let files: CabFileRecord[];
  try {
    files = await readFiles(source, offset, afterFolders, fileView);
  } catch (err) {
    if (!(err instanceof CabError) || header.filesOffset === afterFolders) throw err;
    if (header.filesOffset >= remaining) {
      throw new CabError(
        "invalid-data",
        `${file}: CFHEADER at offset ${hex(offset)} puts the CFFILE table at ${hex(offset + header.filesOffset)}, past the end of the file (${source.size} bytes)`,
        { file, offset: offset + 16 },
      );
    }
    files = await readFiles(source, offset, header.filesOffset, fileView);
  }
  if (header.filesOffset !== afterFolders) {
    warnings.push(
      `${file}: coffFiles says the CFFILE table is at ${hex(offset + header.filesOffset)}${header.filesOffset >= remaining ? " (past the end of the file)" : ""}, but it follows the folders at ${hex(offset + afterFolders)}; read from there, as Windows' FDI does${header.filesOffset >= remaining ? " (libmspack refuses such a cabinet)" : ""}`,
    );
  }

  folders.forEach((f, i) => {
    if (f.blockCount > 0 && f.dataOffset >= remaining) {
      throw new CabError(
        "invalid-data",
        `${file}: CFFOLDER ${i} puts its data at offset ${hex(offset + f.dataOffset)}, past the end of the file (${source.size} bytes)`,
        { file, offset: foldersAt },
      );
    }
  });
  return { source, offset, header, folders, files, warnings };
}

async function readFiles(
  source: CabSource,
  offset: number,
  at: number,
  header: CabHeader,
): Promise<CabFileRecord[]> {
  const filesAt = offset + at;
  const maxFiles = maxFileTableSize(header);
  const filesBuf = await source.readCopy(filesAt, maxFiles);
  return parseFiles(filesBuf, header, {
    file: source.label,
    base: filesAt,
    atEof: filesBuf.length < maxFiles,
  });
}
