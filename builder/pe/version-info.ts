/**
 * VS_VERSIONINFO read from its bytes: the fixed file info and every StringFileInfo table.
 * Each block is { wLength, wValueLength, wType, szKey (UTF-16, NUL), pad to 4, Value, pad to
 * 4, Children }, alignment counted from the start of the resource data.
 */
import { VS_FFI_SIGNATURE, VS_FIXEDFILEINFO_SIZE } from "./constants.js";
import { asSource, damaged, type PeInput, viewOf } from "./headers.js";

export interface FixedFileInfo {
  readonly fileVersion: string;
  readonly productVersion: string;
  readonly fileFlags: number;
  readonly fileOS: number;
  readonly fileType: number;
}

export interface StringTable {
  readonly lang: number;
  readonly codepage: number;
  readonly strings: Record<string, string>;
}

export interface VersionInfoData {
  readonly fixed: FixedFileInfo | undefined;
  readonly stringTables: readonly StringTable[];
}

interface Block {
  readonly key: string;
  readonly type: number;
  readonly valueStart: number;
  readonly valueLength: number;
  readonly childrenStart: number;
  readonly end: number;
}

const align4 = (n: number) => (n + 3) & ~3;

/** "a.b.c.d" from the two DWORDs of a 64-bit version. */
export function versionString(ms: number, ls: number): string {
  return `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`;
}

/**
 * Parse the version resource at bytes[offset, offset + size). `label` names the file in
 * errors; offsets in errors are file offsets.
 */
export function parseVersionInfo(
  input: PeInput,
  offset: number,
  size: number,
  label: string,
): VersionInfoData {
  const data = asSource(input, label).read(offset, size);
  const view = viewOf(data);
  const fail = (at: number, what: string) =>
    damaged(label, offset + at, `version resource: ${what}`);

  const readUtf16z = (start: number, limit: number): { text: string; next: number } => {
    let text = "";
    let i = start;
    while (i + 1 < limit) {
      const c = view.getUint16(i, true);
      i += 2;
      if (c === 0) return { text, next: i };
      text += String.fromCharCode(c);
    }
    return { text, next: limit };
  };

  const block = (at: number, limit: number): Block => {
    if (at + 6 > limit) throw fail(at, "block header runs past its parent");
    const length = view.getUint16(at, true);
    const valueLength = view.getUint16(at + 2, true);
    const type = view.getUint16(at + 4, true);
    if (length < 6 || at + length > limit) {
      throw fail(at, `block length ${length} does not fit in its parent`);
    }
    const end = at + length;
    const key = readUtf16z(at + 6, end);
    const valueStart = Math.min(align4(key.next), end);
    const valueBytes = type === 1 ? valueLength * 2 : valueLength;
    const valueLen = Math.min(valueBytes, end - valueStart);
    return {
      key: key.text,
      type,
      valueStart,
      valueLength: valueLen,
      childrenStart: Math.min(align4(valueStart + valueLen), end),
      end,
    };
  };

  const children = (parent: Block): Block[] => {
    const out: Block[] = [];
    let at = parent.childrenStart;
    while (at + 6 <= parent.end) {
      const b = block(at, parent.end);
      out.push(b);
      at = align4(b.end);
    }
    return out;
  };

  const root = block(0, data.length);
  if (root.key !== "VS_VERSION_INFO") {
    throw fail(6, `key is "${root.key}", expected "VS_VERSION_INFO"`);
  }
  let fixed: FixedFileInfo | undefined;
  if (root.valueLength >= VS_FIXEDFILEINFO_SIZE) {
    const v = root.valueStart;
    const signature = view.getUint32(v, true);
    if (signature !== VS_FFI_SIGNATURE) {
      throw fail(v, `VS_FIXEDFILEINFO signature 0x${signature.toString(16)}, expected 0xfeef04bd`);
    }
    const u32 = (i: number) => view.getUint32(v + 4 * i, true);
    fixed = {
      fileVersion: versionString(u32(2), u32(3)),
      productVersion: versionString(u32(4), u32(5)),
      fileFlags: u32(7) & u32(6),
      fileOS: u32(8),
      fileType: u32(9),
    };
  }
  const stringTables: StringTable[] = [];
  for (const child of children(root)) {
    if (child.key !== "StringFileInfo") continue;
    for (const table of children(child)) {
      const id = Number.parseInt(table.key, 16);
      const strings: Record<string, string> = {};
      for (const s of children(table)) {
        const value = readUtf16z(s.valueStart, s.valueStart + s.valueLength).text;
        if (s.key !== "__proto__") strings[s.key] = value;
      }
      stringTables.push({
        lang: Number.isNaN(id) ? 0 : id >>> 16,
        codepage: Number.isNaN(id) ? 0 : id & 0xffff,
        strings,
      });
    }
  }
  return { fixed, stringTables };
}
