/**
 * `build --update-manifest`: lock what was built. A build run this way does not check the
 * manifest's sizes (a file's size is known only after stamping, and changes with the
 * version written into it); after it published, every file's shipped size is written
 * back into the manifest, so the next build checks them.
 *
 * The rewrite edits the manifest's text in place, at the positions the `yaml` package's
 * Document gives for each node: comments, key order, quoting, folded text and line ends
 * stay exactly as written, and only the `size` values (or a new `size:` line after the
 * file's version) change. The result is parsed back and compared before it replaces the
 * file, atomically (temporary file and rename).
 */
import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import {
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  Scalar,
  type YAMLMap,
} from "yaml";
import { InputError } from "../util/errors.js";
import { readInputFile, writeFileAtomic } from "../util/fs.js";
import { type LoadedManifest, parseManifest } from "./load.js";

/** The manifest as a build that locks sizes checks it: no file's size is enforced. */
export function withoutSizes(loaded: LoadedManifest): LoadedManifest {
  const files = loaded.manifest.files.map(({ size: _size, ...rest }) => rest);
  return { ...loaded, manifest: { ...loaded.manifest, files } };
}

/**
 * files[i] -> shipped size, from a build's files (matched by package path, without case,
 * as the loader made them unique).
 */
export function shippedSizes(
  loaded: LoadedManifest,
  built: readonly { readonly path: string; readonly size: number }[],
): Map<number, number> {
  const byPath = new Map(built.map((f) => [f.path.toLowerCase(), f.size]));
  const out = new Map<number, number>();
  loaded.manifest.files.forEach((f, i) => {
    const size = byPath.get(f.path.toLowerCase());
    if (size === undefined) throw new Error(`update: files[${i}] (${f.path}) was not built`);
    out.set(i, size);
  });
  return out;
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * The manifest text with files[i].size set to each given size. Pure. `changed` counts the
 * files whose size was absent or different.
 */
export function setFileSizes(
  text: string,
  sizes: ReadonlyMap<number, number>,
): { text: string; changed: number } {
  const doc = parseDocument(text);
  const files = doc.get("files", true);
  if (!isSeq(files)) throw new Error("update: the manifest has no files list");
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const edits: Edit[] = [];
  for (const [i, size] of sizes) {
    const entry = files.items[i];
    if (!isMap(entry)) throw new Error(`update: files[${i}] is not a mapping`);
    const edit = sizeEdit(text, entry, size, eol);
    if (edit) edits.push(edit);
  }
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  }
  assertOnlySizes(text, out, sizes);
  return { text: out, changed: edits.length };
}

function keyIs(pair: Pair, name: string): boolean {
  return isScalar(pair.key) && pair.key.value === name;
}

/** A value that ends on its own line: not a block scalar (| or >) nor a collection. */
function isInline(node: unknown): node is Scalar {
  return isScalar(node) && node.type !== Scalar.BLOCK_LITERAL && node.type !== Scalar.BLOCK_FOLDED;
}

function sizeEdit(text: string, entry: YAMLMap, size: number, eol: string): Edit | undefined {
  const pairs = entry.items as Pair[];
  const existing = pairs.find((p) => keyIs(p, "size"));
  if (existing) {
    const v = existing.value as Node | null;
    if (isScalar(v) && v.value === size) return undefined;
    const range = v?.range;
    if (!range) throw new Error("update: a size without a position");
    return { start: range[0], end: range[1], text: String(size) };
  }
  // A new `size` after the version (the KB table's column order), else after the last of
  // the keys that say which file it is (name, path, source).
  const anchor =
    pairs.find((p) => keyIs(p, "version") && isInline(p.value)) ??
    pairs.findLast((p) => ["name", "path", "source"].some((k) => keyIs(p, k)) && isInline(p.value));
  const key = anchor?.key as Node | undefined;
  const value = anchor?.value as Node | undefined;
  if (!key?.range || !value?.range) throw new Error("update: a file entry without a name");
  const quoted = isScalar(key) && key.type === Scalar.QUOTE_DOUBLE; // a JSON manifest
  const keyText = quoted ? '"size"' : "size";
  if (entry.flow)
    return { start: value.range[1], end: value.range[1], text: `, ${keyText}: ${size}` };
  // Block mapping: a line of its own, indented as the anchor's key, after the anchor's line.
  const lineStart = text.lastIndexOf("\n", key.range[0] - 1) + 1;
  const indent = " ".repeat(key.range[0] - lineStart);
  let at = text.indexOf("\n", value.range[1]);
  if (at === -1) at = text.length;
  else if (text[at - 1] === "\r") at -= 1;
  return { start: at, end: at, text: `${eol}${indent}${keyText}: ${size}` };
}

/** The rewrite changed nothing but the sizes (else it is a bug, never a quiet change). */
function assertOnlySizes(before: string, after: string, sizes: ReadonlyMap<number, number>) {
  const a = parseDocument(before).toJS() as { files: Record<string, unknown>[] };
  const b = parseDocument(after).toJS() as { files: Record<string, unknown>[] };
  for (const [i, size] of sizes) {
    if (b.files[i]?.size !== size) throw new Error(`update: files[${i}].size was not written`);
    delete a.files[i]!.size;
    delete b.files[i]!.size;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new Error("update: the rewrite changed more than the sizes");
  }
}

/**
 * Write the sizes into the manifest file, which must still be the bytes the build read
 * (`digest`): an edit made while the build ran is never overwritten. A link is followed,
 * so the file it points at is updated and the link stays.
 */
export async function updateManifestSizes(
  loaded: LoadedManifest,
  sizes: ReadonlyMap<number, number>,
): Promise<{ changed: number }> {
  const bytes = await readInputFile(loaded.file, "the manifest");
  const digest = createHash("sha256").update(bytes).digest("hex");
  if (digest !== loaded.digest) {
    throw new InputError(
      `${loaded.file}: changed while the build ran; not updated (build again with --update-manifest)`,
    );
  }
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  const updated = setFileSizes(text, sizes);
  if (updated.changed === 0) return updated;
  parseManifest(loaded.file, updated.text); // still a valid manifest, or a bug
  await writeFileAtomic(await realpath(loaded.file), updated.text);
  return updated;
}
