import { formatTokens } from '../arithmetic/expression';
import type { SolutionCheck } from './check-solution';
import { ordinal } from './ordinal';
import type { RevealPolicy } from './reveal-policy';

/** Settings of {@link critiqueParts}. */
export interface CritiqueSettings {
  /** Say the corrected value of a wrong step (never when the reveal policy refuses it). */
  readonly revealStepValues: boolean;
  /** Longest quoted line, characters (longer quotes are cut with `...`). */
  readonly maxQuoteChars: number;
  /** Which values and fragments may be written. */
  readonly policy: RevealPolicy;
}

/** The two parts of a critique: one issue sentence and the fix steps (unnumbered). */
export interface CritiqueParts {
  readonly issue: string;
  readonly fixes: readonly string[];
  /** 0-based line the issue is about, when it is about one line. */
  readonly lineIndex?: number;
}

function quote(line: string, max: number): string {
  const s = line.length > max ? `${line.slice(0, max - 3)}...` : line;
  return `"${s}"`;
}

/** The closing fix step of every critique. */
export const FINISH = 'End with the final result alone in \\boxed{}.';

/**
 * Issue and fix steps (prose format) for one checked attempt. Lines are named by ordinal words
 * (`the second line`) so references carry no digits; a quote, an expression or a value is only
 * written when the reveal policy allows it (otherwise the sentence is phrased without it). The
 * feedback service's leak guard still checks the assembled text.
 */
export function critiqueParts(check: SolutionCheck, settings: CritiqueSettings): CritiqueParts {
  const e = check.error;
  const { policy } = settings;
  if (!e) {
    return {
      issue: 'no arithmetic mistake was found in the written steps, so the approach itself is likely wrong.',
      fixes: [
        'Re-read the question and list the quantities it gives.',
        'Check that each step combines the right quantities.',
        'Recompute, a single operation per line.',
        FINISH,
      ],
    };
  }
  const where = e.lineIndex !== undefined ? `the ${ordinal(e.lineIndex)} line` : 'the end of the solution';
  const q = e.step ? quote(e.step.line, settings.maxQuoteChars) : '';
  const quoted = q && policy.safe(q) ? ` ${q}` : '';
  const lhs = e.step && policy.safe(e.step.lhsText) ? e.step.lhsText : undefined;
  const remaining = e.remaining && policy.safe(formatTokens(e.remaining)) ? formatTokens(e.remaining) : undefined;
  switch (e.kind) {
    case 'arithmetic': {
      const step = e.step!;
      if (!e.expected) {
        return {
          issue: `${where}${quoted} is an impossible division.`,
          fixes: ['Check which quantity should be the divisor.', 'Redo that line and the lines after it.', FINISH],
          lineIndex: e.lineIndex,
        };
      }
      const expected = e.expected.toDisplay();
      const claimed = step.claimed.toDisplay();
      const reveal =
        lhs !== undefined && settings.revealStepValues && policy.mayReveal(e.expected, step) && policy.safe(`${lhs}=${expected}`);
      const not = policy.safe(claimed) ? `, not ${claimed}` : '';
      const value = reveal
        ? `${lhs} is ${expected}${not}`
        : lhs !== undefined
          ? not
            ? `${lhs} is not ${claimed}`
            : `${lhs} is computed wrongly`
          : 'its result is wrong';
      return {
        issue: `${where}${quoted} is wrong: ${value}.`,
        fixes: [
          reveal
            ? `Redo ${where}: ${lhs}=${expected}.`
            : lhs !== undefined
              ? `Recompute ${lhs} carefully on ${where}.`
              : `Recompute ${where} carefully.`,
          'Carry the corrected value into every later line.',
          FINISH,
        ],
        lineIndex: e.lineIndex,
      };
    }
    case 'order': {
      const first =
        e.nextOperation === 'parentheses'
          ? 'work inside the innermost parentheses first'
          : e.nextOperation === 'multiplication'
            ? 'do the multiplications and divisions first'
            : 'work from left to right';
      return {
        issue: `${where}${quoted} breaks the order of operations: ${lhs ?? 'this step'} cannot be done yet; ${first}.`,
        fixes: [
          e.nextOperation === 'parentheses'
            ? 'Evaluate the innermost parentheses first.'
            : e.nextOperation === 'multiplication'
              ? 'Do multiplication and division before addition and subtraction.'
              : 'Do additions and subtractions from left to right.',
          'Write a single operation per line and rewrite the rest of the expression with its result.',
          FINISH,
        ],
        lineIndex: e.lineIndex,
      };
    }
    case 'operands':
      return {
        issue: `${where}${quoted} uses numbers that are not in the expression at that point${remaining ? ` (${remaining})` : ''}.`,
        fixes: [
          'Copy the numbers exactly from the question or from earlier results.',
          'Combine numbers that stand next to each other in the current expression.',
          FINISH,
        ],
        lineIndex: e.lineIndex,
      };
    case 'unfinished':
      return {
        issue: `the solution stops too early: ${remaining ?? 'part of the expression'} is still left to compute.`,
        fixes: [
          remaining ? `Continue from ${remaining}, a single operation per line.` : 'Continue, a single operation per line.',
          FINISH,
        ],
      };
    case 'no-answer':
      return {
        issue: 'there is no final answer in \\boxed{}.',
        fixes: ['Finish the computation.', FINISH],
        lineIndex: e.lineIndex,
      };
    case 'final-answer':
      return {
        issue: `the boxed answer on ${where} does not match the result of the last step.`,
        fixes: ['Copy the result of the last step into \\boxed{} exactly.'],
        lineIndex: e.lineIndex,
      };
  }
}
