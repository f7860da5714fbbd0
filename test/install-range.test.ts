/**
 * The prerequisite range compiled into the plan's 4-part intervals: a version is in the
 * intervals iff semver.satisfies says so for its first three parts (seeded property test,
 * with ranges of every form semver parses and bounds past 65535), plus worked examples.
 */
import test from "ava";
import { rangeAcceptsNothing, rangeIntervals, versionInIntervals } from "cabwright";
import fc from "fast-check";
import semver from "semver";

const RUNS = { seed: 0x1313, numRuns: Number(process.env.RANGE_RUNS ?? 300) };

/** Parts that sit on the edges: 0, small numbers, the 16-bit limit and just past it. */
const part = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(9, 10, 65534, 65535) },
  { weight: 1, arbitrary: fc.constantFrom(65536, 70000) },
  { weight: 1, arbitrary: fc.nat(65535) },
);
const triple = fc.tuple(part, part, part).map((t) => t.join("."));
const pre = fc.oneof(fc.constant(""), fc.constantFrom("-0", "-alpha", "-rc.1"));
const op = fc.constantFrom("", "=", "<", "<=", ">", ">=", "^", "~");

/** One comparator or a shorthand semver expands (x-ranges, hyphen ranges). */
const term = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(op, triple, pre).map(([o, v, p]) => `${o}${v}${p}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(part, fc.option(part, { nil: undefined }))
      .map(([a, b]) => (b === undefined ? `${a}.x` : `${a}.${b}.x`)),
  },
  { weight: 1, arbitrary: fc.tuple(triple, triple).map(([a, b]) => `${a} - ${b}`) },
  { weight: 1, arbitrary: fc.constant("*") },
);
const comparatorSet = fc.array(term, { minLength: 1, maxLength: 3 }).map((ts) => ts.join(" "));
const range = fc
  .array(comparatorSet, { minLength: 1, maxLength: 3 })
  .map((sets) => sets.join(" || "))
  .filter((r) => semver.validRange(r) !== null);

/**
 * Versions on and around every triple the range names (each part -1, 0, +1; the fourth
 * part 0, 1 or 65535), where an off-by-one in a bound would show.
 */
function versionsNear(r: string): string[] {
  const triples = [...r.matchAll(/(\d+)\.(\d+|x)(?:\.(\d+|x))?/g)].map((m) =>
    [m[1], m[2], m[3]].map((p) => (p === undefined || p === "x" ? 0 : Number(p))),
  );
  const out = new Set<string>(["0.0.0.0", "65535.65535.65535.65535"]);
  const clip = (n: number) => Math.min(65535, Math.max(0, n));
  for (const [a, b, c] of triples) {
    for (const da of [-1, 0, 1])
      for (const db of [-1, 0, 1])
        for (const dc of [-1, 0, 1])
          for (const d of [0, 1, 65535]) {
            out.add([clip(a! + da), clip(b! + db), clip(c! + dc), d].join("."));
          }
    out.add([clip(a!), 65535, 65535, 65535].join("."));
    out.add([clip(a!), clip(b!), 65535, 0].join("."));
  }
  return [...out];
}

test("a version is in the intervals iff semver.satisfies holds for its first three parts", (t) => {
  fc.assert(
    fc.property(
      range,
      fc.array(fc.tuple(part, part, part, fc.nat(65535)), { maxLength: 8 }),
      (r, random) => {
        const intervals = rangeIntervals(r);
        const versions = [
          ...versionsNear(r),
          ...random.filter((v) => v.every((p) => p <= 65535)).map((v) => v.join(".")),
        ];
        for (const v of versions) {
          const three = v.split(".").slice(0, 3).join(".");
          const expected = semver.satisfies(three, r);
          if (versionInIntervals(v, intervals) !== expected) {
            throw new Error(
              `${v} against "${r}": semver says ${expected}; intervals ${JSON.stringify(intervals)}`,
            );
          }
        }
        // Every bound is a valid 4-part version.
        for (const iv of intervals) {
          for (const b of [iv.min, iv.max]) {
            if (b !== undefined && !/^\d+\.\d+\.\d+\.\d+$/.test(b)) throw new Error(b);
            if (b?.split(".").some((p) => Number(p) > 65535)) throw new Error(b);
          }
        }
      },
    ),
    RUNS,
  );
  t.pass();
});

test("worked examples", (t) => {
  t.deepEqual(rangeIntervals(">=10.2.0 <10.3.0"), [
    { min: "10.2.0.0", minInclusive: true, max: "10.3.0.0", maxInclusive: false },
  ]);
  t.deepEqual(rangeIntervals("^1.2.3"), [
    { min: "1.2.3.0", minInclusive: true, max: "2.0.0.0", maxInclusive: false },
  ]);
  t.deepEqual(rangeIntervals("=1.2.3"), [
    { min: "1.2.3.0", minInclusive: true, max: "1.2.3.65535", maxInclusive: true },
  ]);
  t.deepEqual(rangeIntervals(">1.2.3"), [
    { min: "1.2.3.65535", minInclusive: false, maxInclusive: true },
  ]);
  t.deepEqual(rangeIntervals("<1.0.0 || >=2.0.0"), [
    { minInclusive: true, max: "1.0.0.0", maxInclusive: false },
    { min: "2.0.0.0", minInclusive: true, maxInclusive: true },
  ]);
  t.deepEqual(rangeIntervals("*"), [{ minInclusive: true, maxInclusive: true }]);
  t.deepEqual(rangeIntervals("<=1.99999.0"), [
    { minInclusive: true, max: "1.65535.65535.65535", maxInclusive: true },
  ]);
  t.deepEqual(rangeIntervals(">=1.2.70000"), [
    { min: "1.3.0.0", minInclusive: true, maxInclusive: true },
  ]);
  t.deepEqual(rangeIntervals(">=2.0.0 <1.0.0"), []);
  t.deepEqual(rangeIntervals("=1.2.3-beta"), []);
  t.true(versionInIntervals("10.2.952.0", rangeIntervals(">=10.2.0 <10.3.0")));
  t.false(versionInIntervals("10.3.0.0", rangeIntervals(">=10.2.0 <10.3.0")));
  t.true(versionInIntervals("10.2.65535.65535", rangeIntervals(">=10.2.0 <10.3.0")));
  t.false(versionInIntervals("10.1.65535.65535", rangeIntervals(">=10.2.0 <10.3.0")));
  t.regex(rangeAcceptsNothing(">=70000.0.0") ?? "", /holds for no version/);
  t.is(rangeAcceptsNothing(">=10.2.0 <10.3.0"), undefined);
});
