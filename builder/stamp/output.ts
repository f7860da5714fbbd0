/**
 * The stamped file before it is written: a list of parts, each either a range of the input
 * file or bytes of our own (the headers, the new resource section, small edits), with zeros
 * between them. Nothing of the input is copied until the file is written, in chunks, so a
 * stamp costs the headers and the resource section, whatever the file's size. It reads like
 * a file (a PeSource), so the PE reader checks the result before a byte is written.
 */
import type { FileHandle } from "node:fs/promises";
import { PeChecksum } from "../pe/checksum.js";
import { type PeSource, READ_CHUNK, viewOf } from "../pe/headers.js";

/** `length` bytes of the input from offset `from`, or bytes of our own, at output offset `at`. */
type Part =
  | { readonly at: number; readonly length: number; readonly from: number }
  | { readonly at: number; readonly length: number; readonly bytes: Uint8Array };

export class OutputImage implements PeSource {
  readonly name: string;
  /** The output's length. */
  size = 0;
  /** Sorted by offset, none overlapping. */
  #parts: Part[] = [];

  constructor(private readonly input: PeSource) {
    this.name = input.name;
  }

  /** `length` bytes of the input at `from` placed at `at`, over whatever was there. */
  copy(at: number, from: number, length: number): void {
    if (length > 0) this.#place({ at, length, from });
  }

  /** Bytes placed at `at`, over whatever was there; written in place when they fit one part. */
  set(at: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const own = this.#parts.find(
      (p) => "bytes" in p && p.at <= at && at + bytes.length <= p.at + p.length,
    );
    if (own && "bytes" in own) own.bytes.set(bytes, at - own.at);
    else this.#place({ at, length: bytes.length, bytes: new Uint8Array(bytes) });
  }

  /** Our own bytes placed at `at`, kept (not copied): later edits inside them go into them. */
  adopt(at: number, bytes: Uint8Array): void {
    if (bytes.length > 0) this.#place({ at, length: bytes.length, bytes });
  }

  /** Zeros over [at, at + length). */
  zero(at: number, length: number): void {
    if (length > 0) this.#place({ at, length, bytes: new Uint8Array(length) });
  }

  /** Cut the output to `size` bytes (longer: zeros at the end). */
  resize(size: number): void {
    this.#parts = this.#parts
      .filter((p) => p.at < size)
      .map((p) => (p.at + p.length > size ? slice(p, 0, size - p.at) : p));
    this.size = size;
  }

  setUint32(at: number, value: number): void {
    const b = new Uint8Array(4);
    viewOf(b).setUint32(0, value >>> 0, true);
    this.set(at, b);
  }

  setUint16(at: number, value: number): void {
    const b = new Uint8Array(2);
    viewOf(b).setUint16(0, value, true);
    this.set(at, b);
  }

  getUint32(at: number): number {
    return viewOf(this.read(at, 4)).getUint32(0, true);
  }

  /** A copy of [offset, offset + length), cut at the end of the output. */
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, Math.min(this.size, offset + length) - offset));
    this.#fill(out, offset);
    return out;
  }

  /** The whole output in memory. */
  toBytes(): Uint8Array {
    return this.read(0, this.size);
  }

  /**
   * Write the output to `fh` from its start, 1 MiB at a time (each chunk assembled in one
   * buffer, the input read straight into it), and return its CheckSum (the field at
   * `checksumOffset` counted as zeros, as it must be); the caller stores it.
   */
  async writeTo(fh: FileHandle, checksumOffset: number): Promise<number> {
    this.setUint32(checksumOffset, 0);
    const sum = new PeChecksum();
    const buffer = new Uint8Array(Math.min(READ_CHUNK, this.size));
    for (let at = 0; at < this.size; at += buffer.length) {
      const chunk = buffer.subarray(0, Math.min(buffer.length, this.size - at));
      chunk.fill(0);
      this.#fill(chunk, at);
      sum.add(chunk, at);
      for (let done = 0; done < chunk.length; ) {
        const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, at + done);
        done += bytesWritten;
      }
    }
    return sum.value();
  }

  /** Put what the parts hold of [offset, offset + into.length) into `into` (zeroed). */
  #fill(into: Uint8Array, offset: number): void {
    const end = offset + into.length;
    for (const p of this.#parts) {
      const from = Math.max(offset, p.at);
      const to = Math.min(end, p.at + p.length);
      if (to <= from) continue;
      const target = into.subarray(from - offset, to - offset);
      if ("bytes" in p) {
        target.set(p.bytes.subarray(from - p.at, to - p.at));
        continue;
      }
      const at = p.from + (from - p.at);
      let got: number;
      if (this.input.readInto) got = this.input.readInto(target, at);
      else {
        const piece = this.input.read(at, target.length);
        target.set(piece);
        got = piece.length;
      }
      if (got !== target.length) {
        throw new Error(`${this.name}: input changed while stamping (short read): this is a bug`);
      }
    }
  }

  /** Insert a part, cutting away what it covers of the parts already there. */
  #place(part: Part): void {
    const end = part.at + part.length;
    const kept: Part[] = [];
    for (const p of this.#parts) {
      const pEnd = p.at + p.length;
      if (pEnd <= part.at || p.at >= end) {
        kept.push(p);
        continue;
      }
      if (p.at < part.at) kept.push(slice(p, 0, part.at - p.at));
      if (pEnd > end) kept.push(slice(p, end - p.at, pEnd - end));
    }
    kept.push(part);
    kept.sort((a, b) => a.at - b.at);
    this.#parts = kept;
    this.size = Math.max(this.size, end);
  }
}

/** [offset, offset + length) of a part, as a part at its place. */
function slice(p: Part, offset: number, length: number): Part {
  return "bytes" in p
    ? { at: p.at + offset, length, bytes: p.bytes.subarray(offset, offset + length) }
    : { at: p.at + offset, length, from: p.from + offset };
}
