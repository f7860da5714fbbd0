/**
 * Collect, the pure part: which drop file each manifest entry claims, and what is wrong.
 * Inputs are listings (what the globs matched, what the drop holds); no disk is read here,
 * so every rule tests without files. collect.ts does the I/O around it.
 */
import type { ManifestFile, Platform } from "../manifest/types.js";
import { sourceProblem } from "../manifest/validate-fields.js";

/** Where a manifest value stands, "file:line:col" (LoadedManifest.position of files[i].field). */
export type FilePosition = (index: number, field: keyof ManifestFile) => string;

/** A manifest entry and the one drop file it claims. */
export interface ClaimedSource {
  readonly index: number;
  readonly file: ManifestFile;
  /** Relative to the drop, "/"-separated. */
  readonly source: string;
}

export interface CollectPlan {
  readonly claimed: readonly ClaimedSource[];
  /** One line each: position, file, what was expected. */
  readonly problems: readonly string[];
  /** Drop files no entry claims, sorted. */
  readonly unclaimed: readonly string[];
}

/** "manifest.yaml:12:5 files[3] (Foo.dll)" */
export function fileLabel(
  position: FilePosition,
  index: number,
  file: ManifestFile,
  field: keyof ManifestFile,
): string {
  return `${position(index, field)} files[${index}] (${file.name})`;
}

/**
 * Pair each entry with its matches: exactly one is required. Two entries claiming the
 * same drop file is allowed (the same binary shipped at two paths), and reported by no one.
 */
export function planCollect(
  files: readonly ManifestFile[],
  matches: readonly (readonly string[])[],
  dropFiles: readonly string[],
  position: FilePosition,
  dropName: string,
): CollectPlan {
  const claimed: ClaimedSource[] = [];
  const problems: string[] = [];
  const used = new Set<string>();
  files.forEach((file, index) => {
    const m = [...(matches[index] ?? [])].sort();
    const at = fileLabel(position, index, file, "source");
    const outside = sourceProblem(file.source);
    if (outside) {
      problems.push(`${at}: source "${file.source}" ${outside}`);
    } else if (m.length === 0) {
      problems.push(
        `${at}: source "${file.source}" matches no file in the drop ${dropName}; expected exactly one`,
      );
    } else if (m.length > 1) {
      const shown = m.slice(0, 3).join(", ") + (m.length > 3 ? `, ... (${m.length} in all)` : "");
      problems.push(
        `${at}: source "${file.source}" matches ${m.length} files in the drop (${shown}); expected exactly one: make the pattern narrower`,
      );
    } else {
      claimed.push({ index, file, source: m[0]! });
      used.add(m[0]!);
    }
  });
  const unclaimed = dropFiles.filter((f) => !used.has(f)).sort();
  return { claimed, problems, unclaimed };
}

/** What a PE's machine field says, as a manifest platform ("Not Applicable" when not a PE). */
export function platformProblem(
  label: string,
  expected: Platform,
  found: { readonly isPe: boolean; readonly platform?: string },
): string | undefined {
  const actual = found.isPe ? found.platform : "Not Applicable";
  if (actual === expected) return undefined;
  const what = found.isPe ? `a ${actual} PE` : "not a PE file";
  return `${label}: platform is ${expected} in the manifest, but the file is ${what}`;
}

/** A size the manifest declares against the file's, with both numbers. */
export function sizeProblem(
  label: string,
  expected: number | undefined,
  found: number,
  when: string,
): string | undefined {
  if (expected === undefined || expected === found) return undefined;
  return `${label}: size is ${expected} bytes in the manifest, but the ${when} file has ${found} (${found > expected ? "+" : ""}${found - expected})`;
}
