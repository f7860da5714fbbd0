/**
 * The version resource edit, on resedit's VersionInfo: the fixed file info and every string
 * table of every version resource the file has (one per language), each kept under its own
 * resource id, language and codepage. A file without one gets one, in the language its other
 * resources use (US English when they say nothing).
 */
import { type NtExecutableResource, Resource } from "resedit";
import {
  CODEPAGE_UNICODE,
  FileType,
  LANG_EN_US,
  RT_VERSION,
  VOS_NT_WINDOWS32,
  VS_FFI_FILEFLAGSMASK,
} from "../pe/constants.js";
import type { VersionParts } from "./version.js";

export interface VersionEdit {
  readonly file: VersionParts;
  readonly product: VersionParts;
  /** Strings to set in every table (FileVersion and ProductVersion included). */
  readonly strings: Record<string, string>;
  readonly isDll: boolean;
}

/** US English when any resource uses it, else the language most resources use, else US English. */
function dominantLanguage(res: NtExecutableResource): number {
  if (res.entries.some((e) => e.lang === LANG_EN_US)) return LANG_EN_US;
  const counts = new Map<number, number>();
  for (const e of res.entries) {
    if (typeof e.lang === "number" && e.lang !== 0)
      counts.set(e.lang, (counts.get(e.lang) ?? 0) + 1);
  }
  let best = LANG_EN_US;
  let bestCount = 0;
  for (const [lang, n] of counts) {
    if (n > bestCount) [best, bestCount] = [lang, n];
  }
  return best;
}

function applyFixed(vi: Resource.VersionInfo, edit: VersionEdit): void {
  const f = vi.fixedInfo;
  f.fileVersionMS = edit.file.ms;
  f.fileVersionLS = edit.file.ls;
  f.productVersionMS = edit.product.ms;
  f.productVersionLS = edit.product.ls;
  if (f.fileFlagsMask === 0) f.fileFlagsMask = VS_FFI_FILEFLAGSMASK;
  if (f.fileOS === 0) f.fileOS = VOS_NT_WINDOWS32;
  if (f.fileType === FileType.unknown) f.fileType = edit.isDll ? FileType.dll : FileType.app;
}

/** Edit the resources in place; returns how many version resources were written. */
export function editVersionResources(res: NtExecutableResource, edit: VersionEdit): number {
  let written = 0;
  res.entries.forEach((entry, i) => {
    if (entry.type !== RT_VERSION) return;
    const vi = Resource.VersionInfo.fromEntries([entry])[0]!;
    applyFixed(vi, edit);
    const tables = vi.getAllLanguagesForStringValues();
    if (tables.length === 0) {
      const lang = typeof entry.lang === "number" ? entry.lang : LANG_EN_US;
      vi.setStringValues({ lang, codepage: CODEPAGE_UNICODE }, edit.strings, true);
    }
    for (const table of tables) vi.setStringValues(table, edit.strings, false);
    // Same id, language and codepage as before; the data is new (no rva: it moves).
    res.entries[i] = {
      type: entry.type,
      id: entry.id,
      lang: entry.lang,
      codepage: entry.codepage,
      bin: vi.generateResource().bin,
    };
    written++;
  });
  if (written === 0) {
    const lang = dominantLanguage(res);
    const vi = Resource.VersionInfo.createEmpty();
    vi.lang = lang;
    applyFixed(vi, edit);
    vi.setStringValues({ lang, codepage: CODEPAGE_UNICODE }, edit.strings, true);
    vi.outputToResourceEntries(res.entries);
    written = 1;
  }
  return written;
}
