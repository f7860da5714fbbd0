/**
 * writeCabinet: plan (plan.ts), then stream. Each folder's bytes are cut into chunks of
 * whole 32 KiB blocks and compressed (compress-pool.ts: on worker threads, or inline);
 * results are taken in submission order, so the bytes never depend on the thread count.
 * At most a few chunks are in flight: memory stays bounded whatever the input size.
 */
import { availableParallelism } from "node:os";
import { basename, dirname, extname, join } from "node:path";
import { CabinetAssembler } from "./assemble.js";
import { createCompressor } from "./compress-pool.js";
import { MAX_BLOCK_UNCOMPRESSED } from "./constants.js";
import { invalidInput } from "./errors.js";
import { fileEntrySize, folderEntrySize, headerSize } from "./layout-encode.js";
import type { CompressedRecords } from "./mszip-compress.js";
import { planCabinet } from "./plan.js";
import { type CabinetSink, DirectSink, SpoolSink } from "./sinks.js";
import { openPlannedFile } from "./sources.js";
import type {
  CabInputFile,
  CabPlan,
  PlannedFolder,
  WriteCabinetOptions,
  WriteCabinetResult,
} from "./writer-types.js";

/** Blocks per compression job: large enough to amortize messaging, small for memory. */
const BLOCKS_PER_CHUNK = 8;
const CHUNK_BYTES = BLOCKS_PER_CHUNK * MAX_BLOCK_UNCOMPRESSED;
/** Default threads: the available cores, at most 8 (each worker costs 10-25 MB). */
const MAX_DEFAULT_THREADS = 8;

/**
 * The path of cabinet `index` (0-based) of a set written to `outPath`: OUT.cab, OUT2.cab,
 * OUT3.cab... (the number before the extension).
 */
export function cabinetSetPath(outPath: string, index: number): string {
  if (index === 0) return outPath;
  const ext = extname(outPath);
  const stem = basename(outPath, ext);
  return join(dirname(outPath), `${stem}${index + 1}${ext}`);
}

/** The bytes of the header, CFFOLDER and CFFILE tables of a single-cabinet plan. */
export function singleCabinetTablesSize(plan: CabPlan): number {
  return (
    headerSize(plan.reserve, undefined, undefined) +
    plan.folders.length * folderEntrySize(plan.reserve) +
    plan.files.reduce((n, f) => n + fileEntrySize(f.nameBytes), 0)
  );
}

export async function writeCabinet(
  outPath: string,
  files: readonly CabInputFile[],
  options: WriteCabinetOptions = {},
): Promise<WriteCabinetResult> {
  const plan = planCabinet(files, options);
  if (plan.files.length === 0) {
    throw invalidInput("a cabinet needs at least one file (readers reject an empty cabinet)", {
      file: outPath,
    });
  }
  const threads = options.threads ?? Math.min(availableParallelism(), MAX_DEFAULT_THREADS);
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw invalidInput(`threads must be a positive integer, got ${threads}`);
  }
  const sink: CabinetSink =
    plan.maxCabinetSize === undefined
      ? await DirectSink.open(outPath, singleCabinetTablesSize(plan))
      : await SpoolSink.open(outPath);
  const compressor = createCompressor(plan.compression === "mszip" ? threads : 1);
  const assembler = new CabinetAssembler(plan, sink, (i) => cabinetSetPath(outPath, i));
  const maxInFlight = compressor.threads * 4;
  const inFlight: { folder: PlannedFolder; uStart: number; result: Promise<CompressedRecords> }[] =
    [];
  // Chunk buffers come back from the compressor and are used again: no garbage per chunk.
  const spare: ArrayBuffer[] = [];
  const takeChunk = (length: number) =>
    new Uint8Array(spare.pop() ?? new ArrayBuffer(CHUNK_BYTES), 0, length);
  const drainOne = async () => {
    const head = inFlight.shift()!;
    const records = await head.result;
    if (records.input) spare.push(records.input.buffer as ArrayBuffer);
    await assembler.addRecords(head.folder, head.uStart, records);
  };
  try {
    let bytesIn = 0;
    for (const folder of plan.folders) {
      if (folder.uncompressedSize === 0) {
        while (inFlight.length > 0) await drainOne();
        await assembler.addEmptyFolder(folder);
        continue;
      }
      let uStart = 0;
      let history: Uint8Array | undefined;
      let chunk = takeChunk(Math.min(CHUNK_BYTES, folder.uncompressedSize));
      let fill = 0;
      for (let i = folder.firstFile; i < folder.endFile; i++) {
        const file = plan.files[i]!;
        const reader = await openPlannedFile(file);
        try {
          for (;;) {
            const n = await reader.read(chunk.subarray(fill));
            if (n === 0) break;
            fill += n;
            bytesIn += n;
            if (fill === chunk.length) {
              const data = chunk;
              const length = data.length; // `data` is detached once sent to a worker
              const left = folder.uncompressedSize - (uStart + length);
              // A copy, taken first: `data` goes to a worker (its buffer is transferred).
              const nextHistory =
                left > 0 ? data.slice(length - MAX_BLOCK_UNCOMPRESSED) : undefined;
              const result = compressor.compress({
                compression: plan.compression,
                data,
                history,
                dataReserve: plan.reserve.data,
              });
              // Settled later, in order; until then a failure must not go unhandled.
              result.catch(() => {});
              inFlight.push({ folder, uStart, result });
              uStart += length;
              history = nextHistory;
              fill = 0;
              while (inFlight.length > maxInFlight) await drainOne();
              chunk = takeChunk(Math.min(CHUNK_BYTES, left));
              options.onProgress?.({
                file: file.name,
                bytesIn,
                totalBytes: plan.uncompressedBytes,
              });
            }
          }
        } finally {
          await reader.close();
        }
      }
    }
    while (inFlight.length > 0) await drainOne();
    const cabinets = await assembler.finish();
    await sink.commit();
    return {
      cabinets,
      fileCount: plan.files.length,
      folderCount: plan.folders.length,
      uncompressedBytes: plan.uncompressedBytes,
      compressedBytes: assembler.compressedBytes,
      compressor: compressorInfo(),
    };
  } catch (err) {
    await sink.abort();
    throw err;
  } finally {
    await compressor.close();
  }
}

/** What the compressed bytes depend on: node's bundled zlib. */
export function compressorInfo(): { name: string; version: string } {
  return { name: "zlib", version: process.versions.zlib ?? "unknown" };
}
