/**
 * The resource directory tree (type / name / language -> data), walked once, bounds-checked:
 * directories, entries and name strings inside the section that holds the tree, every
 * directory visited once, at most three levels and MAX_RESOURCE_ENTRIES entries, every data
 * entry's bytes inside a section's raw data. inspect reads the version resources through it,
 * stamp checks the whole tree with it before pe-library walks it (a hostile size would make
 * pe-library allocate gigabytes, a loop would never end), and the neutral digest hashes its
 * leaves.
 */
import {
  DirectoryEntry,
  LANG_EN_US,
  RESOURCE_DATA_ENTRY_SIZE,
  RESOURCE_DIRECTORY,
  RESOURCE_DIRECTORY_SIZE,
  RESOURCE_ENTRY_SIZE,
  RESOURCE_HIGH_BIT,
  RESOURCE_TREE_DEPTH,
  RT_VERSION,
} from "./constants.js";
import {
  asSource,
  damaged,
  directory,
  directoryEntryOffset,
  hex,
  type PeHeaders,
  type PeInput,
  rvaSpan,
  sectionForRva,
  viewOf,
} from "./headers.js";

/** Safety cap on resource entries walked, so a huge hostile tree cannot hang the walk. */
const MAX_RESOURCE_ENTRIES = 65536;

/** A resource type, name or language: a numeric id or a string. */
export type ResourceId = number | string;

export interface ResourceLeaf {
  readonly type: ResourceId;
  readonly name: ResourceId;
  readonly lang: ResourceId;
  /** File offset and size of the data. */
  readonly offset: number;
  readonly size: number;
}

export interface ResourceWalk {
  /** Descend only into this type (an id) at the first level. */
  readonly onlyType?: number;
  /**
   * Refuse, rather than skip, an entry of the wrong kind for its level (a directory where
   * data belongs or the reverse), and data outside the section that holds the tree.
   */
  readonly strict?: boolean;
}

/**
 * The leaves of the resource tree, in directory order; InputError naming a damaged place.
 * Reads the tree's section from its start on (once), nothing else of the file.
 */
export function resourceLeaves(
  input: PeInput,
  h: PeHeaders,
  label: string,
  walk: ResourceWalk = {},
): ResourceLeaf[] {
  const dir = directory(h, DirectoryEntry.resource);
  if (dir.rva === 0 || dir.size === 0) return [];
  const src = asSource(input, label);
  const field = directoryEntryOffset(h, DirectoryEntry.resource)!;
  const base = rvaSpan(h, dir.rva, RESOURCE_DIRECTORY_SIZE, "resource directory", field, label);
  const section = sectionForRva(h, dir.rva)!;
  /** The tree's structures must lie in [base, limit): the rest of its section's raw data. */
  const limit = Math.min(section.pointerToRawData + section.sizeOfRawData, src.size);
  const tree = viewOf(src.read(base, limit - base));
  /** The tree's bytes are read at file offsets. */
  const view = {
    getUint16: (at: number, le: boolean) => tree.getUint16(at - base, le),
    getUint32: (at: number, le: boolean) => tree.getUint32(at - base, le),
  };
  const inside = (at: number, length: number) => at >= base && at + length <= limit;
  const leaves: ResourceLeaf[] = [];
  const visited = new Set<number>();
  let walked = 0;

  const nameOf = (value: number, entry: number): ResourceId => {
    if ((value & RESOURCE_HIGH_BIT) === 0) return value & 0xffff;
    const at = base + (value & ~RESOURCE_HIGH_BIT);
    if (!inside(at, 2) || !inside(at + 2, view.getUint16(at, true) * 2)) {
      throw damaged(label, entry, `resource name string at ${hex(at)} is outside ${section.name}`);
    }
    let s = "";
    for (let i = 0; i < view.getUint16(at, true); i++) {
      s += String.fromCharCode(view.getUint16(at + 2 + i * 2, true));
    }
    return s;
  };

  const dataOf = (at: number, entry: number, path: readonly ResourceId[]) => {
    if (!inside(at, RESOURCE_DATA_ENTRY_SIZE)) {
      throw damaged(
        label,
        entry + 4,
        `resource data entry at ${hex(at)} is outside ${section.name}`,
      );
    }
    const rva = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    const offset = rvaSpan(h, rva, size, "resource data", at, label);
    if (walk.strict && sectionForRva(h, rva) !== section) {
      throw damaged(
        label,
        at,
        `resource data (RVA ${hex(rva)}, ${size} bytes) is not inside ${section.name}`,
      );
    }
    leaves.push({ type: path[0]!, name: path[1]!, lang: path[2]!, offset, size });
  };

  const walkDirectory = (at: number, path: readonly ResourceId[]): void => {
    if (!inside(at, RESOURCE_DIRECTORY_SIZE) || visited.has(at)) {
      throw damaged(
        label,
        at,
        `resource directory at ${hex(at)} is outside ${section.name} or visited twice`,
      );
    }
    visited.add(at);
    const count =
      view.getUint16(at + RESOURCE_DIRECTORY.numberOfNamedEntries, true) +
      view.getUint16(at + RESOURCE_DIRECTORY.numberOfIdEntries, true);
    if (!inside(at, RESOURCE_DIRECTORY_SIZE + count * RESOURCE_ENTRY_SIZE)) {
      throw damaged(label, at, `resource directory of ${count} entries runs past ${section.name}`);
    }
    const level = path.length;
    for (let i = 0; i < count; i++) {
      if (++walked > MAX_RESOURCE_ENTRIES) {
        throw damaged(label, at, `resource tree has over ${MAX_RESOURCE_ENTRIES} entries`);
      }
      const e = at + RESOURCE_DIRECTORY_SIZE + i * RESOURCE_ENTRY_SIZE;
      const rawName = view.getUint32(e, true);
      if (level === 0 && walk.onlyType !== undefined && rawName !== walk.onlyType) continue;
      const target = view.getUint32(e + 4, true);
      const isDirectory = (target & RESOURCE_HIGH_BIT) !== 0;
      const wantDirectory = level < RESOURCE_TREE_DEPTH - 1;
      if (isDirectory !== wantDirectory) {
        if (!walk.strict) continue;
        throw damaged(
          label,
          e + 4,
          `resource tree level ${level + 1} entry is ${isDirectory ? "a directory" : "data"}, expected ${wantDirectory ? "a directory" : "data"}`,
        );
      }
      const here = [...path, nameOf(rawName, e)];
      if (isDirectory) walkDirectory(base + (target & ~RESOURCE_HIGH_BIT), here);
      else dataOf(base + target, e, here);
    }
  };
  walkDirectory(base, []);
  return leaves;
}

export interface ResourceData {
  /** Language id of the resource (the third level of the tree; 0 for a named language). */
  readonly lang: number;
  /** File offset and size of the data. */
  readonly offset: number;
  readonly size: number;
}

/** Every version resource (all names, all languages), in directory order. */
export function findVersionResources(input: PeInput, h: PeHeaders, label: string): ResourceData[] {
  return resourceLeaves(input, h, label, { onlyType: RT_VERSION }).map((l) => ({
    lang: typeof l.lang === "number" ? l.lang : 0,
    offset: l.offset,
    size: l.size,
  }));
}

/**
 * The version resource a reader should see: US English if the file has it, else the
 * language-neutral one, else the first.
 */
export function preferredVersionResource(all: readonly ResourceData[]): ResourceData | undefined {
  return all.find((r) => r.lang === LANG_EN_US) ?? all.find((r) => r.lang === 0) ?? all[0];
}

/** Check the whole resource tree (strictly: see ResourceWalk) before a library walks it. */
export function checkResourceTree(input: PeInput, h: PeHeaders, label: string): void {
  resourceLeaves(input, h, label, { strict: true });
}
