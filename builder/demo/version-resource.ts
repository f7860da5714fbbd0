/**
 * Give a demo image a version resource (VS_VERSIONINFO) with resedit, and append an
 * overlay of filler bytes (data after the last section, kept by PE tools as is).
 */
import * as ResEdit from "resedit";

/** LANG_ENGLISH/SUBLANG_ENGLISH_US and the Unicode code page, as Windows builds use. */
export const LANG_EN_US = 1033;
export const CODEPAGE_UNICODE = 1200;
/** VS_FIXEDFILEINFO fileOS VOS_NT_WINDOWS32, fileType VFT_APP / VFT_DLL. */
const VOS_NT_WINDOWS32 = 0x00040004;
const VFT_APP = 1;
const VFT_DLL = 2;

export interface DemoVersion {
  readonly version: string;
  readonly productVersion?: string;
  readonly dll: boolean;
  readonly strings: Readonly<Record<string, string>>;
}

export function withVersionResource(image: Uint8Array, v: DemoVersion): Uint8Array {
  const exe = ResEdit.NtExecutable.from(image);
  const res = ResEdit.NtExecutableResource.from(exe);
  const vi = ResEdit.Resource.VersionInfo.create({
    lang: LANG_EN_US,
    fixedInfo: { fileOS: VOS_NT_WINDOWS32, fileType: v.dll ? VFT_DLL : VFT_APP },
    strings: [{ lang: LANG_EN_US, codepage: CODEPAGE_UNICODE, values: { ...v.strings } }],
  });
  vi.setFileVersion(v.version, LANG_EN_US);
  vi.setProductVersion(v.productVersion ?? v.version, LANG_EN_US);
  vi.outputToResourceEntries(res.entries);
  res.outputResource(exe);
  return new Uint8Array(exe.generate());
}

/**
 * `count` filler bytes from a seed: a xorshift stream masked to low-entropy values, so the
 * demo compresses about as well as real binaries do (not to nothing, not at all).
 */
export function filler(count: number, seed: string): Uint8Array {
  let x = 0x9e3779b9;
  for (const ch of seed) x = Math.imul(x ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  x ||= 1;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x & 0x1f) === 0 ? x >>> 24 : x & 0x0f;
  }
  return out;
}

export function withOverlay(image: Uint8Array, overlay: Uint8Array): Uint8Array {
  const out = new Uint8Array(image.length + overlay.length);
  out.set(image, 0);
  out.set(overlay, image.length);
  return out;
}
