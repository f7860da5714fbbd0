/** `--fail-on RULE[,RULE...]` or `any`: which findings make the diff exit 1. */
import { CheckFailed, InputError } from "../util/errors.js";
import { type DiffResult, RULE_IDS, type RuleId } from "./types.js";

export const ANY_RULE = "any";

/** Parse the option's value; an unknown id is bad input. */
export function parseFailOn(value: string): ReadonlySet<RuleId> {
  const ids = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (ids.length === 0) {
    throw new InputError(`--fail-on: expected rule ids or "${ANY_RULE}", got "${value}"`);
  }
  const out = new Set<RuleId>();
  for (const id of ids) {
    if (id === ANY_RULE) {
      for (const r of RULE_IDS) out.add(r);
    } else if ((RULE_IDS as readonly string[]).includes(id)) out.add(id as RuleId);
    else {
      throw new InputError(
        `--fail-on: unknown rule "${id}"; expected ${ANY_RULE} or one of ${RULE_IDS.join(", ")}`,
      );
    }
  }
  return out;
}

/** Throws CheckFailed when a finding's rule is in `rules`. */
export function enforceFailOn(result: DiffResult, rules: ReadonlySet<RuleId>): void {
  const hits = result.findings.filter((f) => rules.has(f.rule));
  if (hits.length === 0) return;
  const ids = [...new Set(hits.map((f) => f.rule))].join(", ");
  throw new CheckFailed(
    `diff: ${hits.length} finding${hits.length === 1 ? "" : "s"} matched --fail-on (${ids})`,
  );
}
