/**
 * Read a package (.exe with its cabinet, or a .cab) back: every file's stored fields,
 * and the PE facts of its bytes (extracted one at a time into a private temp folder).
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Toolkit } from "../build/toolkit.js";
import { fromDosDateTime } from "../cab/dostime.js";
import { NOT_APPLICABLE } from "../manifest/types.js";
import type { PackageEntry } from "./compare.js";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Raw DOS fields as the manifest writes them: YYYY-MM-DD and HH:MM:SS. */
export function dosFields(date: number, time: number): { date: string; time: string } {
  const t = fromDosDateTime({ date, time });
  return {
    date: `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`,
    time: `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`,
  };
}

export async function readPackage(
  path: string,
  toolkit: Pick<Toolkit, "openPackage" | "inspect">,
  onFile?: (name: string, bytes: number) => void,
): Promise<PackageEntry[]> {
  const cab = await toolkit.openPackage(path);
  const tmp = await mkdtemp(join(tmpdir(), "cabwright-verify-"));
  try {
    const out: PackageEntry[] = [];
    for (const [i, entry] of cab.files.entries()) {
      const file = join(tmp, String(i));
      let readError: string | undefined;
      try {
        await pipeline(cab.openFile(entry), createWriteStream(file));
      } catch (err) {
        readError = firstLine((err as Error).message ?? String(err));
      }
      const pe = readError === undefined ? await toolkit.inspect(file) : undefined;
      await rm(file, { force: true });
      out.push({
        path: entry.name.replace(/\\/g, "/"),
        size: entry.size,
        ...dosFields(entry.date, entry.time),
        version: pe?.isPe && pe.fileVersion ? pe.fileVersion : NOT_APPLICABLE,
        platform: pe?.isPe && pe.platform ? pe.platform : NOT_APPLICABLE,
        ...(readError !== undefined ? { readError } : {}),
      });
      onFile?.(entry.name, entry.size);
    }
    return out;
  } finally {
    await cab.close?.();
    await rm(tmp, { recursive: true, force: true });
  }
}

function firstLine(s: string): string {
  return s.split("\n")[0]!;
}
