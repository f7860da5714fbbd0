/**
 * The pure layer of the reader, without a disk: CFHEADER/CFDATA parsing with its limits,
 * names, the two checksum readings, and MSZIP blocks that refer to the previous block.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, deflateRawSync } from "node:zlib";
import test from "ava";
import { MszipDecoder } from "../builder/cab/codecs/mszip/decode.js";
import { cabChecksum } from "../builder/cab/format/checksum.js";
import { CabError } from "../builder/cab/format/errors.js";
import {
  parseDataHeader,
  parseFiles,
  parseFolders,
  parseHeader,
  readCString,
} from "../builder/cab/format/layout-parse.js";
import { checkBlockSum } from "../builder/cab/read/folder-stream.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const simple = new Uint8Array(readFileSync(join(repo, "test/fixtures/libmspack/simple.cab")));
const ctx = { file: "t.cab", base: 0, atEof: true };

test("CFHEADER, CFFOLDER and CFFILE of simple.cab", (t) => {
  const h = parseHeader(simple, ctx);
  t.is(h.cabinetSize, simple.length);
  t.is(h.folderCount, 1);
  t.is(h.fileCount, 2);
  t.is(h.foldersOffset, 36);
  const folders = parseFolders(simple.subarray(36), h, { ...ctx, base: 36 });
  t.is(folders[0]!.typeCompress, 0); // stored
  const files = parseFiles(simple.subarray(44), h, { ...ctx, base: 44 });
  t.deepEqual(
    files.map((f) => Buffer.from(f.nameBytes).toString()),
    ["hello.c", "welcome.c"],
  );
});

function throwsCab(t: import("ava").ExecutionContext, fn: () => unknown, re: RegExp): void {
  const err = t.throws(fn);
  t.true(err instanceof CabError, String(err));
  t.regex(err!.message, re);
}

test("limits: header reserve, block sizes, names", (t) => {
  const h = new Uint8Array(simple);
  const dv = new DataView(h.buffer);
  dv.setUint16(30, 0x0004, true); // reserve present
  dv.setUint16(36, 60001, true);
  throwsCab(t, () => parseHeader(h, ctx), /cbCFHeader 60001 .*at most 60000/);

  const block = new Uint8Array(8);
  const bv = new DataView(block.buffer);
  bv.setUint16(4, 32768 + 6144 + 1, true);
  throwsCab(
    t,
    () => parseDataHeader(block, 0, "CFDATA 0", ctx),
    /holds 38913 bytes \(at most 38912\)/,
  );
  bv.setUint16(4, 10, true);
  bv.setUint16(6, 32769, true);
  throwsCab(
    t,
    () => parseDataHeader(block, 0, "CFDATA 0", ctx),
    /expands to 32769 bytes \(at most 32768\)/,
  );

  const long = new Uint8Array(300).fill(0x41);
  throwsCab(t, () => readCString(long, 0, "name", ctx), /longer than 255 bytes/);
  throwsCab(t, () => readCString(long.subarray(0, 10), 0, "name", ctx), /no terminating NUL/);
  t.is(readCString(new Uint8Array([0x61, 0]), 0, "name", ctx).end, 2);
});

test("a folder index past the folder count names the CFFILE, offset and limit", (t) => {
  const h = parseHeader(simple, ctx);
  const files = new Uint8Array(simple.subarray(44));
  new DataView(files.buffer, files.byteOffset).setUint16(8, 3, true);
  throwsCab(
    t,
    () => parseFiles(files, h, { ...ctx, base: 44 }),
    /^t\.cab: CFFILE 0 at offset 0x2c names folder 3; the cabinet has 1$/,
  );
});

test("block checksum: the spec's form (reserve included) and libmspack's (left out)", (t) => {
  const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7]);
  const head = new Uint8Array(8 + 4);
  const dv = new DataView(head.buffer);
  dv.setUint16(4, data.length, true);
  dv.setUint16(6, data.length, true);
  head.set([9, 9, 9, 9], 8);
  const spec = cabChecksum(head.subarray(4, 12), cabChecksum(data));
  const lib = cabChecksum(head.subarray(4, 8), cabChecksum(data));
  t.not(spec, lib);
  t.is(checkBlockSum(data, head, 4, spec), "spec");
  t.is(checkBlockSum(data, head, 4, lib), "no-reserve");
  t.is(checkBlockSum(data, head, 4, 0), "none");
  t.is(checkBlockSum(data, head, 4, spec ^ 1), undefined);
});

test("MSZIP: a block may refer into the previous block's output", (t) => {
  const a = Buffer.from("abcdefghij".repeat(3276) + "abcdefgh"); // 32768 bytes
  const b = Buffer.from(a.subarray(100, 20100));
  const ck = (x: Buffer) => Buffer.concat([Buffer.from("CK"), x]);
  const blockA = ck(deflateRawSync(a));
  const blockB = ck(deflateRawSync(b, { dictionary: a }));
  const d = new MszipDecoder();
  t.true(Buffer.from(d.decompress(blockA, a.length)).equals(a));
  t.true(Buffer.from(d.decompress(blockB, b.length)).equals(b));
  // Without the history the second block cannot decode.
  t.throws(() => new MszipDecoder().decompress(blockB, b.length), { instanceOf: CabError });
});

test("MSZIP: no CK, wrong size and a bomb are CabErrors", (t) => {
  const d = new MszipDecoder();
  t.throws(() => d.decompress(deflateRawSync(Buffer.alloc(10)), 10), {
    instanceOf: CabError,
    message: /"CK"/,
  });
  const bomb = Buffer.concat([
    Buffer.from("CK"),
    deflateRawSync(Buffer.alloc(1 << 20), { level: constants.Z_BEST_COMPRESSION }),
  ]);
  t.throws(() => new MszipDecoder().decompress(bomb, 32768), { instanceOf: CabError });
  const small = Buffer.concat([Buffer.from("CK"), deflateRawSync(Buffer.alloc(100))]);
  t.throws(() => new MszipDecoder().decompress(small, 99), {
    instanceOf: CabError,
    message: /100 bytes but says 99/,
  });
});
