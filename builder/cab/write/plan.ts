/**
 * Phase one of writing: a pure plan of every file and folder (names, attributes, dates,
 * folder offsets, limits). Nothing is read; the plan is small however large the files.
 */

import {
  FileAttribute,
  MAX_BLOCK_UNCOMPRESSED,
  MAX_BLOCKS_PER_FOLDER,
  MAX_CABINET_SIZE,
  MAX_DATA_RESERVE,
  MAX_FILES_PER_CABINET,
  MAX_FOLDER_RESERVE,
  MAX_FOLDER_UNCOMPRESSED,
  MAX_FOLDERS_WITH_FILES,
  MAX_HEADER_RESERVE,
  MAX_NAME_BYTES,
} from "../format/constants.js";
import { dateToDosDateTime } from "../format/dostime.js";
import { invalidInput } from "../format/errors.js";
import { resolveCompression } from "./compression-spec.js";
import type {
  CabInputFile,
  CabPlan,
  CabReserve,
  PlannedFile,
  PlannedFolder,
  WriteCabinetOptions,
} from "./writer-types.js";

/** Attribute bits a caller may set; the UTF-8 flag is ours to decide. */
const CALLER_ATTRIBUTES =
  FileAttribute.readOnly |
  FileAttribute.hidden |
  FileAttribute.system |
  FileAttribute.archive |
  FileAttribute.exec;

/** One encoder for every name (making one per file cost more than the encoding). */
const UTF8 = new TextEncoder();

/** The most a folder can hold in one cabinet: 65,535 blocks of 32,768 bytes. */
const MAX_FOLDER_BLOCK_BYTES = MAX_BLOCKS_PER_FOLDER * MAX_BLOCK_UNCOMPRESSED;

export function planCabinet(
  files: readonly CabInputFile[],
  options: WriteCabinetOptions = {},
): CabPlan {
  const compression = resolveCompression(options.compression);
  const reserve = planReserve(options.reserve);
  const setId = options.setId ?? 0;
  checkInteger("setId", setId, 0, 0xffff);
  const maxCabinetSize = options.maxCabinetSize;
  if (maxCabinetSize !== undefined)
    checkInteger("maxCabinetSize", maxCabinetSize, 1, MAX_CABINET_SIZE);
  const split = maxCabinetSize !== undefined;
  // A folder holds at most 65,535 blocks, in a set too (libmspack joins a folder's pieces
  // only up to that). maxFolderSize is soft (a larger file gets a folder of its own).
  const folderLimit = MAX_FOLDER_BLOCK_BYTES;
  const folderTarget = Math.min(options.maxFolderSize ?? Number.POSITIVE_INFINITY, folderLimit);
  if (options.maxFolderSize !== undefined) {
    checkInteger("maxFolderSize", options.maxFolderSize, 1, Number.MAX_SAFE_INTEGER);
  }
  if (!split && files.length > MAX_FILES_PER_CABINET) {
    throw invalidInput(
      `cabinet has too many files (${files.length}; max is ${MAX_FILES_PER_CABINET}); set maxCabinetSize (--max-size) to split it into a set`,
    );
  }

  const planned: PlannedFile[] = [];
  const folders: PlannedFolder[] = [];
  /** Names (lower case, as Windows compares them) of files, and of the folders above them. */
  const seen = new Map<string, string>();
  const folderNames = new Set<string>();
  let folderStart = 0;
  let folderSize = 0;
  let total = 0;
  const closeFolder = (end: number) => {
    folders.push({
      index: folders.length,
      firstFile: folderStart,
      endFile: end,
      uncompressedSize: folderSize,
      blockCount: Math.ceil(folderSize / MAX_BLOCK_UNCOMPRESSED),
    });
    folderStart = end;
    folderSize = 0;
  };
  files.forEach((file, i) => {
    const name = normalizeName(file.name, i);
    const key = name.toLowerCase();
    const dup = seen.get(key);
    if (dup !== undefined) {
      throw invalidInput(`file ${i} "${file.name}": the cabinet already holds "${dup}"`, {
        file: file.name,
      });
    }
    if (folderNames.has(key)) {
      throw invalidInput(
        `file ${i} "${file.name}": another file's path uses "${name}" as a folder`,
        { file: file.name },
      );
    }
    const parts = key.split("\\");
    for (let p = 1; p < parts.length; p++) {
      const prefix = parts.slice(0, p).join("\\");
      if (seen.has(prefix)) {
        throw invalidInput(
          `file ${i} "${file.name}": its folder "${seen.get(prefix)}" is also a file of the cabinet`,
          { file: file.name },
        );
      }
      folderNames.add(prefix);
    }
    seen.set(key, name);
    const nameBytes = UTF8.encode(name);
    if (nameBytes.length > MAX_NAME_BYTES) {
      throw invalidInput(
        `file ${i} "${file.name}": name is ${nameBytes.length} bytes in UTF-8 (max is ${MAX_NAME_BYTES})`,
        { file: file.name },
      );
    }
    checkInteger(`file ${i} "${file.name}": size`, file.size, 0, MAX_FOLDER_UNCOMPRESSED);
    if (file.size > folderLimit) {
      throw invalidInput(
        `file ${i} "${file.name}": ${file.size} bytes do not fit one folder (max is ${folderLimit}: ${MAX_BLOCKS_PER_FOLDER} blocks of ${MAX_BLOCK_UNCOMPRESSED})`,
        { file: file.name },
      );
    }
    if (!(file.date instanceof Date) || Number.isNaN(file.date.getTime())) {
      throw invalidInput(`file ${i} "${file.name}": date is not a valid Date`, { file: file.name });
    }
    const attrs = file.attributes ?? FileAttribute.archive;
    checkInteger(`file ${i} "${file.name}": attributes`, attrs, 0, 0xffff);
    if ((attrs & ~CALLER_ATTRIBUTES) !== 0) {
      throw invalidInput(
        `file ${i} "${file.name}": attributes 0x${attrs.toString(16)} has bits other than read-only, hidden, system, archive and exec (0x${CALLER_ATTRIBUTES.toString(16)})`,
        { file: file.name },
      );
    }
    // In a set, every file gets a folder of its own: a folder continued in the next
    // cabinet then holds only the continued file, and FDI (Windows, Wine), which starts
    // each cabinet's other folders afresh, can extract every file.
    if ((split || folderSize + file.size > folderTarget) && i > folderStart) closeFolder(i);
    const ascii = nameBytes.length === name.length;
    const dos = dateToDosDateTime(file.date);
    planned.push({
      index: i,
      name,
      nameBytes,
      attributes: attrs | (ascii ? 0 : FileAttribute.nameIsUtf8),
      dosDate: dos.date,
      dosTime: dos.time,
      size: file.size,
      folder: folders.length,
      offset: folderSize,
      source: file.source,
    });
    folderSize += file.size;
    total += file.size;
  });
  if (files.length > 0) closeFolder(files.length);
  if (!split && folders.length > MAX_FOLDERS_WITH_FILES) {
    throw invalidInput(
      `cabinet has too many folders (${folders.length}; max is ${MAX_FOLDERS_WITH_FILES}); raise maxFolderSize or set maxCabinetSize (--max-size) to split it into a set`,
    );
  }
  return {
    files: planned,
    folders,
    compression,
    reserve,
    setId,
    maxCabinetSize,
    uncompressedBytes: total,
  };
}

/**
 * "a/b\\c" -> "a\\b\\c". Refused: empty names or parts, ".", "..", a leading separator or
 * a drive letter (readers would write outside their target folder), control characters,
 * and what Windows cannot create (< > : " | ? *, a trailing "." or " ", device names).
 */
function normalizeName(raw: string, i: number): string {
  const where = { file: raw };
  if (typeof raw !== "string" || raw.length === 0) {
    throw invalidInput(`file ${i}: name is empty`, where);
  }
  if (/[\u0000-\u001f]/.test(raw)) {
    throw invalidInput(`file ${i} "${raw}": name contains a control character`, where);
  }
  if (/^[A-Za-z]:/.test(raw)) {
    throw invalidInput(`file ${i} "${raw}": name starts with a drive letter`, where);
  }
  const parts = raw.split(/[\\/]/);
  for (const p of parts) {
    if (p === "" || p === "." || p === "..") {
      throw invalidInput(
        `file ${i} "${raw}": name has an empty, "." or ".." part (expected a relative path)`,
        where,
      );
    }
    // What Windows cannot create: these characters, a part ending in "." or " " (it
    // drops them), device names.
    if (/[<>:"|?*]/.test(p)) {
      throw invalidInput(
        `file ${i} "${raw}": name has one of < > : " | ? * (Windows refuses them)`,
        where,
      );
    }
    if (/[. ]$/.test(p)) {
      throw invalidInput(
        `file ${i} "${raw}": a name part ends with "." or " " (Windows drops it)`,
        where,
      );
    }
    if (/^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\.|$)/i.test(p)) {
      throw invalidInput(`file ${i} "${raw}": "${p}" is a Windows device name`, where);
    }
  }
  if (/\p{Cs}/u.test(raw)) {
    throw invalidInput(`file ${i} "${raw}": name has a lone UTF-16 surrogate`, where);
  }
  return parts.join("\\");
}

function planReserve(r: WriteCabinetOptions["reserve"]): CabReserve {
  const header = r?.header ?? 0;
  const folder = r?.folder ?? 0;
  const data = r?.data ?? 0;
  checkInteger("reserve.header", header, 0, MAX_HEADER_RESERVE);
  checkInteger("reserve.folder", folder, 0, MAX_FOLDER_RESERVE);
  checkInteger("reserve.data", data, 0, MAX_DATA_RESERVE);
  return { header, folder, data };
}

function checkInteger(what: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidInput(`${what} must be an integer in ${min}..${max}, got ${value}`);
  }
}
