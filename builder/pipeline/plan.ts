/**
 * Build, the pure decisions: what is stamped into each file and into the package
 * executable, the dates stored, the cabinet's names, the output layout.
 */
import { join } from "node:path";
import { stampedProductVersion } from "../manifest/product-version.js";
import type { Manifest, ManifestFile, PackageInfo } from "../manifest/types.js";
import type { StampRequest } from "./toolkit.js";

/** The manifest's UTC date and time as a Date ("18:08" is 18:08:00). */
export function manifestDate(file: Pick<ManifestFile, "date" | "time">): Date {
  const time = file.time.length === 5 ? `${file.time}:00` : file.time;
  return new Date(`${file.date}T${time}Z`);
}

function stem(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The version resource written into a file the manifest marks `stamp: true`. */
export function fileStampRequest(pkg: PackageInfo, file: ManifestFile): StampRequest {
  const productVersion = stampedProductVersion(pkg, file);
  return {
    fileVersion: file.version,
    productVersion,
    strings: {
      CompanyName: pkg.company,
      FileDescription: file.description ?? stem(file.name),
      FileVersion: file.version,
      InternalName: stem(file.name),
      LegalCopyright: pkg.copyright,
      OriginalFilename: file.name,
      ProductName: pkg.product,
      ProductVersion: productVersion,
    },
  };
}

/** The package executable's own version resource: always the package version. */
export function packageStampRequest(pkg: PackageInfo): StampRequest {
  return {
    fileVersion: pkg.version,
    productVersion: pkg.version,
    strings: {
      CompanyName: pkg.company,
      FileDescription: pkg.title,
      FileVersion: pkg.version,
      InternalName: pkg.name,
      LegalCopyright: pkg.copyright,
      OriginalFilename: `${pkg.name}.exe`,
      ProductName: pkg.product,
      ProductVersion: pkg.version,
      ...(pkg.kb !== undefined ? { Comments: `KB${pkg.kb}` } : {}),
    },
  };
}

/** "x64/Foo.dll" -> "x64\\Foo.dll", as cabinets store paths. */
export function cabName(path: string): string {
  return path.replace(/\//g, "\\");
}

/**
 * The modification time given to published files. Outputs carry no wall-clock time:
 * SOURCE_DATE_EPOCH when set, else the latest date in the manifest.
 */
export function outputTime(manifest: Manifest, sourceDateEpoch: number | undefined): Date {
  if (sourceDateEpoch !== undefined) return new Date(sourceDateEpoch * 1000);
  let latest = 0;
  for (const f of manifest.files) latest = Math.max(latest, manifestDate(f).getTime());
  return new Date(latest);
}

/** SOURCE_DATE_EPOCH from the environment: whole seconds, or an InputError-worthy problem. */
export function parseSourceDateEpoch(value: string | undefined): {
  epoch?: number;
  problem?: string;
} {
  if (value === undefined || value === "") return {};
  if (!/^\d+$/.test(value)) {
    return { problem: `SOURCE_DATE_EPOCH is "${value}"; expected whole seconds since 1970` };
  }
  return { epoch: Number(value) };
}

export interface OutputLayout {
  readonly dir: string;
  readonly exe: string;
  readonly cab: string;
  readonly record: string;
  readonly article: string;
}

/** out/NAME/: NAME.exe, NAME.cab, NAME.build.json, NAME.html. */
export function outputLayout(outRoot: string, name: string): OutputLayout {
  const dir = join(outRoot, name);
  return {
    dir,
    exe: join(dir, `${name}.exe`),
    cab: join(dir, `${name}.cab`),
    record: join(dir, `${name}.build.json`),
    article: join(dir, `${name}.html`),
  };
}
