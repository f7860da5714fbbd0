/**
 * The diff's model: each side (a manifest, a package or a build record) normalised to the
 * same facts per file, and the result of comparing two sides. DiffResult is what
 * `cabwright diff --json` prints; its shape is stable (docs/diff.md): fields may be added,
 * never renamed or removed.
 */
import type { PlanChange } from "../install/compare.js";
import type { InstallPlan } from "../install/plan.js";
import type { Platform } from "../manifest/types.js";

export const SideKind = {
  manifest: "manifest",
  package: "package",
  buildRecord: "build-record",
} as const;
export type SideKind = (typeof SideKind)[keyof typeof SideKind];

/** What one side says about one file. Optional facts are absent when the side cannot know them. */
export interface FileFacts {
  /** Path inside the package, "/"-separated; absent when the side has no paths. */
  readonly path?: string;
  readonly name: string;
  /** 4-part version, or "Not Applicable". */
  readonly version: string;
  readonly size?: number;
  /** UTC, YYYY-MM-DD. */
  readonly date: string;
  /** UTC, HH:MM:SS (a manifest's HH:MM reads as HH:MM:00). */
  readonly time: string;
  readonly platform: Platform;
  /** SHA-256 of the bytes, hex (packages and build records). */
  readonly sha256?: string;
  /** neutralDigest of the bytes (PE files of packages and build records). */
  readonly neutralSha256?: string;
  /** Whether the file carries an Authenticode signature (packages and build records). */
  readonly signed?: boolean;
  /** The subject of the Authenticode signer's certificate, when signed. */
  readonly signer?: string;
}

/** The package-level facts compared, in report order. */
export const PACKAGE_FIELDS = [
  "name",
  "title",
  "product",
  "version",
  "kb",
  "prerequisite",
  "entry",
  "restart",
  "platform",
] as const;
export type PackageField = (typeof PACKAGE_FIELDS)[number];

/**
 * What a side says about the package itself, as display text: a string is the value, null
 * means the side knows there is none (no KB number, no entry command), absent means the
 * side cannot know (a bare .cab knows nothing; an .exe without an install plan knows no
 * restart policy or prerequisite).
 */
export type PackageLevelFacts = { readonly [F in PackageField]?: string | null };

export interface DiffSide {
  readonly kind: SideKind;
  /** How the side is named in reports: the path it was read from. */
  readonly label: string;
  /** The package's own version (a manifest's or build record's package.version). */
  readonly packageVersion?: string;
  /** The package-level facts; absent: none known (packageVersion still counts as version). */
  readonly package?: PackageLevelFacts;
  readonly files: readonly FileFacts[];
  /**
   * The install plan the side declares or carries; null: it has none (extract only or an
   * entry command); absent: the side cannot know (a bare .cab has no package header).
   */
  readonly installPlan?: InstallPlan | null;
  /**
   * A manifest side's "FILE:LINE:COL" of each file's entry (by path, else name) and of
   * its install plan; absent for packages and build records.
   */
  readonly positions?: { readonly files: ReadonlyMap<string, string>; readonly plan?: string };
}

/** The fields compared per matched file, in report order. */
export const COMPARED_FIELDS = [
  "version",
  "size",
  "date",
  "time",
  "platform",
  "sha256",
  "signed",
  "signer",
] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export interface FieldChanges {
  version?: [string, string];
  size?: [number, number];
  date?: [string, string];
  time?: [string, string];
  platform?: [Platform, Platform];
  sha256?: [string, string];
  signed?: [boolean, boolean];
  signer?: [string, string];
}

export interface FileChange {
  /** B's path (A's when B has none), else the name. */
  readonly path: string;
  readonly name: string;
  readonly platform: Platform;
  /** Each field that differs, as [before, after]; a field one side does not know is skipped. */
  readonly fields: FieldChanges;
  /** after - before, when the size changed. */
  readonly sizeDelta?: number;
  /**
   * Whether the content changed, judged by the neutral digest (the bytes without the
   * version resource, checksum, timestamps and signature) when both sides know it, else by
   * SHA-256, else by a size that differs; absent when the sides cannot tell (manifests of
   * equal sizes). false: the same content, restamped, re-signed or re-dated.
   */
  readonly contentChanged?: boolean;
}

export interface Finding {
  readonly rule: RuleId;
  /** The file the finding is about, named as in `changed` (path, else name). */
  readonly path: string;
  readonly message: string;
  /**
   * Where the finding points, for a CI annotation: FILE:LINE:COL of the file's entry in a
   * manifest side, else the side's own file (B's; A's for a file B dropped).
   */
  readonly at: string;
}

/** A package-level fact that differs; before/after absent: that side has none. */
export interface PackageChange {
  readonly field: PackageField;
  readonly before?: string;
  readonly after?: string;
}

export interface SideSummary {
  readonly kind: SideKind;
  readonly label: string;
  readonly files: number;
}

export const DIFF_SCHEMA = "cabwright.diff/2";

export interface DiffResult {
  readonly schema: typeof DIFF_SCHEMA;
  readonly a: SideSummary;
  readonly b: SideSummary;
  /** In B's order. */
  readonly added: readonly FileFacts[];
  /** In A's order. */
  readonly removed: readonly FileFacts[];
  /** In B's order. */
  readonly changed: readonly FileChange[];
  /** Matched files with no differing field. */
  readonly unchanged: number;
  /** In B's file order, then rule order. */
  readonly findings: readonly Finding[];
  /**
   * Fields of the install plan that differ (before: A's, after: B's); empty when the
   * plans agree or a side cannot know its plan (a bare .cab).
   */
  readonly plan: readonly PlanChange[];
  /**
   * Package-level facts that differ (version, title, KB...), compared only where both
   * sides know the fact.
   */
  readonly package: readonly PackageChange[];
}

/** Release-discipline rules: the ids `--fail-on` takes and findings carry. */
export const RuleId = {
  rebuiltWithoutVersionBump: "rebuilt-without-version-bump",
  versionOnlyChange: "version-only-change",
  versionBackwards: "version-backwards",
  staleVersion: "stale-version",
  platformChanged: "platform-changed",
  pairVersionMismatch: "pair-version-mismatch",
  signatureRemoved: "signature-removed",
  droppedFile: "dropped-file",
  installPlanChanged: "install-plan-changed",
} as const;
export type RuleId = (typeof RuleId)[keyof typeof RuleId];
export const RULE_IDS: readonly RuleId[] = Object.values(RuleId);
