/**
 * Field checks that a JSON Schema cannot express: version part ranges, real calendar
 * dates, semver ranges, safe package paths. Pure functions returning a problem text
 * ("is not ...") or undefined.
 */
import semver from "semver";
import { NOT_APPLICABLE } from "./types.js";

const VERSION_RE = /^(\d{1,5})\.(\d{1,5})\.(\d{1,5})\.(\d{1,5})$/;

/** Parse a 4-part Windows version; undefined when it is not one (parts 0..65535). */
export function parseVersion(text: string): [number, number, number, number] | undefined {
  const m = VERSION_RE.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number) as [number, number, number, number];
  return parts.every((p) => p <= 0xffff) ? parts : undefined;
}

export function versionProblem(text: string, allowNotApplicable: boolean): string | undefined {
  if (allowNotApplicable && text === NOT_APPLICABLE) return undefined;
  if (parseVersion(text)) return undefined;
  const m = VERSION_RE.exec(text);
  if (m) {
    const bad = m.slice(1, 5).find((p) => Number(p) > 0xffff);
    return `is not a 4-part version: part ${bad} is over 65535`;
  }
  return `is not a 4-part version like 10.2.952.0${allowNotApplicable ? ' (or "Not Applicable")' : ""}`;
}

/** Compare two 4-part versions: negative, 0 or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) throw new Error(`compareVersions: not versions: ${a}, ${b}`);
  for (let i = 0; i < 4; i++) {
    const d = pa[i]! - pb[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** The semver form of a 4-part version's first three parts (10.2.952.0 -> 10.2.952). */
export function toSemver(version: string): string | undefined {
  const p = parseVersion(version);
  return p ? `${p[0]}.${p[1]}.${p[2]}` : undefined;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function dateProblem(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return "is not a date as YYYY-MM-DD, like 2010-06-29";
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12) return `is not a real date: there is no month ${mo}`;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = mo === 2 && leap ? 29 : MONTH_DAYS[mo - 1]!;
  if (d < 1 || d > days) {
    return `is not a real date: ${MONTH_NAMES[mo - 1]} ${y} has ${days} days`;
  }
  if (y < 1980 || y > 2107) return "is outside 1980..2107, the years a cabinet can store";
  return undefined;
}

export const MONTH_NAMES = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
] as const;

export function rangeProblem(range: string): string | undefined {
  return semver.validRange(range) === null
    ? 'is not a semver range over the first three version parts, like ">=10.2.0 <10.3.0"'
    : undefined;
}

/** Whether a package's product version satisfies the prerequisite range. */
export function satisfiesPrerequisite(version: string, range: string): boolean {
  const v = toSemver(version);
  return v !== undefined && semver.satisfies(v, range);
}

/**
 * A package path must stay inside the extraction folder: relative, no "..", no drive
 * letter, no empty segment, each segment a valid Windows name.
 */
export function packagePathProblem(path: string): string | undefined {
  return relativePathProblem(path, "the package");
}

/** A "/"-separated path that must stay inside `inside` ("the package", "the install folder"). */
export function relativePathProblem(path: string, inside: string): string | undefined {
  if (path.includes("\\")) {
    return `uses "\\"; write paths inside ${inside} with "/", like x64/File.dll`;
  }
  if (/^[A-Za-z]:/.test(path) || path.startsWith("/"))
    return "is absolute; expected a relative path";
  const segments = path.split("/");
  for (const s of segments) {
    if (s === "") return "has an empty segment (a doubled or trailing /)";
    if (s === "." || s === "..") return `has a "${s}" segment; expected a path inside ${inside}`;
    if (/[:*?"<>|\x00-\x1f]/.test(s)) return `has a character Windows does not allow in "${s}"`;
    if (/[. ]$/.test(s)) return `has a segment ending in a dot or space ("${s}")`;
  }
  return undefined;
}
