/**
 * What evaluating one lead against a ruleset may cost. Every condition has a price: a base for being
 * evaluated at all, plus the characters it compares (a `contains` scans its haystack, an `eq` hashes the
 * value, a number is parsed from its text), plus, for `matches`, the regex work (characters x program size).
 * Lower-casing a value for a case-insensitive comparison is paid once per value and lead, not once per
 * condition: a value of 2,000 "İ" lower-cases to 4,000 code units, and 4,000 conditions each lower-casing it
 * again stalled routing for seconds.
 *
 * One lead's evaluation gets EVALUATION_BUDGET units. When it runs out, the condition being tested and every
 * rule after it do not match, and the explanation says BUDGET_EXHAUSTED where it stopped: deterministic, so
 * the simulator, routing and backtests agree, and one organization's ruleset cannot hold the worker (shared
 * by every organization) for more than a bounded time per lead.
 *
 * A unit is about a nanosecond of work on the machines this was measured on: the budget bounds a lead's
 * evaluation near 30 ms there.
 */
export const EVALUATION_BUDGET = 32_000_000;
/** Evaluating a condition at all: the getter, the coercions, the call. */
export const CONDITION_COST = 50;
/** Lower-casing, per code unit (non-ASCII text is slower than a comparison). */
export const LOWER_COST = 4;
/** A regex step (one character against one instruction of the compiled program). */
export const REGEX_STEP_COST = 8;

export const EVALUATION = Symbol('evaluation');

export interface Evaluation {
  left: number;
  exhausted: boolean;
  /** Lower-cased values of this lead, by value: each is lower-cased once however many conditions read it. */
  lowered: Map<string, string>;
}

export const newEvaluation = (budget = EVALUATION_BUDGET): Evaluation => ({ left: budget, exhausted: false, lowered: new Map() });

/** Takes `units` from the evaluation; false (and exhausted from then on) when they are not there. */
export function spend(e: Evaluation | undefined, units: number): boolean {
  if (!e) return true;
  if (e.exhausted) return false;
  if (units > e.left) {
    e.left = 0;
    e.exhausted = true;
    return false;
  }
  e.left -= units;
  return true;
}

/** The value lower-cased, once per evaluation (paid for when first lowered). */
export function lowered(e: Evaluation | undefined, text: string): string {
  if (!e) return text.toLowerCase();
  let lower = e.lowered.get(text);
  if (lower === undefined) {
    spend(e, text.length * LOWER_COST);
    lower = text.toLowerCase();
    e.lowered.set(text, lower);
  }
  return lower;
}
