/**
 * What the build and diff benchmarks share: a drop of real PE files (Wine's x64 DLLs) of a
 * given size, and the manifest that declares it.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** Wine's x64 PE DLLs (Debian: wine64). */
export const WINE_DLLS = "/usr/lib/x86_64-linux-gnu/wine/x86_64-windows";

/** Wine's DLLs in name order, until their sizes reach `targetBytes`. */
export async function pickWineDlls(targetBytes: number): Promise<{ name: string; size: number }[]> {
  const names = (await readdir(WINE_DLLS)).filter((n) => n.endsWith(".dll")).sort();
  const out: { name: string; size: number }[] = [];
  let total = 0;
  for (const name of names) {
    if (total >= targetBytes) break;
    const size = (await stat(join(WINE_DLLS, name))).size;
    out.push({ name, size });
    total += size;
  }
  return out;
}

/** A manifest declaring `names` (x64, fixed version and date), titled `title`. */
export function benchManifest(title: string, names: readonly string[]): string {
  const rows = names.map((n) => `  - name: ${JSON.stringify(n)}`).join("\n");
  return `package:
  name: bench
  title: ${title}
  product: cabwright bench
  version: 1.0.100.0
  company: cabwright
  copyright: (c) cabwright
  platform: x64
defaults:
  version: 1.0.100.0
  date: 2024-01-02
  time: "03:04"
  platform: x64
files:
${rows}
`;
}
