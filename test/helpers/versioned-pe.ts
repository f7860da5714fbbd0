/**
 * Real PE files that differ only in their version resource: the same C source linked with
 * a VERSIONINFO resource compiled by mingw-w64's windres (an independent way to vary the
 * version, sharing no code with cabwright's stamper or its PE walk).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildPe, type PeArch, requirePeer, run, which } from "./peers.js";

export interface VersionedPeOptions {
  readonly name: string;
  readonly arch: PeArch;
  /** 4-part version, e.g. 10.2.952.0; omitted: no version resource at all. */
  readonly version?: string;
  /** Extra StringFileInfo text (varies the version resource's length). */
  readonly description?: string;
  /** C source; a default small program when omitted. */
  readonly source?: string;
  /** Extra .rc lines (another resource, to show it is not neutral). */
  readonly extraRc?: string;
  readonly dll?: boolean;
  /** FileVersion alone in the strings, as many build systems write: a stamp adds the rest, and the file grows. */
  readonly bare?: boolean;
}

export const DEFAULT_SOURCE = `#include <stdio.h>
int main(void) { puts("cabwright test program"); return 0; }
`;

/** Build one program; returns its path (dir/name). */
export async function buildVersionedPe(dir: string, opts: VersionedPeOptions): Promise<string> {
  const tool = opts.arch === "x64" ? "x86_64-w64-mingw32-windres" : "i686-w64-mingw32-windres";
  const extraArgs: string[] = ["-Wl,--no-insert-timestamp"];
  if (opts.version !== undefined || opts.extraRc !== undefined) {
    const windres = which(tool);
    if (!windres) {
      requirePeer(opts.arch === "x64" ? "x86_64-w64-mingw32-gcc" : "i686-w64-mingw32-gcc");
      throw new Error(`test needs \`${tool}\`: install the Debian package binutils-mingw-w64`);
    }
    const rc = join(dir, `${opts.name}.rc`);
    const obj = join(dir, `${opts.name}.res.o`);
    await writeFile(rc, rcText(opts));
    const r = await run(windres, [rc, "-O", "coff", "-o", obj]);
    if (r.code !== 0) throw new Error(`windres failed for ${opts.name}:\n${r.stderr}`);
    extraArgs.push(obj);
  }
  return buildPe(dir, {
    name: opts.name,
    arch: opts.arch,
    source: opts.source ?? DEFAULT_SOURCE,
    ...(opts.dll ? { dll: true } : {}),
    extraArgs,
  });
}

function rcText(opts: VersionedPeOptions): string {
  const lines: string[] = [];
  if (opts.version !== undefined) {
    const comma = opts.version.split(".").join(",");
    lines.push(
      "1 VERSIONINFO",
      `FILEVERSION ${comma}`,
      `PRODUCTVERSION ${comma}`,
      "BEGIN",
      '  BLOCK "StringFileInfo"',
      "  BEGIN",
      '    BLOCK "040904b0"',
      "    BEGIN",
      ...(opts.bare
        ? [`      VALUE "FileVersion", "${opts.version}"`]
        : [
            '      VALUE "CompanyName", "cabwright tests"',
            `      VALUE "FileDescription", "${opts.description ?? "test program"}"`,
            `      VALUE "FileVersion", "${opts.version}"`,
            `      VALUE "ProductVersion", "${opts.version}"`,
          ]),
      "    END",
      "  END",
      '  BLOCK "VarFileInfo"',
      "  BEGIN",
      '    VALUE "Translation", 0x409, 1200',
      "  END",
      "END",
    );
  }
  if (opts.extraRc) lines.push(opts.extraRc);
  return `${lines.join("\n")}\n`;
}
