/**
 * A release engineer's product of 21 stamped PE files, built twice by `cabwright build`:
 * 20 real Wine DLLs (test/fixtures/wine-dlls, copied under 20 names) that no release
 * touches, and one mingw-w64 program whose code and version a release may change. The
 * package version moves from 4.1.3120.0 to 4.1.3125.0 between the two builds (issue 16).
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSide } from "cabwright";
import type { DiffSide } from "../../builder/diff/types.js";
import { build } from "../../builder/pipeline/build.js";
import type { SideForm } from "./diff-drops.js";
import { buildPe } from "./peers.js";

/** The repository's Wine DLL fixtures (tests run from dist/test/). */
const WINE_DLLS = fileURLToPath(new URL("../../../test/fixtures/wine-dlls/", import.meta.url));

export const FIRST = "4.1.3120.0";
export const NEXT = "4.1.3125.0";
/** Wine DLLs carried unchanged from build to build. */
export const UNTOUCHED = 20;
/** The one file a release may really change. */
export const CHANGED = "Widget.exe";

export interface Release {
  readonly packageVersion: string;
  /** Widget.exe's version. */
  readonly widgetVersion: string;
  /** Varies Widget.exe's code. */
  readonly widgetVariant: number;
  /** Manifest lines added under `package:` (e.g. `  productVersion: package`). */
  readonly packageLines?: readonly string[];
  /** Manifest lines added to Widget.exe's entry. */
  readonly widgetLines?: readonly string[];
  /** KB number and title, to show package-level changes. */
  readonly kb?: string;
  readonly title?: string;
  /** Untouched files this release no longer ships (their package paths). */
  readonly omit?: readonly string[];
}

/** "x64/Widget01.dll" (an x64 Wine DLL) or "Widget02.dll" (an x86 one). */
export function untouchedPath(i: number): string {
  const n = String(i + 1).padStart(2, "0");
  return i % 2 === 0 ? `x64/Widget${n}.dll` : `Widget${n}.dll`;
}

const widgetSource = (variant: number) => `#include <stdio.h>
int main(void) { puts("Contoso Widget, build ${variant}"); return ${variant}; }
`;

/** Write the drop and its manifest into `dir`; returns the manifest's path. */
export async function writeRelease(dir: string, r: Release): Promise<string> {
  const drop = join(dir, "drop");
  await mkdir(join(drop, "x64"), { recursive: true });
  const entries: string[] = [];
  for (let i = 0; i < UNTOUCHED; i++) {
    const path = untouchedPath(i);
    if (r.omit?.includes(path)) continue;
    const x64 = path.startsWith("x64/");
    await copyFile(join(WINE_DLLS, x64 ? "amsi-x64.dll" : "adsldpc-x86.dll"), join(drop, path));
    entries.push(
      `  - name: ${path.split("/").pop()}`,
      ...(x64 ? [`    path: ${path}`, "    platform: x64"] : []),
    );
  }
  await buildPe(drop, { name: CHANGED, arch: "x86", source: widgetSource(r.widgetVariant) });
  entries.push(`  - name: ${CHANGED}`, `    version: ${r.widgetVersion}`, ...(r.widgetLines ?? []));
  const manifest = join(dir, "widget.yaml");
  await writeFile(
    manifest,
    `package:
  name: widget
  title: ${r.title ?? "Cumulative update for Contoso Widget 4.1"}
  product: Contoso Widget
  version: ${r.packageVersion}
  company: Contoso
  copyright: (c) Contoso
${r.kb !== undefined ? `  kb: "${r.kb}"\n` : ""}${(r.packageLines ?? []).join("\n")}${r.packageLines?.length ? "\n" : ""}defaults:
  version: ${FIRST}
  date: 2026-11-30
  time: "09:00"
  platform: x86
files:
${entries.join("\n")}
`,
  );
  return manifest;
}

export interface BuiltRelease {
  readonly manifest: string;
  /** out/widget/widget (add .exe, .cab, .build.json). */
  readonly base: string;
  readonly sides: Record<SideForm, DiffSide>;
}

/** Write and build one release under `dir`, and load it in its four forms. */
export async function buildRelease(dir: string, r: Release): Promise<BuiltRelease> {
  const manifest = await writeRelease(dir, r);
  await build({ manifest, drop: join(dir, "drop"), out: join(dir, "out"), sourceDateEpoch: "0" });
  const base = join(dir, "out", "widget", "widget");
  return {
    manifest,
    base,
    sides: {
      manifest: await loadSide(manifest),
      "build-record": await loadSide(`${base}.build.json`),
      cab: await loadSide(`${base}.cab`),
      exe: await loadSide(`${base}.exe`),
    },
  };
}
