import { readFileSync } from "node:fs";
import { bundledPath } from "./package-root.js";

let cached: string | undefined;

/** cabwright's own version, from package.json (recorded in build records). */
export function toolVersion(): string {
  cached ??= (JSON.parse(readFileSync(bundledPath("package.json"), "utf8")) as { version: string })
    .version;
  return cached;
}
