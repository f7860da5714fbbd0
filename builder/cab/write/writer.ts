/**
 * writeCabinet: plan (plan.ts), then stream. Each folder's bytes are cut into chunks of
 * whole 32 KiB blocks and compressed (compress-pool.ts: on worker threads, or inline);
 * results are taken in submission order, so the bytes never depend on the thread count.
 * At most a few chunks are in flight: memory stays bounded whatever the input size.
 */
import { availableParallelism } from "node:os";
import { LzxFolderRecords } from "../codecs/lzx/compress.js";
import type { LzxJobResult } from "../codecs/lzx/encode.js";
import type { CompressedRecords } from "../codecs/mszip/compress.js";
import { MAX_BLOCK_UNCOMPRESSED, MAX_BLOCKS_PER_FOLDER } from "../format/constants.js";
import { invalidInput } from "../format/errors.js";
import { fileEntrySize, folderEntrySize, headerSize } from "../format/layout-encode.js";
import { CabinetAssembler } from "./assemble.js";
import { createCompressor } from "./compress-pool.js";
import { lzxOf } from "./compression-spec.js";
import { cabinetSetPath, compressorInfo, lzxCompressorInfo } from "./info.js";
import { planCabinet } from "./plan.js";
import { type CabinetSink, DirectSink, SpoolSink } from "./sinks.js";
import { openPlannedFile } from "./sources.js";
import type {
  CabInputFile,
  CabLateFile,
  CabPlan,
  PlannedFile,
  PlannedFolder,
  WriteCabinetOptions,
  WriteCabinetResult,
} from "./writer-types.js";

/** Blocks per MSZIP job: large enough to amortize messaging, small for memory. */
const BLOCKS_PER_CHUNK = 8;
const MSZIP_CHUNK_BYTES = BLOCKS_PER_CHUNK * MAX_BLOCK_UNCOMPRESSED;
/**
 * Bytes per LZX job: each job re-indexes the window before it (up to 2 MiB), so jobs are
 * several windows long; 4 MiB keeps that cost near a third of the work at window 21 and
 * the memory of a job in flight about 6 MiB. At least one window, so the history of a job
 * is the end of the one before. A fixed size: the bytes never depend on the thread count.
 */
const LZX_CHUNK_BYTES = 128 * MAX_BLOCK_UNCOMPRESSED;
/** Default threads: the available cores, at most 8 (each worker costs 10-25 MB). */
const MAX_DEFAULT_THREADS = 8;

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
  files: readonly (CabInputFile | CabLateFile)[],
  options: WriteCabinetOptions = {},
): Promise<WriteCabinetResult> {
  const latePlan = files.some(isLate) ? lateFilePlan(files, options) : undefined;
  const plan: CabPlan = latePlan ?? planCabinet(files as CabInputFile[], options);
  if (files.length === 0) {
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
      ? await DirectSink.open(outPath, latePlan?.tablesSize ?? singleCabinetTablesSize(plan))
      : await SpoolSink.open(outPath);
  const lzx = lzxOf(plan.compression);
  const compressor = createCompressor(plan.compression === "none" ? 1 : threads);
  const assembler = new CabinetAssembler(plan, sink, (i) => cabinetSetPath(outPath, i));
  const CHUNK_BYTES = lzx ? LZX_CHUNK_BYTES : MSZIP_CHUNK_BYTES;
  // LZX jobs are large: one waiting per thread is enough to keep every thread busy.
  const maxInFlight = lzx ? compressor.threads + 1 : compressor.threads * 4;
  const inFlight: {
    folder: PlannedFolder;
    uStart: number;
    length: number;
    lzxRecords: LzxFolderRecords | undefined;
    result: Promise<CompressedRecords | (LzxJobResult & { readonly input: Uint8Array })>;
  }[] = [];
  // Chunk buffers come back from the compressor and are used again: no garbage per chunk.
  // An LZX buffer leads with room for a window of history, filled from the chunk before
  // it, so a job's history travels in its own buffer and is never copied again.
  const lead = lzx ? 2 ** lzx.windowBits : 0;
  const bufferBytes = lead + CHUNK_BYTES;
  const spare: ArrayBuffer[] = [];
  const takeChunk = (length: number, withLead: boolean) => {
    if (length < CHUNK_BYTES && spare.length === 0) {
      // A folder's short last chunk (small files): no full-size buffer.
      const at = withLead ? lead : 0;
      return new Uint8Array(new ArrayBuffer(at + length), at, length);
    }
    return new Uint8Array(spare.pop() ?? new ArrayBuffer(bufferBytes), lead, length);
  };
  const drainOne = async () => {
    const head = inFlight.shift()!;
    const result = await head.result;
    const input = result.input?.buffer as ArrayBuffer | undefined;
    if (input?.byteLength === bufferBytes) spare.push(input);
    const records = "payloads" in result ? head.lzxRecords!.records(result, head.length) : result;
    await assembler.addRecords(head.folder, head.uStart, records);
  };
  try {
    let bytesIn = 0;
    for (const folder of plan.folders) {
      // Late files: the folder's size is known once its last file is reached; until then
      // every chunk is a full one, and the short last chunk is sent after the last file.
      const sized = latePlan === undefined;
      if (sized && folder.uncompressedSize === 0) {
        while (inFlight.length > 0) await drainOne();
        await assembler.addEmptyFolder(folder);
        continue;
      }
      let uStart = 0;
      let history: Uint8Array | undefined;
      const lzxRecords = lzx ? new LzxFolderRecords(lzx.windowBits, plan.reserve.data) : undefined;
      const historyBytes = lzx ? 2 ** lzx.windowBits : MAX_BLOCK_UNCOMPRESSED;
      let chunk = takeChunk(
        sized ? Math.min(CHUNK_BYTES, folder.uncompressedSize) : CHUNK_BYTES,
        false,
      );
      let fill = 0;
      /** Send the chunk's first `length` bytes to be compressed; `more`: the folder goes on. */
      const send = async (length: number, more: boolean, name: string) => {
        const data = length === chunk.length ? chunk : chunk.subarray(0, length);
        const left = sized ? folder.uncompressedSize - (uStart + length) : more ? CHUNK_BYTES : 0;
        // The next chunk's history, taken first: `data` goes to a worker (its buffer is
        // transferred) and LZX translates it in place. LZX: into the next buffer's lead;
        // MSZIP: a copy.
        const next = left > 0 ? takeChunk(Math.min(CHUNK_BYTES, left), true) : undefined;
        let nextHistory: Uint8Array | undefined;
        if (lzx) {
          const own = Math.min(lead, uStart);
          history = own > 0 ? new Uint8Array(data.buffer, data.byteOffset - own, own) : undefined;
          if (next) {
            const keep = Math.min(lead, length);
            new Uint8Array(next.buffer, next.byteOffset - keep, keep).set(
              data.subarray(length - keep),
            );
          }
        } else if (left > 0) {
          nextHistory = data.slice(Math.max(0, length - historyBytes));
        }
        const result = lzx
          ? compressor.compressLzx({
              windowBits: lzx.windowBits,
              level: lzx.level,
              e8: lzx.e8,
              data,
              history,
              folderOffset: uStart,
            })
          : compressor.compress({
              compression: plan.compression as "none" | "mszip",
              data,
              history,
              dataReserve: plan.reserve.data,
            });
        // Settled later, in order; until then a failure must not go unhandled.
        result.catch(() => {});
        inFlight.push({ folder, uStart, length, lzxRecords, result });
        uStart += length;
        history = nextHistory;
        fill = 0;
        while (inFlight.length > maxInFlight) await drainOne();
        chunk = next ?? new Uint8Array(0);
        options.onProgress?.({ file: name, bytesIn, totalBytes: plan.uncompressedBytes });
      };
      const end = sized ? folder.endFile : files.length;
      for (let i = folder.firstFile; i < end; i++) {
        const file = latePlan ? await latePlan.settle(i) : plan.files[i]!;
        const reader = await openPlannedFile(file);
        try {
          for (;;) {
            const n = await reader.read(chunk.subarray(fill));
            if (n === 0) break;
            fill += n;
            bytesIn += n;
            if (fill === chunk.length) await send(fill, true, file.name);
          }
        } finally {
          await reader.close();
        }
      }
      if (!sized) {
        if (fill > 0) await send(fill, false, plan.files.at(-1)!.name);
        if (folder.uncompressedSize === 0) {
          while (inFlight.length > 0) await drainOne();
          await assembler.addEmptyFolder(folder);
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
      compressor: lzx ? lzxCompressorInfo() : compressorInfo(),
    };
  } catch (err) {
    await sink.abort();
    throw err;
  } finally {
    await compressor.close();
  }
}

function isLate(f: CabInputFile | CabLateFile): f is CabLateFile {
  return "ready" in f;
}

/** The most a folder holds: 65,535 blocks of 32,768 bytes. */
const MAX_FOLDER_BYTES = MAX_BLOCKS_PER_FOLDER * MAX_BLOCK_UNCOMPRESSED;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The plan of a cabinet with late files: one folder that grows as the writer reaches each
 * file (`settle`), its files listed as they are settled. The assembler reads the plan as
 * it is when each chunk's records arrive, by which time every file those bytes belong to
 * is settled; the tables are written last, when every file is.
 */
interface LatePlan extends CabPlan {
  readonly tablesSize: number;
  readonly uncompressedBytes: number;
  settle(index: number): Promise<PlannedFile>;
}

function lateFilePlan(
  inputs: readonly (CabInputFile | CabLateFile)[],
  options: WriteCabinetOptions,
): LatePlan {
  if (options.maxCabinetSize !== undefined || options.maxFolderSize !== undefined) {
    throw invalidInput(
      "files given later (ready) go into one cabinet of one folder: maxCabinetSize and maxFolderSize cannot be set",
    );
  }
  // Names, dates and attributes are checked as for any cabinet (the sizes once settled).
  const checked = planCabinet(
    inputs.map((f) => (isLate(f) ? { ...f, size: 0, source: "" } : f)),
    options,
  );
  const files: PlannedFile[] = [];
  const folder: Mutable<PlannedFolder> = {
    index: 0,
    firstFile: 0,
    endFile: 0,
    uncompressedSize: 0,
    blockCount: 0,
  };
  const plan: Mutable<Omit<LatePlan, "settle">> & Pick<LatePlan, "settle"> = {
    files,
    folders: [folder],
    compression: checked.compression,
    reserve: checked.reserve,
    setId: checked.setId,
    maxCabinetSize: undefined,
    uncompressedBytes: 0,
    tablesSize:
      headerSize(checked.reserve, undefined, undefined) +
      folderEntrySize(checked.reserve) +
      checked.files.reduce((n, f) => n + fileEntrySize(f.nameBytes), 0),
    async settle(index) {
      const input = inputs[index]!;
      const { source, size } = isLate(input) ? await input.ready() : input;
      const name = checked.files[index]!.name;
      if (!Number.isSafeInteger(size) || size < 0) {
        throw invalidInput(`file ${index} "${name}": size must be an integer >= 0, got ${size}`, {
          file: name,
        });
      }
      if (folder.uncompressedSize + size > MAX_FOLDER_BYTES) {
        throw invalidInput(
          `file ${index} "${name}": the files given later come to more than one folder holds (max is ${MAX_FOLDER_BYTES} bytes: ${MAX_BLOCKS_PER_FOLDER} blocks of ${MAX_BLOCK_UNCOMPRESSED})`,
          { file: name },
        );
      }
      const file: PlannedFile = {
        ...checked.files[index]!,
        folder: 0,
        offset: folder.uncompressedSize,
        size,
        source,
      };
      files.push(file);
      folder.endFile = files.length;
      folder.uncompressedSize += size;
      folder.blockCount = Math.ceil(folder.uncompressedSize / MAX_BLOCK_UNCOMPRESSED);
      plan.uncompressedBytes += size;
      return file;
    },
  };
  return plan;
}
