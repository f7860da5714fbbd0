/**
 * The folder's side of LZX compression, on the writer's thread: job results come in folder
 * order, and this turns each into CFDATA records. It keeps what jobs cannot know: the code
 * lengths of the folder's last compressed block, against which the next job's first trees
 * are delta coded (see lzx-encode.ts, "deferred").
 */
import { blockChecksum } from "../../format/checksum.js";
import {
  CFDATA_SIZE,
  MAX_BLOCK_COMPRESSED,
  MAX_BLOCK_UNCOMPRESSED,
} from "../../format/constants.js";
import { encodeDataHeader } from "../../format/layout-encode.js";
import type { CompressedRecords } from "../mszip/compress.js";
import { lzxWindowLayout } from "./decode.js";
import { finishDeferredFrame, type LzxJobResult } from "./encode.js";
import { LENGTH_TREE_SYMBOLS } from "./encode-parse.js";

export class LzxFolderRecords {
  private prevMain: Uint8Array;
  private prevLength: Uint8Array = new Uint8Array(LENGTH_TREE_SYMBOLS);

  constructor(
    windowBits: number,
    private readonly dataReserve: number,
  ) {
    this.prevMain = new Uint8Array(lzxWindowLayout(windowBits).mainTreeSymbols);
  }

  /** The records of one job's frames; `dataLength` is the job's uncompressed size. */
  records(result: LzxJobResult, dataLength: number): CompressedRecords {
    const { payloads, payloadSizes, deferred } = result;
    const parts: Uint8Array[] = [];
    const recordSizes: number[] = [];
    let total = 0;
    let at = 0;
    for (let f = 0; f < payloadSizes.length; f++) {
      const size = payloadSizes[f]!;
      const payload =
        deferred?.frame === f
          ? finishDeferredFrame(deferred, this.prevMain, this.prevLength)
          : payloads.subarray(at, at + size);
      at += size;
      if (payload.length > MAX_BLOCK_COMPRESSED) {
        throw new Error(
          `LZX encoder: frame ${f} came out at ${payload.length} bytes (at most ${MAX_BLOCK_COMPRESSED})`,
        );
      }
      const uncompressed = Math.min(
        MAX_BLOCK_UNCOMPRESSED,
        dataLength - f * MAX_BLOCK_UNCOMPRESSED,
      );
      const header = new Uint8Array(CFDATA_SIZE + this.dataReserve);
      encodeDataHeader(
        header,
        0,
        blockChecksum(payload, uncompressed),
        payload.length,
        uncompressed,
        this.dataReserve,
      );
      parts.push(header, payload);
      recordSizes.push(header.length + payload.length);
      total += header.length + payload.length;
    }
    if (result.lastMainLengths && result.lastLengthLengths) {
      this.prevMain = result.lastMainLengths;
      this.prevLength = result.lastLengthLengths;
    }
    const bytes = new Uint8Array(total);
    let pos = 0;
    for (const p of parts) {
      bytes.set(p, pos);
      pos += p.length;
    }
    return { bytes, recordSizes };
  }
}
