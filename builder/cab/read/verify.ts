/**
 * Testing a cabinet: decode every block of every folder (checking every checksum and each
 * block's size) and check that each file's bytes are all there. Nothing is written.
 */

import { CabError } from "../format/errors.js";
import {
  type BlockStats,
  type FolderPlan,
  folderBlocks,
  missingBytesMessage,
  newBlockStats,
} from "./folder-stream.js";
import {
  type BatchTested,
  type FolderTest,
  TestPool,
  testFolderParallel,
  testsApart,
} from "./parallel-test.js";

export interface CabTestFile {
  readonly name: string;
  readonly size: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface CabTestReport {
  readonly ok: boolean;
  readonly files: readonly CabTestFile[];
  readonly folders: number;
  readonly blocks: number;
  readonly checksumsVerified: number;
  /** Blocks stored with checksum 0 ("none"), which [MS-CAB] allows. */
  readonly checksumsAbsent: number;
  /** Checksums that matched only with the data reserve left out (as libmspack computes). */
  readonly checksumsWithoutReserve: number;
  readonly uncompressedBytes: number;
  /** One line per problem: damaged blocks, missing data, undecodable folders. */
  readonly errors: readonly string[];
}

/** The file entries' fields a test reads (cabinet.ts's CabFileEntry has them). */
interface TestedEntry {
  readonly name: string;
  readonly size: number;
  readonly folderIndex: number;
  readonly offsetInFolder: number;
}

/**
 * What a test reads of an opened cabinet: cabinet.ts's Cabinet gives it, and calls this
 * for Cabinet.test(), so this module does not import cabinet.ts back.
 */
export interface TestedCabinet {
  readonly files: readonly TestedEntry[];
  readonly folderPlans: readonly FolderPlan[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

export interface TestOptions {
  /**
   * Threads that decode an MSZIP folder of 256 blocks or more (read/parallel-test.ts);
   * 1: the calling thread only. Default: one per core, at most 4. The report is the same
   * for any count.
   */
  readonly threads?: number;
  /**
   * Called as each batch of an MSZIP folder's blocks is answered: which thread decoded
   * how many (threadId 0: the calling thread). Shows how the work was shared.
   */
  readonly onBatch?: (batch: BatchTested) => void;
}

export async function testCabinet(
  cab: TestedCabinet,
  opts: TestOptions = {},
): Promise<CabTestReport> {
  const stats = newBlockStats();
  const errors: string[] = [];
  const fileError = new Map<TestedEntry, string>();
  let uncompressedBytes = 0;
  const byFolder = new Map<number, TestedEntry[]>();
  for (const f of cab.files) {
    const list = byFolder.get(f.folderIndex) ?? [];
    list.push(f);
    byFolder.set(f.folderIndex, list);
  }
  const pool = new TestPool(opts.threads, opts.onBatch);
  try {
    for (const plan of cab.folderPlans) {
      const files = byFolder.get(plan.index) ?? [];
      const { good, error } = testsApart(plan)
        ? await testFolderParallel(plan, stats, pool)
        : await testFolder(plan, stats);
      if (error) {
        errors.push(error.message);
        for (const f of files) {
          if (f.size > 0 && f.offsetInFolder + f.size > good) fileError.set(f, error.message);
        }
      }
      uncompressedBytes += good;
      for (const f of files) {
        if (fileError.has(f) || f.offsetInFolder + f.size <= good || f.size === 0) continue;
        const msg = missingBytesMessage(f, plan.index, good);
        fileError.set(f, msg);
        errors.push(msg);
      }
    }
  } finally {
    await pool.close();
  }
  // A file whose start is not here cannot be tested: say so, never pass over it.
  const untested = cab.skipped.map((s) => ({
    name: s.name,
    size: 0,
    ok: false,
    error: `${s.reason}: not tested`,
  }));
  for (const s of untested) errors.push(`"${s.name}" ${s.error}`);
  return {
    ok: errors.length === 0,
    files: [
      ...untested,
      ...cab.files.map((f) => {
        const error = fileError.get(f);
        return error === undefined
          ? { name: f.name, size: f.size, ok: true }
          : { name: f.name, size: f.size, ok: false, error };
      }),
    ],
    folders: cab.folderPlans.length,
    blocks: stats.blocks,
    checksumsVerified: stats.checksumsVerified,
    checksumsAbsent: stats.checksumsAbsent,
    checksumsWithoutReserve: stats.checksumsWithoutReserve,
    uncompressedBytes,
    errors,
  };
}

/** Test a folder on this thread: decode every block in order. */
async function testFolder(plan: FolderPlan, stats: BlockStats): Promise<FolderTest> {
  let good = 0;
  try {
    for await (const block of folderBlocks(plan, stats)) good += block.length;
  } catch (err) {
    if (!(err instanceof CabError)) throw err;
    return { good, error: err };
  }
  return { good, error: undefined };
}
