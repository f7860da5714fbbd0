/**
 * The file names a cabinet holds, read from its CFFILE entries ([MS-CAB] 2.4), so that
 * assembleSfx can check the entry command is inside the package before a customer runs it.
 * Names are given as stored ("\" separated); UTF-8 when attribute 0x80 is set, else
 * Latin-1 (the stub reads those in the ANSI code page; our cabinets never need it).
 */
import {
  CFFILE_SIZE,
  CFHEADER_SIZE,
  FileAttribute,
  MAX_NAME_BYTES,
} from "../cab/format/constants.js";

/** The names, or a string saying where the listing is broken. */
export function cabinetFileNames(cab: Uint8Array): string[] | string {
  if (cab.length < CFHEADER_SIZE) return "the cabinet header is cut short";
  const view = new DataView(cab.buffer, cab.byteOffset, cab.length);
  const coffFiles = view.getUint32(16, true);
  const cFiles = view.getUint16(28, true);
  const names: string[] = [];
  let at = coffFiles;
  for (let i = 0; i < cFiles; i++) {
    if (at + CFFILE_SIZE > cab.length) return `CFFILE ${i} at byte ${at} is cut short`;
    const attribs = view.getUint16(at + 14, true);
    const nameAt = at + CFFILE_SIZE;
    const end = cab.indexOf(0, nameAt);
    if (end < 0 || end - nameAt > MAX_NAME_BYTES)
      return `CFFILE ${i} name at byte ${nameAt} has no end`;
    const raw = cab.subarray(nameAt, end);
    names.push(
      attribs & FileAttribute.nameIsUtf8
        ? new TextDecoder("utf-8").decode(raw)
        : new TextDecoder("latin1").decode(raw),
    );
    at = end + 1;
  }
  return names;
}
