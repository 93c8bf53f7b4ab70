import { type ExprToken, evaluationSteps, formatTokens } from '../arithmetic/expression';
import type { Rational } from '../rational/rational';
import type { SolutionCheck } from './check-solution';
import { fitsAlphabet } from './feedback-alphabet';
import { ordinal } from './ordinal';
import type { RevealPolicy } from './reveal-policy';

/** Settings of {@link compactHint}. */
export interface CompactSettings {
  /** Say the corrected value of a wrong step (never when the reveal policy refuses it). */
  readonly revealStepValues: boolean;
  /** The characters the hint may use. */
  readonly alphabet: string;
  readonly policy: RevealPolicy;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The first operation of the standard evaluation order of `state`: its text (`6*8`) and value. */
function nextOperation(state: readonly ExprToken[] | undefined): { text: string; value: Rational } | undefined {
  const first = state ? evaluationSteps(state)?.[0] : undefined;
  if (!first) return undefined;
  const text = formatTokens([
    { kind: 'num', value: first.left },
    { kind: 'op', op: first.op },
    { kind: 'num', value: first.right },
  ]);
  return { text, value: first.result };
}

/** Candidate forms for "this computation, with its corrected value if it may be said". */
function computation(name: string, lhs: string, value: Rational | undefined, settings: CompactSettings): string[] {
  const v = value?.toDisplay();
  if (v !== undefined && settings.policy.safe(`${lhs}=${v}`)) return [`${name}${lhs}=${v}.`, `${lhs}=${v}`];
  return [`${name}${lhs}=?`, `${lhs}=?`];
}

/**
 * One short hint (format `compact`) for a checked attempt: the first wrong step and its
 * corrected local result, written only in `alphabet`. Forms are tried in order and the first
 * whose characters all fit is used, e.g. `Second line: 24+6=30.`, then `24+6=30`; when the value
 * may not be said (it is, or could be, the final answer) `Second line: 24+6=?` / `24+6=?`. For an
 * order-of-operations or wrong-operand step the hint is the operation that should come next
 * (`First line: 6*8=48.`). Empty when no form fits (or there is nothing to say in the alphabet).
 */
export function compactHint(check: SolutionCheck | undefined, settings: CompactSettings): string {
  const { policy } = settings;
  const e = check?.error;
  const pick = (forms: readonly string[]) => forms.find((f) => fitsAlphabet(f, settings.alphabet)) ?? '';
  if (!check) return pick(['Write a single operation per line.']);
  if (!e) return pick(['No step is wrong; recheck the approach.']);
  const name = e.lineIndex !== undefined ? `${capitalise(ordinal(e.lineIndex))} line: ` : '';
  switch (e.kind) {
    case 'arithmetic': {
      const step = e.step!;
      if (!policy.safe(step.lhsText)) return pick([`${name}recompute it.`]);
      if (!e.expected) return pick([`${name}${step.lhsText} is an impossible division.`, `${step.lhsText}=?`]);
      const reveal = settings.revealStepValues && policy.mayReveal(e.expected, step);
      return pick(computation(name, step.lhsText, reveal ? e.expected : undefined, settings));
    }
    case 'order':
    case 'operands':
    case 'unfinished': {
      const next = nextOperation(e.remaining);
      const label = e.kind === 'unfinished' ? 'Continue: ' : name;
      if (!next || !policy.safe(next.text)) {
        return pick([e.kind === 'unfinished' ? 'Continue the computation.' : `${name}check the order of operations.`]);
      }
      const reveal = settings.revealStepValues && policy.mayReveal(next.value);
      return pick(computation(label, next.text, reveal ? next.value : undefined, settings));
    }
    case 'no-answer':
      return pick(['End with the result in \\boxed{}.', '\\boxed{?}']);
    case 'final-answer':
      return pick([`${name}box the result of the last step.`, '\\boxed{?}']);
  }
}
