/**
 * The prerequisite's semver range, over the first three parts of a 4-part version, as
 * the plan's union of 4-part intervals: a.b.c.d is in the intervals iff
 * semver.satisfies("a.b.c", range). Pure.
 *
 * Each comparator set of the range (the parts between "||") is an intersection of
 * bounds on the triple (a, b, c); each bound maps to a 4-part bound, where the fourth
 * part runs 0..65535 under any triple: ">= T" is ">= T.0", "> T" is "> T.65535",
 * "< T" is "< T.0", "<= T" is "<= T.65535". A bound whose parts exceed 65535 is moved
 * to the nearest triple a 4-part version can have. A prerelease bound (semver writes
 * "^1.2.3" as ">=1.2.3 <2.0.0-0") lies just below its release, so on releases "< T-pre"
 * is "< T", "> T-pre" and ">= T-pre" are ">= T", and "= T-pre" holds for none.
 */
import semver from "semver";
import type { VersionInterval } from "./plan.js";

/** The largest part of a 4-part Windows version. */
const PART_MAX = 0xffff;

type Triple = readonly [number, number, number];

interface Bound {
  readonly v: readonly [number, number, number, number];
  readonly inclusive: boolean;
}

const cmp4 = (a: readonly number[], b: readonly number[]): number => {
  for (let i = 0; i < 4; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
};

const inDomain = (t: Triple) => t.every((p) => p <= PART_MAX);

/** The smallest triple with parts <= 65535 that is >= t, or undefined. */
function ceilTriple(t: Triple): Triple | undefined {
  const [a, b, c] = t;
  if (a > PART_MAX) return undefined;
  if (b > PART_MAX) return a + 1 <= PART_MAX ? [a + 1, 0, 0] : undefined;
  if (c > PART_MAX) return b + 1 <= PART_MAX ? [a, b + 1, 0] : ceilTriple([a + 1, 0, 0]);
  return t;
}

/** The largest triple with parts <= 65535 that is <= t. */
function floorTriple(t: Triple): Triple {
  const [a, b, c] = t;
  if (a > PART_MAX) return [PART_MAX, PART_MAX, PART_MAX];
  if (b > PART_MAX) return [a, PART_MAX, PART_MAX];
  if (c > PART_MAX) return [a, b, PART_MAX];
  return t;
}

/** A lower bound on the triple as a 4-part bound; null: nothing is above it. */
function lower(t: Triple, inclusive: boolean): Bound | null {
  if (inDomain(t)) {
    return inclusive
      ? { v: [t[0], t[1], t[2], 0], inclusive: true }
      : { v: [t[0], t[1], t[2], PART_MAX], inclusive: false };
  }
  const c = ceilTriple(t);
  return c ? { v: [c[0], c[1], c[2], 0], inclusive: true } : null;
}

/** An upper bound on the triple as a 4-part bound. */
function upper(t: Triple, inclusive: boolean): Bound {
  if (inDomain(t)) {
    return inclusive
      ? { v: [t[0], t[1], t[2], PART_MAX], inclusive: true }
      : { v: [t[0], t[1], t[2], 0], inclusive: false };
  }
  const f = floorTriple(t);
  return { v: [f[0], f[1], f[2], PART_MAX], inclusive: true };
}

/** The tighter of two lower bounds (undefined: none yet). */
function maxLower(a: Bound | undefined, b: Bound): Bound {
  if (!a) return b;
  const d = cmp4(a.v, b.v);
  if (d !== 0) return d > 0 ? a : b;
  return a.inclusive ? b : a;
}

function minUpper(a: Bound | undefined, b: Bound): Bound {
  if (!a) return b;
  const d = cmp4(a.v, b.v);
  if (d !== 0) return d < 0 ? a : b;
  return a.inclusive ? b : a;
}

const text = (b: Bound) => b.v.join(".");

/** One comparator set as one interval, or null when it holds for no version. */
function setInterval(set: readonly semver.Comparator[]): VersionInterval | null {
  let lo: Bound | undefined;
  let hi: Bound | undefined;
  for (const c of set) {
    // "*" (any version): semver's ANY comparator has an empty value and no version.
    if (c.value === "") continue;
    const t: Triple = [c.semver.major, c.semver.minor, c.semver.patch];
    const pre = c.semver.prerelease.length > 0;
    const op = c.operator === "" ? "=" : c.operator;
    const bounds: { lo?: Bound | null; hi?: Bound } = {};
    if (op === "=") {
      if (pre) return null;
      bounds.lo = lower(t, true);
      bounds.hi = upper(t, true);
    } else if (op === ">=" || op === ">") {
      bounds.lo = lower(t, op === ">=" || pre);
    } else {
      // "<" and "<=": below a prerelease of T is below T itself.
      bounds.hi = upper(t, op === "<=" && !pre);
    }
    if (bounds.lo === null) return null;
    if (bounds.lo) lo = maxLower(lo, bounds.lo);
    if (bounds.hi) hi = minUpper(hi, bounds.hi);
  }
  if (lo && hi) {
    const d = cmp4(lo.v, hi.v);
    if (d > 0 || (d === 0 && !(lo.inclusive && hi.inclusive))) return null;
  }
  return {
    ...(lo ? { min: text(lo) } : {}),
    minInclusive: lo?.inclusive ?? true,
    ...(hi ? { max: text(hi) } : {}),
    maxInclusive: hi?.inclusive ?? true,
  };
}

/**
 * The range as a union of 4-part intervals; [] when it holds for no version (the loader
 * refuses such a range: an empty union in a plan would mean "any version").
 */
export function rangeIntervals(range: string): VersionInterval[] {
  const parsed = new semver.Range(range);
  const out: VersionInterval[] = [];
  for (const set of parsed.set) {
    const iv = setInterval(set);
    if (iv) out.push(iv);
  }
  return out;
}

/** Whether a 4-part version lies in a union of intervals (as the engine decides it). */
export function versionInIntervals(
  version: string,
  intervals: readonly VersionInterval[],
): boolean {
  const v = version.split(".").map(Number);
  return intervals.some((iv) => {
    if (iv.min !== undefined) {
      const d = cmp4(v, iv.min.split(".").map(Number));
      if (d < 0 || (d === 0 && !iv.minInclusive)) return false;
    }
    if (iv.max !== undefined) {
      const d = cmp4(v, iv.max.split(".").map(Number));
      if (d > 0 || (d === 0 && !iv.maxInclusive)) return false;
    }
    return true;
  });
}

/** Problem text when a (valid) range holds for no 4-part version, else undefined. */
export function rangeAcceptsNothing(range: string): string | undefined {
  if (semver.validRange(range) === null) return undefined; // reported as invalid already
  return rangeIntervals(range).length === 0
    ? "holds for no version with parts 0..65535; the package could never install"
    : undefined;
}
