/**
 * Reading an input file's bytes, checked against the size the plan promised.
 */
import { createReadStream } from "node:fs";
import { invalidData, invalidInput } from "./errors.js";
import type { PlannedFile } from "./writer-types.js";

const READ_CHUNK = 1 << 20;

/** The file's bytes in pieces; throws a CabError if they are not exactly `file.size`. */
export async function* readPlannedFile(file: PlannedFile): AsyncGenerator<Uint8Array> {
  const where = { file: file.name };
  let got = 0;
  let stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array>;
  try {
    stream =
      typeof file.source === "string"
        ? createReadStream(file.source, { highWaterMark: READ_CHUNK })
        : file.source();
  } catch (err) {
    throw invalidInput(`file "${file.name}": cannot open its source: ${message(err)}`, where);
  }
  try {
    for await (const piece of stream as AsyncIterable<Uint8Array | string>) {
      if (typeof piece === "string") {
        throw invalidInput(`file "${file.name}": its source gave text, expected bytes`, where);
      }
      got += piece.length;
      if (got > file.size) {
        throw invalidData(
          `file "${file.name}": its source gave more than the ${file.size} bytes declared`,
          where,
        );
      }
      yield piece;
    }
  } catch (err) {
    if ((err as Error)?.name === "CabError") throw err;
    throw invalidInput(`file "${file.name}": cannot read its source: ${message(err)}`, where);
  }
  if (got !== file.size) {
    throw invalidData(
      `file "${file.name}": its source ended after ${got} bytes, ${file.size} declared`,
      where,
    );
  }
}

function message(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}
