/**
 * The ProductVersion a stamped file carries, from the manifest's rule: the file's own
 * version by default, the package's, or one fixed version (docs/build.md, "ProductVersion").
 * Build stamps it and verify expects it, so both ask here.
 */
import { type ManifestFile, type PackageInfo, ProductVersionRule } from "./types.js";

export function stampedProductVersion(
  pkg: Pick<PackageInfo, "version" | "productVersion">,
  file: Pick<ManifestFile, "version" | "productVersion">,
): string {
  const rule = file.productVersion ?? pkg.productVersion ?? ProductVersionRule.file;
  if (rule === ProductVersionRule.file) return file.version;
  if (rule === ProductVersionRule.package) return pkg.version;
  return rule;
}
