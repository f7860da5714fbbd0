/**
 * A package (.cab, or an .exe with its cabinet inside) as a diff side: every file's bytes
 * are streamed once, hashed, and, for a PE, inspected (version, platform, signature) and
 * given its neutral digest. Each cabinet folder is decoded once, its blocks handed to the
 * files they hold. Memory stays bounded by the largest single PE file (its headers and
 * resources need random access) plus one block; other files are only hashed as they pass.
 */
import { createHash, type Hash } from "node:crypto";
import { fromDosDateTime } from "../cab/format/dostime.js";
import { NOT_APPLICABLE, Platform } from "../manifest/types.js";
import { neutralDigest } from "../pe/neutral.js";
import { InputError } from "../util/errors.js";
import { readPeFacts } from "./pe-facts.js";
import { type DiffSide, type FileFacts, SideKind } from "./types.js";

/** One file of a package, as the cabinet lists it. */
export interface PackageEntry {
  /** Path inside the cabinet (either slash). */
  readonly path: string;
  readonly size: number;
  /** Raw CFFILE.date / CFFILE.time (UTC, as cabwright writes them). */
  readonly dosDate: number;
  readonly dosTime: number;
}

/** An entry that can stream its own bytes. */
export interface StreamedEntry extends PackageEntry {
  open(): AsyncIterable<Uint8Array>;
}

/** A cabinet folder: its uncompressed stream, and the files that lie in it. */
export interface PackageFolder {
  blocks(): AsyncIterable<Uint8Array>;
  readonly files: readonly { readonly entry: PackageEntry; readonly offset: number }[];
}

/** A PE larger than this is not held for inspection (no hotfix binary comes close). */
export const MAX_INSPECTED_PE_BYTES = 1 << 30;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** "YYYY-MM-DD" and "HH:MM:SS" of the stored DOS fields. */
export function dosFields(dosDate: number, dosTime: number): { date: string; time: string } {
  const t = fromDosDateTime({ date: dosDate, time: dosTime });
  return {
    date: `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`,
    time: `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`,
  };
}

/** Collects one file's facts from its bytes, pushed in order. */
export class FactsCollector {
  private readonly hash: Hash = createHash("sha256");
  private chunks: Uint8Array[] | undefined = [];
  private received = 0;
  private head: number[] = [];
  readonly path: string;

  constructor(
    private readonly label: string,
    private readonly entry: PackageEntry,
  ) {
    this.path = entry.path.replaceAll("\\", "/");
  }

  push(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.received += chunk.length;
    if (this.head.length < 2) this.head.push(...chunk.subarray(0, 2 - this.head.length));
    if (!this.chunks) return;
    const maybePe = this.head.length < 2 || (this.head[0] === 0x4d && this.head[1] === 0x5a);
    if (!maybePe) {
      this.chunks = undefined;
    } else if (this.received > MAX_INSPECTED_PE_BYTES) {
      throw new InputError(
        `${this.label}: ${this.path}: over ${MAX_INSPECTED_PE_BYTES} bytes, too large to inspect as a PE`,
      );
    } else {
      this.chunks.push(chunk);
    }
  }

  finish(): FileFacts {
    if (this.received !== this.entry.size) {
      throw new InputError(
        `${this.label}: ${this.path}: the cabinet lists ${this.entry.size} bytes but holds ${this.received}`,
      );
    }
    const bytes = this.chunks && this.received > 0 ? Buffer.concat(this.chunks) : undefined;
    this.chunks = undefined;
    const pe = bytes ? readPeFacts(bytes) : undefined;
    const neutral = bytes && pe ? neutralDigest(bytes) : undefined;
    return {
      path: this.path,
      name: this.path.slice(this.path.lastIndexOf("/") + 1),
      version: pe?.version ?? NOT_APPLICABLE,
      size: this.received,
      ...dosFields(this.entry.dosDate, this.entry.dosTime),
      platform: pe?.platform ?? Platform.notApplicable,
      sha256: this.hash.digest("hex"),
      ...(neutral !== undefined ? { neutralSha256: neutral } : {}),
      ...(pe ? { signed: pe.signed } : {}),
      ...(pe?.signer !== undefined ? { signer: pe.signer } : {}),
    };
  }
}

/** Facts of one entry that streams its own bytes. */
export async function entryFacts(label: string, entry: StreamedEntry): Promise<FileFacts> {
  const c = new FactsCollector(label, entry);
  for await (const chunk of entry.open()) c.push(chunk);
  return c.finish();
}

/**
 * Facts of every file of one folder, from a single pass over its blocks; files may lie
 * in any order and even overlap (a hostile cabinet), each gets exactly its range.
 */
export async function folderFacts(
  label: string,
  folder: PackageFolder,
): Promise<Map<PackageEntry, FileFacts>> {
  const out = new Map<PackageEntry, FileFacts>();
  const files = [...folder.files]
    .map((f) => ({ ...f, end: f.offset + f.entry.size, c: new FactsCollector(label, f.entry) }))
    .sort((x, y) => x.offset - y.offset || x.end - y.end);
  const done = new Set<number>();
  const finish = (i: number) => {
    const f = files[i]!;
    out.set(f.entry, f.c.finish());
    done.add(i);
  };
  let first = 0; // files before this index are finished
  let pos = 0;
  const advance = (upTo: number) => {
    for (let i = first; i < files.length && files[i]!.offset <= upTo; i++) {
      if (!done.has(i) && files[i]!.end <= upTo) finish(i);
    }
    while (first < files.length && done.has(first)) first++;
  };
  advance(0); // empty files at offset 0
  if (first < files.length) {
    for await (const block of folder.blocks()) {
      const end = pos + block.length;
      for (let i = first; i < files.length && files[i]!.offset < end; i++) {
        const f = files[i]!;
        if (done.has(i) || f.end <= pos) continue;
        const from = Math.max(f.offset, pos) - pos;
        const to = Math.min(f.end, end) - pos;
        f.c.push(block.subarray(from, to));
      }
      pos = end;
      advance(pos);
      if (first >= files.length) break;
    }
  }
  if (first < files.length) {
    const f = files[first]!;
    throw new InputError(
      `${label}: ${f.c.path} needs bytes ${f.offset}..${f.end} of its folder, which holds only ${pos}`,
    );
  }
  return out;
}

/** A package side from its folders; files are listed in `order` (the cabinet's order). */
export async function packageSideFromFolders(
  label: string,
  order: readonly PackageEntry[],
  folders: readonly PackageFolder[],
  packageVersion?: string,
): Promise<DiffSide> {
  const facts = new Map<PackageEntry, FileFacts>();
  for (const folder of folders) {
    for (const [e, f] of await folderFacts(label, folder)) facts.set(e, f);
  }
  return {
    kind: SideKind.package,
    label,
    ...(packageVersion !== undefined && packageVersion !== NOT_APPLICABLE
      ? { packageVersion }
      : {}),
    files: order.map((e) => {
      const f = facts.get(e);
      if (!f) throw new Error(`package side: ${e.path} is in no folder`);
      return f;
    }),
  };
}

/** A package side from entries that stream themselves, read one after the other. */
export async function packageSideFromEntries(
  label: string,
  entries: Iterable<StreamedEntry> | AsyncIterable<StreamedEntry>,
  packageVersion?: string,
): Promise<DiffSide> {
  const files: FileFacts[] = [];
  for await (const e of entries) files.push(await entryFacts(label, e));
  return {
    kind: SideKind.package,
    label,
    ...(packageVersion !== undefined && packageVersion !== NOT_APPLICABLE
      ? { packageVersion }
      : {}),
    files,
  };
}
