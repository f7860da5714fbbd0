/**
 * What the checks after the schema may look at when the schema found problems, so that
 * `check` reports every problem of a manifest in one run: the schema's (types, unknown
 * keys, formats) and the semantic ones (duplicates, paths, an entry command that is not
 * a file of the package) together. Every value the schema refused is taken out, and the
 * semantic checks are told which, so they neither trip on a wrong type nor report a
 * second problem where the schema already reported one. Pure.
 */
import type { PathSegment } from "./source.js";

export interface SemanticView {
  /** A copy of the document without the values the schema refused. */
  readonly value: Record<string, unknown>;
  /** files[i] is not checked further (its name or path, or the entry itself, is refused). */
  readonly skipFiles: ReadonlySet<number>;
  /** files[i]'s fields the schema refused: "has no X" is not reported for them. */
  readonly brokenFileFields: ReadonlyMap<number, ReadonlySet<string>>;
  /** defaults' fields the schema refused. */
  readonly brokenDefaults: ReadonlySet<string>;
  /** The install section (or the package it refers to) has schema problems: not checked further. */
  readonly skipInstall: boolean;
}

/** Fields that tell which file an entry is: when refused, the entry is left out. */
const IDENTITY = new Set(["name", "path"]);

/**
 * The view for `broken` (the instance paths the schema refused); undefined when the
 * document itself is not a mapping (nothing further can be checked).
 */
export function semanticView(
  value: unknown,
  broken: readonly (readonly PathSegment[])[],
): SemanticView | undefined {
  if (!isRecord(value) || broken.some((p) => p.length === 0)) return undefined;
  const copy = structuredClone(value);
  const skipFiles = new Set<number>();
  const brokenFileFields = new Map<number, Set<string>>();
  const brokenDefaults = new Set<string>();
  let skipInstall = false;
  for (const path of broken) {
    const [top, second] = path;
    if (typeof top !== "string") continue;
    if (top === "files") {
      if (typeof second !== "number") {
        copy.files = [];
        continue;
      }
      const field = path[2];
      if (typeof field !== "string" || IDENTITY.has(field)) {
        skipFiles.add(second);
        continue;
      }
      const entry = (copy.files as unknown[] | undefined)?.[second];
      if (isRecord(entry)) delete entry[field];
      const fields = brokenFileFields.get(second) ?? new Set<string>();
      fields.add(field);
      brokenFileFields.set(second, fields);
    } else if (top === "defaults") {
      if (typeof second !== "string") {
        copy.defaults = {};
        for (const k of ["version", "date", "time", "platform", "stamp"]) brokenDefaults.add(k);
      } else {
        if (isRecord(copy.defaults)) delete copy.defaults[second];
        brokenDefaults.add(second);
      }
    } else if (top === "package") {
      skipInstall = true;
      if (typeof second !== "string") copy.package = {};
      else if (isRecord(copy.package)) delete copy.package[second];
    } else if (top === "drop" && isRecord(copy.drop) && typeof second === "string") {
      // One refused pattern leaves the others to check, each at its own index.
      const list = copy.drop[second];
      if (Array.isArray(list) && typeof path[2] === "number") list[path[2]] = null;
      else delete copy.drop[second];
    } else {
      if (top === "install") skipInstall = true;
      delete copy[top];
    }
  }
  if (!isRecord(copy.package)) copy.package = {};
  if (!Array.isArray(copy.files)) copy.files = [];
  copy.files = (copy.files as unknown[]).map((f, i) => {
    if (isRecord(f) && typeof f.name === "string") return f;
    skipFiles.add(i);
    return { name: "" };
  });
  return { value: copy, skipFiles, brokenFileFields, brokenDefaults, skipInstall };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
