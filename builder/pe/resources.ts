/**
 * The resource directory tree (type / name / language), walked just far enough to find the
 * version resources: RT_VERSION, every name, every language.
 */
import {
  DATA_DIRECTORY_SIZE,
  DirectoryEntry,
  LANG_EN_US,
  RESOURCE_DIRECTORY_SIZE,
  RESOURCE_ENTRY_SIZE,
  RESOURCE_HIGH_BIT,
  RT_VERSION,
} from "./constants.js";
import { damaged, directory, type PeHeaders, rvaToOffset, viewOf } from "./headers.js";

export interface ResourceData {
  /** Language id of the resource (the third level of the tree). */
  readonly lang: number;
  /** File offset and size of the data. */
  readonly offset: number;
  readonly size: number;
}

interface DirEntry {
  readonly id: number | undefined;
  readonly target: number;
  readonly isDirectory: boolean;
}

/** Every version resource (all names, all languages), in directory order. */
export function findVersionResources(
  bytes: Uint8Array,
  h: PeHeaders,
  label: string,
): ResourceData[] {
  const dir = directory(h, DirectoryEntry.resource);
  if (dir.rva === 0 || dir.size === 0) return [];
  const base = rvaToOffset(h, dir.rva);
  if (base === undefined) {
    throw damaged(
      label,
      h.dataDirectoryOffset + DirectoryEntry.resource * DATA_DIRECTORY_SIZE,
      `resource directory RVA 0x${dir.rva.toString(16)} is in no section's data`,
    );
  }
  const view = viewOf(bytes);
  const entries = (dirOffset: number): DirEntry[] => {
    const at = base + dirOffset;
    if (at + RESOURCE_DIRECTORY_SIZE > bytes.length) {
      throw damaged(label, at, "resource directory past the end of the file");
    }
    const count = view.getUint16(at + 12, true) + view.getUint16(at + 14, true);
    if (at + RESOURCE_DIRECTORY_SIZE + count * RESOURCE_ENTRY_SIZE > bytes.length) {
      throw damaged(label, at, `resource directory of ${count} entries runs past the end`);
    }
    const out: DirEntry[] = [];
    for (let i = 0; i < count; i++) {
      const e = at + RESOURCE_DIRECTORY_SIZE + i * RESOURCE_ENTRY_SIZE;
      const name = view.getUint32(e, true);
      const target = view.getUint32(e + 4, true);
      out.push({
        id: name & RESOURCE_HIGH_BIT ? undefined : name,
        target: target & 0x7fffffff,
        isDirectory: (target & RESOURCE_HIGH_BIT) !== 0,
      });
    }
    return out;
  };
  const type = entries(0).find((e) => e.id === RT_VERSION && e.isDirectory);
  if (!type) return [];
  const out: ResourceData[] = [];
  for (const name of entries(type.target).filter((e) => e.isDirectory)) {
    for (const lang of entries(name.target).filter((e) => !e.isDirectory)) {
      out.push(dataOf(bytes, h, label, base + lang.target, lang.id ?? 0));
    }
  }
  return out;
}

function dataOf(bytes: Uint8Array, h: PeHeaders, label: string, dataEntry: number, lang: number) {
  if (dataEntry + 16 > bytes.length) {
    throw damaged(label, dataEntry, "resource data entry past the end of the file");
  }
  const view = viewOf(bytes);
  const rva = view.getUint32(dataEntry, true);
  const size = view.getUint32(dataEntry + 4, true);
  const offset = rvaToOffset(h, rva);
  if (offset === undefined || offset + size > bytes.length) {
    throw damaged(
      label,
      dataEntry,
      `version resource data (RVA 0x${rva.toString(16)}, ${size} bytes) is not in the file`,
    );
  }
  return { lang, offset, size };
}

/**
 * The version resource a reader should see: US English if the file has it, else the
 * language-neutral one, else the first.
 */
export function preferredVersionResource(all: readonly ResourceData[]): ResourceData | undefined {
  return all.find((r) => r.lang === LANG_EN_US) ?? all.find((r) => r.lang === 0) ?? all[0];
}

/**
 * Check the whole resource tree before a library walks it: three levels (type, name,
 * language), directories and name strings inside the resource section, every data entry's
 * bytes inside the section's raw data. A hostile size would otherwise make pe-library
 * allocate gigabytes, and a loop would never end.
 */
export function checkResourceTree(bytes: Uint8Array, h: PeHeaders, label: string): void {
  const dir = directory(h, DirectoryEntry.resource);
  if (dir.rva === 0 || dir.size === 0) return;
  const section = h.sections.find((s) => s.virtualAddress === dir.rva);
  const base = rvaToOffset(h, dir.rva);
  if (!section || base === undefined) return; // resourceSection() refuses these
  const limit = Math.min(section.sizeOfRawData, bytes.length - base);
  const view = viewOf(bytes);
  const seen = new Set<number>();
  const walk = (offset: number, level: number) => {
    const at = base + offset;
    if (offset + RESOURCE_DIRECTORY_SIZE > limit || seen.has(offset)) {
      throw damaged(
        label,
        at,
        `resource directory at section offset 0x${offset.toString(16)} is outside .rsrc or visited twice`,
      );
    }
    seen.add(offset);
    const count = view.getUint16(at + 12, true) + view.getUint16(at + 14, true);
    if (offset + RESOURCE_DIRECTORY_SIZE + count * RESOURCE_ENTRY_SIZE > limit) {
      throw damaged(label, at, `resource directory of ${count} entries runs past the end of .rsrc`);
    }
    for (let i = 0; i < count; i++) {
      const e = at + RESOURCE_DIRECTORY_SIZE + i * RESOURCE_ENTRY_SIZE;
      const name = view.getUint32(e, true);
      const target = view.getUint32(e + 4, true);
      if (name & RESOURCE_HIGH_BIT) {
        const s = name & 0x7fffffff;
        if (s + 2 > limit || s + 2 + view.getUint16(base + s, true) * 2 > limit) {
          throw damaged(label, e, "resource name string outside .rsrc");
        }
      }
      const isDirectory = (target & RESOURCE_HIGH_BIT) !== 0;
      if (isDirectory !== level < 2) {
        throw damaged(
          label,
          e + 4,
          `resource tree level ${level + 1} entry is ${isDirectory ? "a directory" : "data"}, expected ${level < 2 ? "a directory" : "data"}`,
        );
      }
      if (isDirectory) {
        walk(target & 0x7fffffff, level + 1);
        continue;
      }
      if (target + 16 > limit) throw damaged(label, e + 4, "resource data entry outside .rsrc");
      const rva = view.getUint32(base + target, true);
      const size = view.getUint32(base + target + 4, true);
      if (rva < section.virtualAddress || rva - section.virtualAddress + size > limit) {
        throw damaged(
          label,
          base + target,
          `resource data (RVA 0x${rva.toString(16)}, ${size} bytes) is not inside .rsrc`,
        );
      }
    }
  };
  walk(0, 0);
}
