import { type ExprToken, evaluateTokens, parseArithmetic, replaceSpan } from '../arithmetic/expression';
import { extractAnswer } from '../extract/extract-answer';
import { Rational } from '../rational/rational';
import { findSteps, type SolutionStep } from './find-steps';

/** What is wrong first in a solution. */
export type SolutionErrorKind =
  /** A step's arithmetic is wrong (`12+21=34`), or it divides by zero. */
  | 'arithmetic'
  /** A step combines numbers of the expression in an order that changes its value (`+` before `*`). */
  | 'order'
  /** A step uses numbers that are not in the expression at that point. */
  | 'operands'
  /** The steps stop before the expression is reduced to one number. */
  | 'unfinished'
  /** The final answer is missing. */
  | 'no-answer'
  /** The final answer differs from the value the steps computed. */
  | 'final-answer';

/** The first problem found, with the step it is in. */
export interface SolutionError {
  readonly kind: SolutionErrorKind;
  /** The offending step (for arithmetic / order / operands). */
  readonly step?: SolutionStep;
  /** 0-based line of the problem (the step's line, or the answer line). */
  readonly lineIndex?: number;
  /** For `arithmetic`: the exact value of the step's left side. */
  readonly expected?: Rational;
  /** For `order` / `operands` / `unfinished`: the expression (canonical text) at that point. */
  readonly remaining?: readonly ExprToken[];
  /** For `order`: what should come first. */
  readonly nextOperation?: 'parentheses' | 'multiplication' | 'left-to-right';
}

/** Result of {@link checkSolution}. */
export interface SolutionCheck {
  readonly steps: readonly SolutionStep[];
  /** The first problem, or undefined when none was found. */
  readonly error?: SolutionError;
  /** The value the steps reduce the question to (arithmetic questions only). */
  readonly computed?: Rational;
}

/** Claimed values written with k decimals may round the exact value (`10/3 = 3.33`). */
function matchesRounded(actual: Rational, claimed: Rational, line: string): boolean {
  if (actual.equals(claimed)) return true;
  const decimals = /\d\.(\d+)(?!.*\d\.\d)/.exec(line)?.[1]?.length ?? 0;
  if (decimals === 0) return false;
  const half = Rational.of(1n, 2n * 10n ** BigInt(decimals));
  const diff = actual.sub(claimed);
  return (diff.num < 0n ? diff.neg() : diff).sub(half).num <= 0n;
}

function sameTokens(a: readonly ExprToken[], b: readonly ExprToken[], at: number): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as ExprToken;
    const y = b[at + i];
    if (!y || x.kind !== y.kind) return false;
    if (x.kind === 'num' && !x.value.equals((y as typeof x).value)) return false;
    if (x.kind === 'op' && x.op !== (y as typeof x).op) return false;
  }
  return true;
}

/** Spans of `state` that spell `lhs` (also `b op a` for a single commutative operation). */
function spansOf(lhs: readonly ExprToken[], state: readonly ExprToken[]): number[][] {
  const forms = [lhs];
  if (lhs.length === 3 && lhs[1]?.kind === 'op' && (lhs[1].op === '+' || lhs[1].op === '*')) {
    forms.push([lhs[2] as ExprToken, lhs[1], lhs[0] as ExprToken]);
  }
  const spans: number[][] = [];
  for (const f of forms)
    for (let s = 0; s + f.length <= state.length; s++) if (sameTokens(f, state, s)) spans.push([s, s + f.length - 1]);
  return spans;
}

function describeNext(state: readonly ExprToken[]): SolutionError['nextOperation'] {
  if (state.some((t) => t.kind === 'close')) return 'parentheses';
  return state.some((t) => t.kind === 'op' && (t.op === '*' || t.op === '/')) ? 'multiplication' : 'left-to-right';
}

/**
 * Check a solution's steps. Every computation line is evaluated exactly (BigInt rationals); the
 * first wrong one is reported. When `question` is an arithmetic expression, the steps are also
 * tracked against it: each must rewrite part of the current expression without changing its
 * value (order of operations, right operands), the steps must finish, and the final answer
 * (`\boxed{}` or the last number) must equal the reduced value.
 */
export function checkSolution(solution: string, question?: string): SolutionCheck {
  const steps = findSteps(solution);
  const initial = question ? parseArithmetic(question.replace(/=\s*\?\s*$/, '')) : undefined;
  let state: readonly ExprToken[] | undefined = initial;
  for (const step of steps) {
    // A step whose numbers are not in the expression is a copying error first: reporting its
    // arithmetic (`28-8 is 20` for a miscopied `25-8`) would point the fix at the wrong line.
    const tracked = state && state.length > 1 ? state : undefined;
    const spans = tracked ? spansOf(step.lhs, tracked) : [];
    if (tracked && spans.length === 0) {
      return { steps, error: { kind: 'operands', step, lineIndex: step.lineIndex, remaining: tracked } };
    }
    const actual = step.actual;
    if (!actual || ![step.claimed, ...step.alternatives].some((c) => matchesRounded(actual, c, step.line))) {
      return {
        steps,
        error: { kind: 'arithmetic', step, lineIndex: step.lineIndex, ...(step.actual ? { expected: step.actual } : {}) },
      };
    }
    if (!tracked) continue;
    state = tracked;
    const before = evaluateTokens(state);
    let next: readonly ExprToken[] | undefined;
    for (const [s, e] of spans) {
      const candidate = replaceSpan(state, s as number, e as number, actual);
      const after = evaluateTokens(candidate);
      if (before && after?.equals(before)) {
        next = replaceSpan(state, s as number, e as number, step.claimed);
        break;
      }
    }
    if (!next) {
      const hint = describeNext(state);
      return {
        steps,
        error: { kind: 'order', step, lineIndex: step.lineIndex, remaining: state, ...(hint ? { nextOperation: hint } : {}) },
      };
    }
    state = next;
  }
  const computed = state && state.length === 1 && state[0]?.kind === 'num' ? state[0].value : undefined;
  if (state && !computed) return { steps, error: { kind: 'unfinished', remaining: state } };
  const answer = extractAnswer(solution, { fallback: 'none' });
  const lastLine = solution.split('\n').length - 1;
  if (!answer.found) return { steps, error: { kind: 'no-answer', lineIndex: lastLine }, ...(computed ? { computed } : {}) };
  if (computed) {
    const tokens = parseArithmetic(answer.answer);
    const given = tokens?.length === 1 && tokens[0]?.kind === 'num' ? tokens[0].value : undefined;
    if (!given?.equals(computed)) {
      const lineIndex = solution.slice(0, answer.start).split('\n').length - 1;
      return { steps, error: { kind: 'final-answer', lineIndex }, computed };
    }
    return { steps, computed };
  }
  return { steps };
}
