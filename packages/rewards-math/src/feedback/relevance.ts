import type { ArithOp } from '../arithmetic/expression';
import { type ProblemStructure, problemStructure } from './problem-structure';

/** The parts of a relevance score, each in [0, 1]. */
export interface RelevanceParts {
  /** 1 when both are expressions or both word problems. */
  readonly kind: number;
  /** Operator pattern. */
  readonly operators: number;
  /** Size: count and magnitude of the numbers. */
  readonly size: number;
  /** Expressions: parentheses; word problems: markers and content words. */
  readonly extras: number;
}

/** Result of {@link relevance}. */
export interface RelevanceResult {
  /** `0.2 kind + 0.4 operators + 0.2 size + 0.2 extras`, rounded to 3 decimals. */
  readonly score: number;
  readonly parts: RelevanceParts;
  /** The two structures compared. */
  readonly target: ProblemStructure;
  readonly reference: ProblemStructure;
}

/** |A ∩ B| / |A ∪ B|, 1 when both are empty. */
export function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Σ min(count) / Σ max(count) over operators, 1 when both are empty. */
function multisetJaccard(a: readonly ArithOp[], b: readonly ArithOp[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const ops = new Set([...a, ...b]);
  let min = 0;
  let max = 0;
  for (const op of ops) {
    const ca = a.filter((x) => x === op).length;
    const cb = b.filter((x) => x === op).length;
    min += Math.min(ca, cb);
    max += Math.max(ca, cb);
  }
  return min / max;
}

/** Longest common subsequence length / the longer length, 1 when both are empty. */
function sequenceSimilarity(a: readonly ArithOp[], b: readonly ArithOp[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const dp: number[] = new Array(b.length + 1).fill(0);
  for (const x of a) {
    let prev = 0;
    for (let j = 1; j <= b.length; j++) {
      const keep = dp[j] as number;
      dp[j] = x === b[j - 1] ? prev + 1 : Math.max(dp[j] as number, dp[j - 1] as number);
      prev = keep;
    }
  }
  return (dp[b.length] as number) / Math.max(a.length, b.length);
}

/** min / max, 1 when both are 0. */
function ratio(a: number, b: number): number {
  return a === b ? 1 : Math.min(a, b) / Math.max(a, b);
}

/**
 * How relevant a reference (another problem and a trajectory of it) is to a target problem, in
 * [0, 1], from structure alone:
 *
 * `score = 0.2 K + 0.4 O + 0.2 S + 0.2 X` (rounded to 3 decimals), where
 * - K (kind) = 1 when both are arithmetic expressions or both word problems, else 0;
 * - O (operators): for two expressions, the mean of the multiset Jaccard of their operators
 *   (Σ min count / Σ max count) and the longest common subsequence of their evaluation-order
 *   operator sequences over the longer length; otherwise the Jaccard of the operator sets (the
 *   target's from its question, the reference's from its trajectory's computation lines);
 * - S (size) = mean of min/max of the numbers' counts and of the digits of the largest numbers;
 * - X (extras): two expressions: 1 when both or neither have parentheses, else 0; two word
 *   problems: mean of the Jaccard of their markers (percent, money, fraction, decimal, time) and
 *   of their content words; different kinds: 0.
 * Jaccard and ratios of two empty sets / zeros are 1.
 */
export function relevance(targetQuestion: string, reference: { question: string; text: string }): RelevanceResult {
  const target = problemStructure(targetQuestion);
  const ref = problemStructure(reference.question, reference.text);
  const kind = target.kind === ref.kind ? 1 : 0;
  const bothExpr = target.kind === 'expression' && ref.kind === 'expression';
  const operators = bothExpr
    ? (multisetJaccard(target.ops, ref.ops) + sequenceSimilarity(target.ops, ref.ops)) / 2
    : jaccard(new Set(target.ops), new Set(ref.ops));
  const size = (ratio(target.numbers, ref.numbers) + ratio(target.digits, ref.digits)) / 2;
  const extras = bothExpr
    ? target.parentheses === ref.parentheses
      ? 1
      : 0
    : kind === 1
      ? (jaccard(target.markers, ref.markers) + jaccard(target.words, ref.words)) / 2
      : 0;
  const score = Math.round((0.2 * kind + 0.4 * operators + 0.2 * size + 0.2 * extras) * 1000) / 1000;
  return { score, parts: { kind, operators, size, extras }, target, reference: ref };
}

const level = (v: number) => (v >= 0.75 ? 'similar' : v >= 0.4 ? 'partly similar' : 'different');
const kindName = (s: ProblemStructure) => (s.kind === 'expression' ? 'arithmetic expression' : 'word problem');

/** A digit-free sentence per part of a relevance result (`Kind: same (word problem). Operators: similar. ...`). */
export function describeRelevance(r: RelevanceResult): string {
  const kind = r.parts.kind
    ? `Kind: same (${kindName(r.target)}).`
    : `Kind: different (${kindName(r.target)} and ${kindName(r.reference)}).`;
  const out = [kind, `Operators: ${level(r.parts.operators)}.`, `Size: ${level(r.parts.size)}.`];
  if (r.target.kind === 'expression' && r.reference.kind === 'expression') {
    out.push(`Parentheses: ${r.parts.extras ? 'same' : 'different'}.`);
  } else if (r.parts.kind) out.push(`Features: ${level(r.parts.extras)}.`);
  return out.join(' ');
}
