/**
 * Reading a package for the diff: find the cabinet (in an .exe, after the stub), list its
 * entries with the cab reader, and decode each folder once, handing its blocks to the
 * files it holds (package-side.ts does the hashing and PE inspection).
 */
import { open } from "node:fs/promises";
import { type CabFileEntry, folderBlocks, openCabinet } from "@cabwright/cab";
import { NOT_APPLICABLE } from "../manifest/types.js";
import { readPeInfo } from "../pe/inspect.js";
import type { PeInfo } from "../pe/types.js";
import { locateCabinet } from "../sfx/locate.js";
import { readPackagePlan } from "../sfx/package-plan.js";
import { InputError } from "../util/errors.js";
import { executableFacts } from "./package-facts.js";
import { type PackageEntry, type PackageFolder, packageSideFromFolders } from "./package-side.js";
import type { DiffSide } from "./types.js";

/** How much of an .exe is read for its own version resource (the stub is ~24 KB). */
const STUB_READ_LIMIT = 16 << 20;

/**
 * The self-extractor's own PE facts: its version resource is the package's (version,
 * title, KB number), as build stamps it. Undefined when it cannot be read.
 */
async function stubInfo(file: string, limit: number): Promise<PeInfo | undefined> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(Math.min(limit, STUB_READ_LIMIT));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return readPeInfo(buf.subarray(0, bytesRead), file, false);
  } catch (err) {
    if (err instanceof InputError) return undefined;
    throw err;
  } finally {
    await handle.close();
  }
}

export async function loadPackageSide(file: string, isExe: boolean): Promise<DiffSide> {
  // In an .exe, the sfx stage's locator: by cabwright's package header after the stub's
  // image, else by a search (packages made by other tools).
  const located = isExe ? locateCabinet(file) : undefined;
  const cab = await openCabinet(file, { offset: located?.offset ?? 0 });
  try {
    const stub = isExe ? await stubInfo(file, cab.offset) : undefined;
    const packageVersion =
      stub?.isPe && stub.fileVersion !== NOT_APPLICABLE ? stub.fileVersion : undefined;
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
    if (!isExe) return side;
    const plan = readPackagePlan(file) ?? null;
    const header = located?.header;
    return {
      ...side,
      package: executableFacts({ ...(stub ? { stub } : {}), ...(header ? { header } : {}), plan }),
      installPlan: plan,
    };
  } finally {
    await cab.close();
  }
}
