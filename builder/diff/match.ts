/**
 * Pairing the files of two sides: by package path, case-insensitively as Windows does;
 * a file with no path on either side is paired by name and platform instead.
 */
import type { FileFacts } from "./types.js";

export interface MatchedPair {
  readonly a: FileFacts;
  readonly b: FileFacts;
  /** B's position, for ordering. */
  readonly bIndex: number;
}

export interface Matching {
  readonly pairs: readonly MatchedPair[];
  readonly removed: readonly FileFacts[];
  readonly added: readonly FileFacts[];
}

/** The key a path matches by: "/"-separated, case-folded. */
export function pathKey(path: string): string {
  return path.replaceAll("\\", "/").toLowerCase();
}

export function nameKey(f: FileFacts): string {
  return `${f.name.toLowerCase()}\u0000${f.platform}`;
}

/** How a file is named in reports: its path, else its name. */
export function fileLabel(f: FileFacts): string {
  return f.path ?? f.name;
}

export function matchFiles(a: readonly FileFacts[], b: readonly FileFacts[]): Matching {
  const usedA = new Set<number>();
  const pairOfB = new Map<number, number>();
  // Pass 1: by path, in order (a repeated path pairs first with first).
  const byPath = new Map<string, number[]>();
  a.forEach((f, i) => {
    if (f.path === undefined) return;
    const k = pathKey(f.path);
    byPath.set(k, [...(byPath.get(k) ?? []), i]);
  });
  b.forEach((f, j) => {
    if (f.path === undefined) return;
    const queue = byPath.get(pathKey(f.path));
    const i = queue?.shift();
    if (i === undefined) return;
    usedA.add(i);
    pairOfB.set(j, i);
  });
  // Pass 2: files that lack a path on at least one side, by name and platform.
  const byName = new Map<string, number[]>();
  a.forEach((f, i) => {
    if (usedA.has(i)) return;
    const k = nameKey(f);
    byName.set(k, [...(byName.get(k) ?? []), i]);
  });
  b.forEach((f, j) => {
    if (pairOfB.has(j)) return;
    const queue = byName.get(nameKey(f));
    if (!queue) return;
    const at = queue.findIndex((i) => a[i]!.path === undefined || f.path === undefined);
    if (at < 0) return;
    const [i] = queue.splice(at, 1);
    usedA.add(i!);
    pairOfB.set(j, i!);
  });
  const pairs: MatchedPair[] = [];
  const added: FileFacts[] = [];
  b.forEach((f, j) => {
    const i = pairOfB.get(j);
    if (i === undefined) added.push(f);
    else pairs.push({ a: a[i]!, b: f, bIndex: j });
  });
  return { pairs, added, removed: a.filter((_, i) => !usedA.has(i)) };
}
