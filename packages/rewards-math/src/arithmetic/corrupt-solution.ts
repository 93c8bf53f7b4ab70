import type { Rng } from '@trellis/core';
import { Rational } from '../rational/rational';
import {
  type ArithOp,
  applyOp,
  type ExprToken,
  evaluateTokens,
  evaluationSteps,
  formatStep,
  nextOperatorIndex,
  parseArithmetic,
  replaceSpan,
} from './expression';

/** How a reference solution was corrupted. */
export type CorruptionKind = 'result' | 'operand' | 'operand-consistent' | 'operator' | 'order';

/** A corrupted solution and where its first wrong line is. */
export interface CorruptedSolution {
  readonly solution: string;
  /** 0-based index of the corrupted (first wrong) line. */
  readonly lineIndex: number;
  readonly kind: CorruptionKind;
}

const KINDS: readonly CorruptionKind[] = ['result', 'operand', 'operand-consistent', 'operator', 'order'];

function delta(rng: Rng): Rational {
  const d = rng.intBetween(1, 10);
  return Rational.of(rng.next() < 0.5 ? -d : d);
}

function binaryAt(state: readonly ExprToken[], k: number): { l: Rational; op: ArithOp; r: Rational } | undefined {
  const l = state[k - 1];
  const o = state[k];
  const r = state[k + 1];
  if (l?.kind !== 'num' || o?.kind !== 'op' || r?.kind !== 'num') return undefined;
  return { l: l.value, op: o.op, r: r.value };
}

/** Operator positions whose reduction now would change the expression's value. */
function illegalReductions(state: readonly ExprToken[]): number[] {
  const before = evaluateTokens(state);
  const out: number[] = [];
  state.forEach((t, k) => {
    if (t.kind !== 'op') return;
    const b = binaryAt(state, k);
    if (!b || !before) return;
    const v = applyOp(b.l, b.op, b.r);
    const after = v && evaluateTokens(replaceSpan(state, k - 1, k + 1, v));
    if (after && !after.equals(before)) out.push(k);
  });
  return out;
}

/**
 * Corrupt one step of the reference solution of an arithmetic `question` the way a model might:
 * a wrong result, a miscopied operand (result kept or recomputed), a wrong operator, or an
 * operation done out of order. Later lines continue consistently from the corrupted value.
 * Undefined when the drawn corruption is not possible for this question (draw again).
 */
export function corruptArithmeticSolution(
  question: string,
  rng: Rng,
  kind: CorruptionKind = rng.pick(KINDS),
): CorruptedSolution | undefined {
  const tokens = parseArithmetic(question);
  const reference = tokens && evaluationSteps(tokens);
  if (!tokens || !reference || reference.length === 0) return undefined;
  const k = rng.int(reference.length);
  const state = k === 0 ? tokens : (reference[k - 1] as (typeof reference)[number]).after;
  const lines = reference.slice(0, k).map((s) => formatStep(s.left, s.op, s.right, s.result));
  const at = nextOperatorIndex(state);
  const b = at === undefined ? undefined : binaryAt(state, at);
  if (at === undefined || !b) return undefined;
  const truth = applyOp(b.l, b.op, b.r);
  if (!truth) return undefined;
  let line: string;
  let next: ExprToken[];
  if (kind === 'result') {
    const wrong = truth.add(delta(rng));
    line = formatStep(b.l, b.op, b.r, wrong);
    next = replaceSpan(state, at - 1, at + 1, wrong);
  } else if (kind === 'operand' || kind === 'operand-consistent') {
    const r2 = b.r.add(delta(rng));
    const v2 = applyOp(b.l, b.op, r2);
    if (!v2 || r2.num <= 0n || v2.equals(truth)) return undefined;
    line = kind === 'operand' ? formatStep(b.l, b.op, r2, truth) : formatStep(b.l, b.op, r2, v2);
    next = replaceSpan(state, at - 1, at + 1, kind === 'operand' ? truth : v2);
  } else if (kind === 'operator') {
    const ops = (['+', '-', '*'] as const).filter((o) => o !== b.op);
    const op2 = rng.pick(ops);
    const v2 = applyOp(b.l, op2, b.r);
    if (!v2 || v2.equals(truth)) return undefined;
    line = formatStep(b.l, op2, b.r, v2);
    next = replaceSpan(state, at - 1, at + 1, v2);
  } else {
    const options = illegalReductions(state);
    if (options.length === 0) return undefined;
    const j = rng.pick(options);
    const c = binaryAt(state, j);
    const v = c && applyOp(c.l, c.op, c.r);
    if (!c || !v) return undefined;
    line = formatStep(c.l, c.op, c.r, v);
    next = replaceSpan(state, j - 1, j + 1, v);
  }
  const rest = evaluationSteps(next);
  if (!rest) return undefined;
  const final = rest.length ? (rest[rest.length - 1] as (typeof rest)[number]).result : (next[0] as { value: Rational }).value;
  const all = [...lines, line, ...rest.map((s) => formatStep(s.left, s.op, s.right, s.result)), `\\boxed{${final.toDisplay()}}`];
  return { solution: all.join('\n'), lineIndex: k, kind };
}
