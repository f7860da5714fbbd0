/**
 * Release-discipline rules: what a generic diff cannot say. Each rule is a pure function
 * of a matched pair, of the files A has and B has not, or of side B and the set of files
 * this diff touched (added, or changed in version, platform or content), so that diffing
 * a package against itself finds nothing. Content is judged by the neutral digest (the
 * bytes without the version resource, checksum, timestamps and signature) wherever both
 * sides know it: a restamp is not a rebuild, whatever the version resource now says.
 */
import type { PlanChange } from "../install/compare.js";
import { NOT_APPLICABLE, Platform } from "../manifest/types.js";
import { compareVersions, parseVersion } from "../manifest/validate-fields.js";
import { fileLabel, type MatchedPair, nameKey } from "./match.js";
import { type DiffSide, type FileFacts, type Finding, RuleId } from "./types.js";

/** A finding before diffSides says where it points (compare.ts adds `at`). */
export type Unplaced = Omit<Finding, "at">;

/** One line per rule, for --help, docs and reports. */
export const RULE_DESCRIPTIONS: Readonly<Record<RuleId, string>> = {
  [RuleId.rebuiltWithoutVersionBump]:
    "content changed (neutral SHA-256, else SHA-256, else size) but the version did not: a rebuild without a bump",
  [RuleId.versionOnlyChange]:
    "version changed but the content is identical apart from the version resource",
  [RuleId.versionBackwards]: "the version went backwards",
  [RuleId.staleVersion]:
    "a file older than the package's other files of the same product (same major.minor)",
  [RuleId.platformChanged]: "the platform changed",
  [RuleId.pairVersionMismatch]: "an x86/x64 pair (same name, both platforms) disagrees on version",
  [RuleId.signatureRemoved]: "a signed file became unsigned",
  [RuleId.droppedFile]:
    "a file of A is not in B: a cumulative update must still carry every earlier fix",
  [RuleId.installPlanChanged]:
    "the install plan changed: where or what it installs, its services, checks or identity",
};

/** Findings are about files; a plan finding names this instead. */
export const PLAN_FINDING_FILE = "(install plan)";

/** The plan's finding: one, naming the fields that changed. */
export function planFindings(changes: readonly PlanChange[]): Unplaced[] {
  if (changes.length === 0) return [];
  const fields = changes.map((c) => c.field);
  const shown = fields.slice(0, 5).join(", ") + (fields.length > 5 ? ", ..." : "");
  return [
    {
      rule: RuleId.installPlanChanged,
      path: PLAN_FINDING_FILE,
      message: `${changes.length} field(s) of the install plan changed: ${shown}`,
    },
  ];
}

const isVersion = (v: string) => v !== NOT_APPLICABLE && parseVersion(v) !== undefined;
const short = (digest: string) => digest.slice(0, 12);

/**
 * Whether the content differs: by the neutral digest when both sides know it (a restamped
 * or re-signed file is the same content), else by SHA-256, else by size (a different size
 * is a change; an equal one proves nothing); undefined: unknown.
 */
export function contentChanged(a: FileFacts, b: FileFacts): boolean | undefined {
  if (a.neutralSha256 !== undefined && b.neutralSha256 !== undefined) {
    return a.neutralSha256 !== b.neutralSha256;
  }
  if (a.sha256 !== undefined && b.sha256 !== undefined) return a.sha256 !== b.sha256;
  if (a.size !== undefined && b.size !== undefined && a.size !== b.size) return true;
  return undefined;
}

/** Findings about one matched file, in rule order. */
export function pairFindings({ a, b }: MatchedPair): Unplaced[] {
  const path = fileLabel(b);
  const out: Unplaced[] = [];
  const bothVersions = isVersion(a.version) && isVersion(b.version);
  if (bothVersions && a.version === b.version && contentChanged(a, b) === true) {
    out.push({
      rule: RuleId.rebuiltWithoutVersionBump,
      path,
      message: `content changed (${contentEvidence(a, b)}) but the version stayed ${b.version}`,
    });
  }
  if (bothVersions && a.version !== b.version) {
    const sameNeutral = a.neutralSha256 !== undefined && a.neutralSha256 === b.neutralSha256;
    const sameBytes = a.sha256 !== undefined && a.sha256 === b.sha256;
    if (sameNeutral || sameBytes) {
      out.push({
        rule: RuleId.versionOnlyChange,
        path,
        message: `version ${a.version} -> ${b.version} but the content is identical apart from the version resource`,
      });
    }
    if (compareVersions(b.version, a.version) < 0) {
      out.push({
        rule: RuleId.versionBackwards,
        path,
        message: `version went backwards: ${a.version} -> ${b.version}`,
      });
    }
  }
  if (a.platform !== b.platform) {
    out.push({
      rule: RuleId.platformChanged,
      path,
      message: `platform changed: ${a.platform} -> ${b.platform}`,
    });
  }
  if (a.signed === true && b.signed === false) {
    out.push({
      rule: RuleId.signatureRemoved,
      path,
      message: "was signed and is no longer",
    });
  }
  return out;
}

/** What showed the content changed, for the message: the digest (or size) that differs. */
function contentEvidence(a: FileFacts, b: FileFacts): string {
  if (a.neutralSha256 !== undefined && b.neutralSha256 !== undefined) {
    return `neutral SHA-256 ${short(a.neutralSha256)}… -> ${short(b.neutralSha256)}…`;
  }
  if (a.sha256 !== undefined && b.sha256 !== undefined) {
    return `SHA-256 ${short(a.sha256)}… -> ${short(b.sha256)}…`;
  }
  return `size ${a.size} -> ${b.size}`;
}

/**
 * Whether a matched file counts as touched by this diff, for the rules about B's state:
 * its version or platform changed, or its content did (or may have: the sides cannot tell
 * and some field differs). A file restamped, re-signed or re-dated with the same content
 * was carried over, not touched.
 */
export function pairTouched({ a, b }: MatchedPair, changed: boolean): boolean {
  if (!changed) return false;
  if (a.version !== b.version || a.platform !== b.platform) return true;
  return contentChanged(a, b) !== false;
}

/**
 * A file of A that B no longer ships: a cumulative update carries every earlier fix, so a
 * file it drops is worth a look (a file moved to another path is named).
 */
export function droppedFindings(removed: readonly FileFacts[], b: DiffSide): Unplaced[] {
  const byName = new Map<string, FileFacts>();
  for (const g of b.files) if (!byName.has(nameKey(g))) byName.set(nameKey(g), g);
  return removed.map((f) => {
    const moved = byName.get(nameKey(f));
    return {
      rule: RuleId.droppedFile,
      path: fileLabel(f),
      message:
        moved !== undefined
          ? `is not in B (B has ${fileLabel(moved)}, of the same name and platform)`
          : "is not in B: a cumulative update must still carry every file of the one before",
    };
  });
}

const lineOf = (v: string) => v.split(".").slice(0, 2).join(".");

/**
 * The version a file should be at least: the package's own version when it is of the same
 * product line (major.minor); otherwise the version held by a strict majority of the
 * other files of that line, when there are at least two of them. Undefined: no reference.
 */
export function referenceVersion(side: DiffSide, file: FileFacts): string | undefined {
  return versionCounts(side).reference(file);
}

/** Per product line, how many files hold each version: one pass, then O(versions) per file. */
function versionCounts(side: DiffSide) {
  const lines = new Map<string, Map<string, number>>();
  for (const f of side.files) {
    if (!isVersion(f.version)) continue;
    const line = lineOf(f.version);
    const counts = lines.get(line) ?? new Map<string, number>();
    counts.set(f.version, (counts.get(f.version) ?? 0) + 1);
    lines.set(line, counts);
  }
  return {
    reference(file: FileFacts): string | undefined {
      if (!isVersion(file.version)) return undefined;
      const line = lineOf(file.version);
      if (side.packageVersion !== undefined && isVersion(side.packageVersion)) {
        if (lineOf(side.packageVersion) === line) return side.packageVersion;
      }
      // The other files of the line: this file's own version counted once less.
      const counts = lines.get(line)!;
      let others = -1;
      for (const n of counts.values()) others += n;
      if (others < 2) return undefined;
      for (const [version, n] of counts) {
        const held = version === file.version ? n - 1 : n;
        if (held * 2 > others) return version;
      }
      return undefined;
    },
  };
}

/** Findings about side B's state, for files this diff touched. */
export function sideFindings(b: DiffSide, touched: ReadonlySet<FileFacts>): Unplaced[] {
  const out: Unplaced[] = [];
  const counts = versionCounts(b);
  const x86ByName = new Map<string, FileFacts>();
  for (const g of b.files) {
    const key = g.name.toLowerCase();
    if (g.platform === Platform.x86 && isVersion(g.version) && !x86ByName.has(key)) {
      x86ByName.set(key, g);
    }
  }
  for (const f of b.files) {
    const ref = touched.has(f) ? counts.reference(f) : undefined;
    if (ref !== undefined && compareVersions(f.version, ref) < 0) {
      const source =
        ref === b.packageVersion ? "the package version" : "the other files of its product";
      out.push({
        rule: RuleId.staleVersion,
        path: fileLabel(f),
        message: `version ${f.version} is older than ${ref}, ${source}`,
      });
    }
    if (f.platform === Platform.x64 && isVersion(f.version)) {
      const partner = x86ByName.get(f.name.toLowerCase());
      if (partner && partner.version !== f.version && (touched.has(partner) || touched.has(f))) {
        out.push({
          rule: RuleId.pairVersionMismatch,
          path: fileLabel(f),
          message: `x64 ${f.version} but x86 ${fileLabel(partner)} is ${partner.version}`,
        });
      }
    }
  }
  return out;
}
