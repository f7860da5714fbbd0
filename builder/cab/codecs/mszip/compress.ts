/**
 * Turning a run of a folder's uncompressed bytes into CFDATA records (header + data),
 * pure and synchronous: the same function runs on the calling thread (threads: 1) and in
 * the compression workers, so the output cannot depend on the thread count.
 *
 * MSZIP ([MS-CAB] 3.1, [MS-MCI]): each block is "CK" and a raw deflate stream of at most
 * 32,768 uncompressed bytes, compressed with the previous block's uncompressed bytes as
 * the preset dictionary (MSZIP decoders keep them as history). A block that deflate would
 * expand is written as one stored deflate block instead (still valid MSZIP).
 */
import { deflateRawSync } from "node:zlib";
import { blockChecksum } from "../../format/checksum.js";
import { CFDATA_SIZE, MAX_BLOCK_UNCOMPRESSED, MSZIP_SIGNATURE } from "../../format/constants.js";
import { encodeDataHeader } from "../../format/layout-encode.js";

/**
 * zlib level 5: with the previous block as dictionary it compresses smaller than gcab
 * (level 6, no dictionary) at about 15% less CPU than level 6 (docs/cab-writer.md).
 */
export const MSZIP_DEFLATE_LEVEL = 5;
/** A stored deflate block: BFINAL/BTYPE byte, LEN, NLEN, then the bytes (RFC 1951 3.2.4). */
const STORED_BLOCK_OVERHEAD = 5;

export interface CompressJob {
  readonly compression: "none" | "mszip";
  /** Whole blocks of 32,768 bytes, but for a folder's last which may be shorter. */
  readonly data: Uint8Array;
  /** The uncompressed block before `data` in the same folder (the MSZIP history). */
  readonly history: Uint8Array | undefined;
  readonly dataReserve: number;
}

export interface CompressedRecords {
  /** CFDATA records back to back: header, reserve, data. */
  readonly bytes: Uint8Array;
  /** Byte length of each record in `bytes`. */
  readonly recordSizes: readonly number[];
  /** The job's `data`, handed back for reuse. */
  readonly input?: Uint8Array;
}

export function compressRecords(job: CompressJob): CompressedRecords {
  const { data, dataReserve } = job;
  const parts: Uint8Array[] = [];
  const recordSizes: number[] = [];
  let total = 0;
  let history = job.history;
  for (let at = 0; at < data.length; at += MAX_BLOCK_UNCOMPRESSED) {
    const block = data.subarray(at, Math.min(at + MAX_BLOCK_UNCOMPRESSED, data.length));
    const payload = job.compression === "mszip" ? mszipBlock(block, history) : block;
    const header = new Uint8Array(CFDATA_SIZE + dataReserve);
    encodeDataHeader(
      header,
      0,
      blockChecksum(payload, block.length),
      payload.length,
      block.length,
      dataReserve,
    );
    parts.push(header, payload);
    recordSizes.push(header.length + payload.length);
    total += header.length + payload.length;
    history = block;
  }
  const bytes = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    bytes.set(p, pos);
    pos += p.length;
  }
  return { bytes, recordSizes, input: data };
}

/** One MSZIP block: "CK" + a final deflate block (compressed, or stored if smaller). */
export function mszipBlock(block: Uint8Array, history: Uint8Array | undefined): Uint8Array {
  const deflated = deflateRawSync(block, {
    level: MSZIP_DEFLATE_LEVEL,
    ...(history ? { dictionary: history } : {}),
  });
  const stored = deflated.length >= block.length + STORED_BLOCK_OVERHEAD;
  const out = new Uint8Array(2 + (stored ? block.length + STORED_BLOCK_OVERHEAD : deflated.length));
  out[0] = MSZIP_SIGNATURE & 0xff; // "C"
  out[1] = MSZIP_SIGNATURE >>> 8; //  "K"
  if (stored) {
    out[2] = 0x01; // BFINAL = 1, BTYPE = 00 (stored)
    out[3] = block.length & 0xff; // LEN
    out[4] = block.length >>> 8;
    out[5] = ~block.length & 0xff; // NLEN (one's complement of LEN)
    out[6] = (~block.length >>> 8) & 0xff;
    out.set(block, 7);
  } else {
    out.set(deflated, 2);
  }
  return out;
}
