import type { Rng } from '@trellis/core';
import { Rational } from '../rational/rational';
import type { ArithmeticOptions } from './arithmetic-options';
import { type ArithOp, type ExprToken, evaluateTokens, evaluationSteps, formatStep, formatTokens } from './expression';

/** One generated problem before the task wraps it into a core `Problem`. */
export interface ArithmeticItem {
  /** The bare canonical expression, e.g. `12+7*3`. */
  readonly question: string;
  /** Reference solution: one `a op b=c` line per operation in evaluation order, then `\boxed{answer}`. */
  readonly solution: string;
  /** The exact answer as text, e.g. `33`. */
  readonly answer: string;
  readonly steps: number;
  readonly parentheses: boolean;
}

type Knobs = Pick<
  ArithmeticOptions,
  | 'minSteps'
  | 'maxSteps'
  | 'minDigits'
  | 'maxDigits'
  | 'operators'
  | 'parentheses'
  | 'allowNegative'
  | 'maxMultiplier'
  | 'maxIntermediate'
>;

function operand(rng: Rng, knobs: Knobs): Rational {
  const d = rng.intBetween(knobs.minDigits, knobs.maxDigits);
  const lo = d === 1 ? 1 : 10 ** (d - 1);
  return Rational.of(rng.intBetween(lo, 10 ** d - 1));
}

function flat(values: readonly Rational[], ops: readonly ArithOp[]): ExprToken[] {
  const out: ExprToken[] = [];
  values.forEach((value, i) => {
    if (i > 0) out.push({ kind: 'op', op: ops[i - 1] as ArithOp });
    out.push({ kind: 'num', value });
  });
  return out;
}

/** Wrap operands a..b (token indices 2a..2b) in parentheses. */
function wrap(tokens: readonly ExprToken[], a: number, b: number): ExprToken[] {
  return [
    ...tokens.slice(0, 2 * a),
    { kind: 'open' },
    ...tokens.slice(2 * a, 2 * b + 1),
    { kind: 'close' },
    ...tokens.slice(2 * b + 1),
  ];
}

function withParentheses(tokens: ExprToken[], steps: number, rng: Rng): ExprToken[] | undefined {
  const plain = evaluateTokens(tokens);
  for (let attempt = 0; attempt < 6; attempt++) {
    const a = rng.int(steps);
    const b = rng.intBetween(a + 1, steps);
    if (a === 0 && b === steps) continue;
    const wrapped = wrap(tokens, a, b);
    const v = evaluateTokens(wrapped);
    if (v && plain && !v.equals(plain)) return wrapped;
  }
  return undefined;
}

/**
 * Draw one problem with `rng` (one attempt; undefined when it breaks a constraint: a
 * non-integer or negative intermediate result, one over `maxIntermediate`, or a multiplication
 * or division beyond `maxMultiplier`). Operands and
 * operators are uniform; with probability `parentheses` one group that changes the value is added.
 */
export function drawArithmetic(rng: Rng, knobs: Knobs): ArithmeticItem | undefined {
  const steps = rng.intBetween(knobs.minSteps, knobs.maxSteps);
  const values = Array.from({ length: steps + 1 }, () => operand(rng, knobs));
  const ops = Array.from({ length: steps }, () => rng.pick(knobs.operators));
  let tokens = flat(values, ops);
  let parens = false;
  if (steps >= 2 && rng.next() < knobs.parentheses) {
    const wrapped = withParentheses(tokens, steps, rng);
    if (wrapped) {
      tokens = wrapped;
      parens = true;
    }
  }
  const reduction = evaluationSteps(tokens);
  if (!reduction || reduction.length !== steps) return undefined;
  const lines: string[] = [];
  const cap = BigInt(knobs.maxMultiplier);
  const abs = (v: Rational) => (v.num < 0n ? -v.num : v.num);
  for (const s of reduction) {
    if (!s.result.isInteger()) return undefined;
    if (s.op === '*' && abs(s.left) > cap && abs(s.right) > cap) return undefined;
    if (s.op === '/' && abs(s.right) > cap) return undefined;
    if (!knobs.allowNegative && s.result.num < 0n) return undefined;
    if (s.result.num > BigInt(knobs.maxIntermediate) || -s.result.num > BigInt(knobs.maxIntermediate)) return undefined;
    lines.push(formatStep(s.left, s.op, s.right, s.result));
  }
  const answer = (reduction[reduction.length - 1] as (typeof reduction)[number]).result.toDisplay();
  lines.push(`\\boxed{${answer}}`);
  return { question: formatTokens(tokens), solution: lines.join('\n'), answer, steps, parentheses: parens };
}
