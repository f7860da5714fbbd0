/**
 * Reading a package for the diff: find the cabinet (in an .exe, after the stub), list its
 * entries with the cab reader, and decode each folder once, handing its blocks to the
 * files it holds (package-side.ts does the hashing and PE inspection).
 */
import { open } from "node:fs/promises";
import { type CabFileEntry, openCabinet } from "../cab/index.js";
import { folderBlocks } from "../cab/read/folder-stream.js";
import { locateCabinet } from "../sfx/locate.js";
import { readPackagePlan } from "../sfx/package-plan.js";
import { type PackageEntry, type PackageFolder, packageSideFromFolders } from "./package-side.js";
import { readPeFacts } from "./pe-facts.js";
import type { DiffSide } from "./types.js";

/** How much of an .exe is read for its own version resource (the stub is ~24 KB). */
const STUB_READ_LIMIT = 16 << 20;

/** The version resource of the self-extractor itself: the package's version, when stamped. */
async function exeVersion(file: string, limit: number): Promise<string | undefined> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(Math.min(limit, STUB_READ_LIMIT));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return readPeFacts(buf.subarray(0, bytesRead))?.version;
  } finally {
    await handle.close();
  }
}

export async function loadPackageSide(file: string, isExe: boolean): Promise<DiffSide> {
  // In an .exe, the sfx stage's locator: by cabwright's package header after the stub's
  // image, else by a search (packages made by other tools).
  const offset = isExe ? locateCabinet(file).offset : 0;
  const cab = await openCabinet(file, { offset });
  try {
    const packageVersion = isExe ? await exeVersion(file, cab.offset) : undefined;
    const entryOf = new Map<CabFileEntry, PackageEntry>();
    const order = cab.files.map((f) => {
      const e: PackageEntry = {
        path: f.storedName.replaceAll("\\", "/"),
        size: f.size,
        dosDate: f.date,
        dosTime: f.time,
      };
      entryOf.set(f, e);
      return e;
    });
    const folders: PackageFolder[] = cab.folderPlans.map((plan, index) => ({
      blocks: () => folderBlocks(plan),
      files: cab.files
        .filter((f) => f.folderIndex === index)
        .map((f) => ({ entry: entryOf.get(f)!, offset: f.offsetInFolder })),
    }));
    const side = await packageSideFromFolders(file, order, folders, packageVersion);
    // An .exe's package header says whether it carries a plan; a bare .cab cannot know.
    return isExe ? { ...side, installPlan: readPackagePlan(file) ?? null } : side;
  } finally {
    await cab.close();
  }
}
