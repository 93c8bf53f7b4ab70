import type { FeedbackRequest } from '@trellis/core';
import { type ExprToken, evaluateTokens, parseArithmetic } from '../arithmetic/expression';
import { extractAnswer } from '../extract/extract-answer';
import { exactNumber } from '../grade/exact-number';
import { normalizeAnswer } from '../normalize/normalize-answer';
import type { Rational } from '../rational/rational';
import { answerSpans } from './answer-spans';
import type { SolutionCheck } from './check-solution';
import type { SolutionStep } from './find-steps';

/** What a critique may write: which values it must keep to itself, and how to test a text fragment. */
export interface RevealPolicy {
  /** Whether the corrected value `value` of the wrong step `step` may be written. */
  mayReveal(value: Rational, step?: SolutionStep): boolean;
  /** Whether a fragment taken from the attempt or the question (a quote, an expression) may be written. */
  safe(fragment: string): boolean;
}

const abs = (v: Rational) => (v.num < 0n ? v.neg() : v);
const sameAbs = (a: Rational, b: Rational) => abs(a).equals(abs(b));

/**
 * Answers the provider knows itself and never writes: the value of an arithmetic question (its
 * own self-check; the feedback service strips the gold before a provider sees it), and a view
 * `answer` that arrived without `allowGoldAnswer` (a caller bypassing the service).
 */
export function knownAnswers(request: FeedbackRequest): string[] {
  if (request.allowGoldAnswer) return [];
  const out: string[] = [];
  if (request.problem.answer !== undefined && request.problem.answer.trim() !== '') out.push(request.problem.answer);
  const tokens = parseArithmetic(request.problem.question.replace(/=\s*\?\s*$/, ''));
  const value = tokens?.some((t) => t.kind === 'op') ? evaluateTokens(tokens) : undefined;
  if (value) out.push(value.toDisplay());
  return out;
}

/**
 * The final results an attempt would reach once the wrong step `wrong` is corrected to `value`:
 * the correction is carried through the later steps (a later operand equal to a changed result
 * takes its new value), giving the new value of the last step and of the final answer.
 */
export function projectedFinals(check: SolutionCheck, solution: string, wrong: SolutionStep, value: Rational): Rational[] {
  const changed = new Map<string, Rational>([[wrong.claimed.toString(), value]]);
  let last = value;
  for (const s of check.steps.slice(check.steps.indexOf(wrong) + 1)) {
    const lhs: ExprToken[] = s.lhs.map((t) => {
      const to = t.kind === 'num' ? changed.get(t.value.toString()) : undefined;
      return to ? { kind: 'num', value: to } : t;
    });
    const v = evaluateTokens(lhs) ?? s.claimed;
    if (!v.equals(s.claimed)) changed.set(s.claimed.toString(), v);
    last = v;
  }
  const out = [last];
  const answer = extractAnswer(solution, { fallback: 'none' });
  const given = answer.found ? exactNumber(normalizeAnswer(answer.answer)) : undefined;
  if (given) out.push(changed.get(given.toString()) ?? given);
  return out;
}

/**
 * The reveal rules of one attempt's critique. With the gold allowed, anything may be written.
 * Otherwise a value equal (in absolute value) to a known answer is never written, and a fragment
 * is safe when it contains no known answer in any form the `math-answer` guard recognises. When
 * no answer is known (word problems: the service keeps the gold from the provider), a corrected
 * value is also withheld when it could be the final answer: the wrong step is the last
 * computation, or the value equals a projected final result (`projectedFinals`).
 */
export function revealPolicy(request: FeedbackRequest, check: SolutionCheck, solution: string): RevealPolicy {
  if (request.allowGoldAnswer) return { mayReveal: () => true, safe: () => true };
  const known = knownAnswers(request);
  const values = known.map((a) => exactNumber(normalizeAnswer(a))).filter((v): v is Rational => v !== undefined);
  const lastStep = check.steps[check.steps.length - 1];
  return {
    mayReveal(value, step) {
      if (values.some((k) => sameAbs(k, value))) return false;
      if (known.length > 0) return true;
      if (!step || step === lastStep) return false;
      return !projectedFinals(check, solution, step, value).some((f) => sameAbs(f, value));
    },
    safe: (fragment) => known.every((a) => answerSpans(fragment, a).length === 0),
  };
}
