/**
 * The demo build drop: for every row of a manifest, a file that the build accepts and
 * that ships with the row's exact version, size and platform.
 *  - PE rows: a minimal image (pe-image.ts) of the row's platform with a "development"
 *    version resource; stamped rows are padded so that the STAMPED file has the row's size
 *    (a trial stamp with the build's own request measures what stamping adds); rows the
 *    build does not stamp carry their final version and are padded to the size directly.
 *  - Rows with platform "Not Applicable" and a .cab name: a real stored cabinet of the size.
 * Everything is derived from the manifest: two runs give the same bytes.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Manifest, ManifestFile } from "../manifest/types.js";
import { fileStampRequest, manifestDate } from "../pipeline/plan.js";
import type { StampRequest, Toolkit } from "../pipeline/toolkit.js";
import { InputError } from "../util/errors.js";
import { type ImageArch, minimalPe } from "./pe-image.js";
import { filler, withOverlay, withVersionResource } from "./version-resource.js";

export const DemoKind = { pe: "pe", cabinet: "cabinet" } as const;
export type DemoKind = (typeof DemoKind)[keyof typeof DemoKind];

export interface DemoFile {
  readonly index: number;
  /** Where it goes in the drop (the entry's source, which must not be a pattern). */
  readonly source: string;
  readonly kind: DemoKind;
  readonly size: number;
  readonly arch?: ImageArch;
  readonly dll: boolean;
  /** The version resource the drop file carries; absent: none. */
  readonly version?: {
    readonly version: string;
    readonly productVersion: string;
    readonly strings: Record<string, string>;
  };
  /** The request the build will stamp it with; absent: shipped as found. */
  readonly stamp?: StampRequest;
  readonly date: Date;
}

/**
 * A development build's version, as long as the release version: build and revision
 * digits turned to zeros (10.2.952.0 -> 10.2.000.0, read as 10.2.0.0). Same-length strings
 * keep the version resource the same size when the build stamps it, so the stamped file
 * keeps the drop file's exact size (the stamper keeps an overlay at its offset).
 */
export function devVersion(version: string): string {
  const parts = version.split(".");
  return parts.map((p, i) => (i < 2 ? p : "0".repeat(p.length))).join(".");
}

export function planDemoDrop(manifest: Manifest): DemoFile[] {
  return manifest.files.map((f, index) => planFile(manifest, f, index));
}

function planFile(manifest: Manifest, f: ManifestFile, index: number): DemoFile {
  const what = `files[${index}] (${f.name})`;
  if (f.size === undefined)
    throw new InputError(`${what}: the demo drop needs a size for every file`);
  if (/[*?[\]{}()!]/.test(f.source)) {
    throw new InputError(
      `${what}: the demo drop needs a plain source path, not the pattern "${f.source}"`,
    );
  }
  const dll = /\.dll$/i.test(f.name);
  const date = manifestDate(f);
  const base = { index, source: f.source, size: f.size, dll, date };
  if (f.platform === "Not Applicable") {
    if (!/\.cab$/i.test(f.name)) {
      throw new InputError(`${what}: the demo drop makes data files only as cabinets (.cab)`);
    }
    return { ...base, kind: "cabinet" };
  }
  if (f.platform !== "x86" && f.platform !== "x64") {
    throw new InputError(`${what}: the demo drop makes x86 and x64 images, not ${f.platform}`);
  }
  if (f.stamp) {
    // The drop file carries the strings the build will write, with development versions.
    const stamp = fileStampRequest(manifest.package, f);
    const dev = devVersion(f.version);
    const devProduct = devVersion(stamp.productVersion ?? f.version);
    return {
      ...base,
      kind: "pe",
      arch: f.platform,
      version: {
        version: dev,
        productVersion: devProduct,
        strings: { ...stamp.strings, FileVersion: dev, ProductVersion: devProduct },
      },
      stamp,
    };
  }
  const own =
    f.version === "Not Applicable"
      ? {}
      : {
          version: {
            version: f.version,
            productVersion: f.version,
            strings: {
              CompanyName: manifest.package.company,
              FileDescription: f.description ?? f.name,
              FileVersion: f.version,
              OriginalFilename: f.name,
              ProductName: manifest.package.product,
              ProductVersion: f.version,
            },
          },
        };
  return { ...base, kind: "pe", arch: f.platform, ...own };
}

/** A fixed image timestamp for the demo: the row's own date. */
function imageBytes(d: DemoFile): Uint8Array {
  const image = minimalPe({
    arch: d.arch!,
    dll: d.dll,
    timestamp: Math.floor(d.date.getTime() / 1000),
  });
  return d.version ? withVersionResource(image, { ...d.version, dll: d.dll }) : image;
}

const MAX_TRIALS = 4;

/** The PE file for a row: padded so that its shipped (stamped, if stamped) size is d.size. */
export async function demoPe(
  d: DemoFile,
  toolkit: Pick<Toolkit, "stampBytes">,
): Promise<Uint8Array> {
  const image = imageBytes(d);
  const seed = `${d.index}:${d.source}`;
  let overlay = d.size - image.length;
  for (let trial = 0; trial < MAX_TRIALS; trial++) {
    if (overlay < 0) {
      throw new InputError(
        `${d.source}: ${d.size} bytes is too small for a demo image (${image.length} bytes before padding)`,
      );
    }
    const bytes = withOverlay(image, filler(overlay, seed));
    if (!d.stamp) return bytes;
    const stamped = await toolkit.stampBytes(bytes, d.stamp, d.source);
    if (stamped.length === d.size) return bytes;
    overlay += d.size - stamped.length;
  }
  throw new Error(`${d.source}: cannot pad the demo image so that its stamped size is ${d.size}`);
}

/** A real stored cabinet of exactly d.size bytes, holding one filler file. */
export async function demoCabinet(
  d: DemoFile,
  toolkit: Pick<Toolkit, "writeStoredCabinet">,
  outPath: string,
): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), "cabwright-demo-"));
  try {
    const inner = join(tmp, "payload.bin");
    let n = Math.max(1, d.size - 100);
    for (let trial = 0; trial < MAX_TRIALS; trial++) {
      await writeFile(inner, filler(n, d.source));
      await toolkit.writeStoredCabinet(outPath, [
        { name: "enginemapping.dat", source: inner, size: n, date: d.date },
      ]);
      const size = (await stat(outPath)).size;
      if (size === d.size) return;
      n += d.size - size;
      if (n < 1) break;
    }
    throw new Error(`${d.source}: cannot make a demo cabinet of exactly ${d.size} bytes`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Write the whole drop into `dir` (created; files already there are replaced). */
export async function makeDemoDrop(
  manifest: Manifest,
  dir: string,
  toolkit: Pick<Toolkit, "stampBytes" | "writeStoredCabinet">,
  onFile?: (source: string, bytes: number) => void,
): Promise<DemoFile[]> {
  const plan = planDemoDrop(manifest);
  const written = new Set<string>();
  for (const d of plan) {
    const target = join(dir, d.source);
    if (written.has(d.source.toLowerCase())) continue; // two rows may share a source
    written.add(d.source.toLowerCase());
    await mkdir(dirname(target), { recursive: true });
    if (d.kind === "cabinet") await demoCabinet(d, toolkit, target);
    else await writeFile(target, await demoPe(d, toolkit));
    onFile?.(d.source, d.size);
  }
  return plan;
}
