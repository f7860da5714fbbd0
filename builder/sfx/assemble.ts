/**
 * The sfx stage: stub + package header + cabinet = the self-extracting package.
 * Two phases: plan the header (sizes known up front), then stream the cabinet into the
 * output while computing its CRC-32, and write the sealed header last, in place.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, readFile, rename, rm } from "node:fs/promises";
import { crc32 } from "node:zlib";
import {
  CAB_SIGNATURE,
  CFFILE_SIZE,
  CFHEADER_SIZE,
  HeaderFlag,
  MAX_CABINET_SIZE,
  MAX_NAME_BYTES,
} from "../cab/format/constants.js";
import type { InstallPlan } from "../install/plan.js";
import { encodePlan } from "../install/plan-codec.js";
import { PeChecksum } from "../pe/checksum.js";
import { certificateTable, requirePeHeaders } from "../pe/headers.js";
import { InputError } from "../util/errors.js";
import { openInputFile, tempPathFor, writeError } from "../util/fs.js";
import { bytesSource } from "./bytes.js";
import { cabinetFileNames } from "./cab-names.js";
import { PE_MACHINE, SFX_FILE_ALIGN, type SfxPlatform } from "./constants.js";
import {
  entryProblem,
  planSfxPrefix,
  prefixPayloadCrc,
  type SfxEntry,
  sealSfxPrefix,
} from "./header.js";
import { stubPath as shippedStubPath } from "./stub.js";

export interface AssembleSfxOptions {
  readonly platform: SfxPlatform;
  readonly cabinetPath: string;
  readonly outPath: string;
  /** What to run after extracting; absent: the package only extracts (or installs its plan). */
  readonly entry?: SfxEntry;
  /**
   * The install plan the engine inside the stub carries out (docs/install.md); a package
   * has an entry command or a plan, not both. Every plan file's source must be in the cabinet.
   */
  readonly plan?: InstallPlan;
  /**
   * The stub to start from, default the shipped one for `platform`. Stamp the package's
   * version resource into a copy of the stub first and pass it here: editing resources
   * after assembly would rebuild the image around the appended data.
   */
  readonly stubPath?: string;
}

export interface AssembledSfx {
  /** Bytes of the package. */
  readonly size: number;
  /** Absolute offset of the cabinet in the package. */
  readonly cabinetOffset: number;
  readonly cabinetSize: number;
  /** Offset of the package header: the stub's size. */
  readonly headerOffset: number;
  /** CRC-32 the stub checks (entry strings, padding and cabinet). */
  readonly payloadCrc: number;
  /** SHA-256 of the stub used, for the build record. */
  readonly stubSha256: string;
}

/** Assemble the package at `outPath` (atomically: a temp file renamed into place). */
export async function assembleSfx(opts: AssembleSfxOptions): Promise<AssembledSfx> {
  if (opts.entry && opts.plan) {
    throw new InputError(
      "package: an entry command and an install plan; a package has one or the other",
    );
  }
  const planBytes = opts.plan ? encodePlan(opts.plan) : undefined;
  if (opts.entry) {
    const problem = entryProblem(opts.entry);
    if (problem) throw new InputError(`package entry: ${problem}`);
  }
  const stubFile = opts.stubPath ?? shippedStubPath(opts.platform);
  const { bytes: stub, checksumOffset } = await readStub(stubFile, opts.platform);
  const cabinetSize = await checkCabinet(opts.cabinetPath);
  if (opts.entry) await checkInCabinet(opts.cabinetPath, [opts.entry.command], "entry command");
  if (opts.plan) {
    await checkInCabinet(
      opts.cabinetPath,
      opts.plan.files.map((f) => f.source),
      "install plan file",
    );
  }
  const prefix = planSfxPrefix(cabinetSize, opts.entry, planBytes);
  const headerOffset = stub.length;
  const cabinetOffset = headerOffset + prefix.cabinetOffset;
  const end = cabinetOffset + cabinetSize;
  const padding = new Uint8Array((SFX_FILE_ALIGN - (end % SFX_FILE_ALIGN)) % SFX_FILE_ALIGN);

  const tmp = tempPathFor(opts.outPath);
  const out = await open(tmp, "wx").catch((err) => {
    throw writeError(opts.outPath, err);
  });
  let payloadCrc = prefixPayloadCrc(prefix);
  // The stub's CheckSum covered the stub alone: recompute it over the whole package.
  const checksum = new PeChecksum();
  const stubNoSum = new Uint8Array(stub); // a copy: stub may be a Buffer, whose slice() is a view
  stubNoSum.fill(0, checksumOffset, checksumOffset + 4);
  checksum.add(stubNoSum, 0);
  try {
    await out.write(prefix.bytes, 0, prefix.bytes.length, headerOffset);
    let at = cabinetOffset;
    for await (const chunk of createReadStream(opts.cabinetPath)) {
      const buf = chunk as Buffer;
      payloadCrc = crc32(buf, payloadCrc);
      checksum.add(buf, at);
      await out.write(buf, 0, buf.length, at);
      at += buf.length;
    }
    if (at !== end) {
      throw new InputError(
        `${opts.cabinetPath}: changed while being read (${at - cabinetOffset} bytes, expected ${cabinetSize})`,
      );
    }
    await out.write(padding, 0, padding.length, end);
    const sealed = sealSfxPrefix(prefix, payloadCrc);
    checksum.add(sealed, headerOffset).add(padding, end);
    new DataView(stubNoSum.buffer).setUint32(checksumOffset, checksum.value(), true);
    await out.write(stubNoSum, 0, stub.length, 0);
    await out.write(sealed, 0, sealed.length, headerOffset);
    await out.close();
    await rename(tmp, opts.outPath);
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw writeError(opts.outPath, err);
  }
  return {
    size: end + padding.length,
    cabinetOffset,
    cabinetSize,
    headerOffset,
    payloadCrc: payloadCrc >>> 0,
    stubSha256: createHash("sha256").update(stub).digest("hex"),
  };
}

/** The stub's bytes, checked: a PE for `platform`, unsigned, nothing after its image. */
async function readStub(
  path: string,
  platform: SfxPlatform,
): Promise<{ bytes: Uint8Array; checksumOffset: number }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    throw new InputError(`${path}: cannot read the SFX stub (${(err as Error).message})`);
  }
  const pe = requirePeHeaders(bytesSource(bytes, path));
  if (pe.machine !== PE_MACHINE[platform]) {
    throw new InputError(
      `${path}: PE machine 0x${pe.machine.toString(16)}, expected 0x${PE_MACHINE[platform].toString(16)} for a ${platform} package`,
    );
  }
  if (certificateTable(pe)) {
    throw new InputError(
      `${path}: the stub is signed; sign the finished package instead (signing after assembly keeps the cabinet inside the signed data)`,
    );
  }
  if (bytes.length !== pe.imageEnd) {
    throw new InputError(
      `${path}: ${bytes.length - pe.imageEnd} bytes follow the image at byte ${pe.imageEnd}; a stub must end with its image (is it already a package?)`,
    );
  }
  return { bytes, checksumOffset: pe.checksumOffset };
}

/** Each name must be one of the cabinet's files (compared as Windows does: any case). */
async function checkInCabinet(
  cabinetPath: string,
  wantedNames: readonly string[],
  what: string,
): Promise<void> {
  // The CFFILE table sits before the data: read it, not the whole cabinet.
  const fh = await open(cabinetPath, "r");
  let head: Uint8Array;
  try {
    const size = (await fh.stat()).size;
    const probe = Buffer.alloc(Math.min(size, CFHEADER_SIZE));
    await fh.read(probe, 0, probe.length, 0);
    const coffFiles = probe.readUInt32LE(16);
    const cFiles = probe.readUInt16LE(28);
    const want = Math.min(size, coffFiles + cFiles * (CFFILE_SIZE + MAX_NAME_BYTES + 1));
    head = Buffer.alloc(want);
    await fh.read(head, 0, want, 0);
  } finally {
    await fh.close();
  }
  const names = cabinetFileNames(head);
  if (typeof names === "string") throw new InputError(`${cabinetPath}: ${names}`);
  const have = new Set(names.map((n) => n.toLowerCase()));
  for (const name of wantedNames) {
    if (!have.has(name.replaceAll("/", "\\").toLowerCase())) {
      throw new InputError(
        `${cabinetPath}: the package ${what} "${name}" is not among the cabinet's ${names.length} files`,
      );
    }
  }
}

/** The cabinet's size, after checking its CFHEADER agrees with the file. */
async function checkCabinet(path: string): Promise<number> {
  let size: number;
  const head = Buffer.alloc(CFHEADER_SIZE);
  try {
    const fh = await openInputFile(path, "a cabinet");
    try {
      size = (await fh.stat()).size;
      await fh.read(head, 0, CFHEADER_SIZE, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${path}: cannot read the cabinet (${(err as Error).message})`);
  }
  if (size < CFHEADER_SIZE || head.readUInt32LE(0) !== CAB_SIGNATURE) {
    throw new InputError(`${path}: byte 0: not a cabinet (no "MSCF" signature)`);
  }
  const cbCabinet = head.readUInt32LE(8);
  if (cbCabinet !== size) {
    throw new InputError(
      `${path}: byte 8: cbCabinet is ${cbCabinet} but the file holds ${size} bytes`,
    );
  }
  if (size > MAX_CABINET_SIZE) {
    throw new InputError(
      `${path}: ${size} bytes; a package cabinet holds at most ${MAX_CABINET_SIZE}`,
    );
  }
  if (head.readUInt16LE(30) & (HeaderFlag.prevCabinet | HeaderFlag.nextCabinet)) {
    throw new InputError(
      `${path}: byte 30: the cabinet is part of a set (spans cabinets); a package holds one whole cabinet`,
    );
  }
  return size;
}
