/**
 * The manifest's drop section: exclude patterns (files a drop holds that are never
 * shipped: Thumbs.db, *.pdb, symbols/**) and what an unclaimed file means. One rule for
 * `init --from-drop --exclude` and for `build`, so what init leaves out build leaves out.
 *
 * A pattern is a fast-glob pattern over the drop's "/"-separated paths, matched without
 * case as Windows does: one without a "/" matches a file's name in any folder (as a
 * .gitignore line does), one ending in "/" matches everything below that folder.
 */
import fg from "fast-glob";
import type { UnclaimedPolicy } from "./types.js";
import { braceExpansions, MAX_SOURCE_EXPANSIONS } from "./validate-fields.js";

/** When the manifest says nothing: today's behaviour, a warning naming each file. */
export const DEFAULT_UNCLAIMED: UnclaimedPolicy = "warn";

/** What is wrong with an exclude pattern ("is not ..."), or undefined. Pure. */
export function excludePatternProblem(pattern: string): string | undefined {
  if (pattern.trim() === "") return "is empty; expected a pattern like *.pdb";
  if (pattern.includes("\\")) {
    return "holds a \\; expected / between folders (a pattern is matched against the drop's /-separated paths)";
  }
  if (pattern.startsWith("!")) {
    return "starts with !; expected a pattern of files to leave out (there is no re-include)";
  }
  if (pattern.startsWith("/") || /^[A-Za-z]:/.test(pattern)) {
    return "is absolute; expected a pattern relative to the drop";
  }
  if (pattern.split("/").includes("..")) {
    return "has a .. segment; expected a pattern inside the drop";
  }
  // The same bound as a source's: fast-glob expands every brace alternative up front.
  const n = braceExpansions(pattern);
  if (n > MAX_SOURCE_EXPANSIONS) {
    return `expands to ${n > 1e15 ? "more than 10^15" : n} patterns through its braces; at most ${MAX_SOURCE_EXPANSIONS} are allowed`;
  }
  return undefined;
}

/** The fast-glob pattern a manifest pattern stands for. Pure. */
export function excludeGlob(pattern: string): string {
  const p = pattern.replace(/^\.\//, "");
  if (p.endsWith("/")) return `${p}**`;
  return p.includes("/") ? p : `**/${p}`;
}

/**
 * The drop files (relative, "/"-separated) the patterns exclude, each with the first
 * pattern that matches it. Lists as collect lists (dot files included, links followed).
 */
export async function excludedFiles(
  drop: string,
  patterns: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const pattern of patterns) {
    const hits = await fg(excludeGlob(pattern), {
      cwd: drop,
      onlyFiles: true,
      dot: true,
      caseSensitiveMatch: false,
    });
    for (const h of hits) if (!out.has(h)) out.set(h, pattern);
  }
  return out;
}
