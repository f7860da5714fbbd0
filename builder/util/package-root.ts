import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/**
 * The folder holding cabwright's package.json, found by walking up from this module
 * (works from builder/ sources and from the compiled dist/ tree alike).
 * Bundled data (manifest/, templates/) is read relative to it.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string };
        if (pkg.name === "cabwright") {
          root = dir;
          return dir;
        }
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("cabwright: cannot find the package root (package.json)");
    dir = up;
  }
}

/** A file shipped with cabwright, e.g. bundledPath("manifest", "manifest.schema.json"). */
export function bundledPath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
