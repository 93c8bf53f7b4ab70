import { formatTokens } from '../arithmetic/expression';
import type { Rational } from '../rational/rational';
import type { SolutionCheck } from './check-solution';
import { ordinal } from './ordinal';

/** Settings of {@link critiqueParts}. */
export interface CritiqueSettings {
  /** Say the corrected value of a wrong step (never when `mayReveal` refuses it). */
  readonly revealStepValues: boolean;
  /** Longest quoted line, characters (longer quotes are cut with `...`). */
  readonly maxQuoteChars: number;
  /** Whether a value may be written (false for the gold answer, or when it cannot be ruled out). */
  readonly mayReveal: (value: Rational, isLastStep: boolean) => boolean;
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

const FINISH = 'End with the final result alone in \\boxed{}.';

/**
 * Issue and fix steps for one checked attempt. Lines are named by ordinal words (`the second
 * line`) and quoted; the gold answer is never written on purpose (values pass `mayReveal`),
 * and the caller still runs the leak guard on the assembled text.
 */
export function critiqueParts(check: SolutionCheck, settings: CritiqueSettings): CritiqueParts {
  const e = check.error;
  const lastStepLine = check.steps[check.steps.length - 1]?.lineIndex;
  if (!e) {
    return {
      issue: 'no arithmetic mistake was found in the written steps, so the approach itself is likely wrong.',
      fixes: [
        'Re-read the question and list the quantities it gives.',
        'Check that each step combines the right quantities.',
        'Recompute, one operation per line.',
        FINISH,
      ],
    };
  }
  const where = e.lineIndex !== undefined ? `the ${ordinal(e.lineIndex)} line` : 'the end of the solution';
  const quoted = e.step ? ` ${quote(e.step.line, settings.maxQuoteChars)}` : '';
  switch (e.kind) {
    case 'arithmetic': {
      const step = e.step!;
      const claimed = step.claimed.toDisplay();
      const isLast = step.lineIndex === lastStepLine;
      if (!e.expected) {
        return {
          issue: `${where}${quoted} divides by zero.`,
          fixes: ['Check which quantity should be the divisor.', 'Redo that line and the lines after it.', FINISH],
          lineIndex: e.lineIndex,
        };
      }
      const reveal = settings.revealStepValues && settings.mayReveal(e.expected, isLast);
      const value = reveal ? `${step.lhsText} is ${e.expected.toDisplay()}, not ${claimed}` : `${step.lhsText} is not ${claimed}`;
      return {
        issue: `${where}${quoted} is wrong: ${value}.`,
        fixes: [
          reveal
            ? `Redo ${where}: ${step.lhsText}=${e.expected.toDisplay()}.`
            : `Recompute ${step.lhsText} carefully on ${where}.`,
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
        issue: `${where}${quoted} breaks the order of operations: ${step(e)} cannot be done yet; ${first}.`,
        fixes: [
          e.nextOperation === 'parentheses'
            ? 'Evaluate the innermost parentheses first.'
            : e.nextOperation === 'multiplication'
              ? 'Do multiplication and division before addition and subtraction.'
              : 'Do additions and subtractions from left to right.',
          'Write one operation per line and rewrite the rest of the expression with its result.',
          FINISH,
        ],
        lineIndex: e.lineIndex,
      };
    }
    case 'operands':
      return {
        issue: `${where}${quoted} uses numbers that are not in the expression at that point (${formatTokens(e.remaining ?? [])}).`,
        fixes: [
          'Copy the numbers exactly from the question or from earlier results.',
          'Combine two numbers that stand next to each other in the current expression.',
          FINISH,
        ],
        lineIndex: e.lineIndex,
      };
    case 'unfinished':
      return {
        issue: `the solution stops too early: ${formatTokens(e.remaining ?? [])} is still left to compute.`,
        fixes: [`Continue from ${formatTokens(e.remaining ?? [])}, one operation per line.`, FINISH],
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

function step(e: NonNullable<SolutionCheck['error']>): string {
  return e.step ? e.step.lhsText : 'this step';
}
