import { type ArithOp, evaluationSteps, parseArithmetic } from '../arithmetic/expression';
import { findSteps } from './find-steps';

/** An arithmetic expression (`12+7*3`) or a word problem. */
export type ProblemKind = 'expression' | 'word';

/** What {@link relevance} compares about a problem. */
export interface ProblemStructure {
  readonly kind: ProblemKind;
  /**
   * Operators: an expression's in its evaluation order; for a word problem those of the
   * trajectory's computation lines (in order) when a trajectory with steps is given, else the
   * operators its question's cue words suggest (see `CUE_WORDS`).
   */
  readonly ops: readonly ArithOp[];
  /** How many numbers the question writes. */
  readonly numbers: number;
  /** Digits of the integer part of the largest number in the question (0 without numbers). */
  readonly digits: number;
  /** Expressions: whether the question has parentheses. */
  readonly parentheses: boolean;
  /** Word problems: which of `percent`, `money`, `fraction`, `decimal`, `time` the question mentions. */
  readonly markers: ReadonlySet<string>;
  /** Word problems: content words of the question (lower case, 4+ letters, not in a stop list). */
  readonly words: ReadonlySet<string>;
}

/** Cue words of a word problem's question and the operator each suggests. */
export const CUE_WORDS: Readonly<Record<ArithOp, readonly string[]>> = {
  '+': ['total', 'altogether', 'combined', 'sum', 'more', 'plus', 'together', 'added', 'increase', 'increased', 'additional'],
  '-': [
    'left',
    'less',
    'fewer',
    'remain',
    'remains',
    'remaining',
    'difference',
    'minus',
    'spent',
    'lost',
    'gave',
    'away',
    'change',
  ],
  '*': ['times', 'twice', 'double', 'triple', 'each', 'every', 'per', 'product'],
  '/': ['half', 'halves', 'third', 'thirds', 'quarter', 'quarters', 'split', 'divide', 'divided', 'equally', 'average', 'share'],
};

const MARKERS: readonly [string, RegExp][] = [
  ['percent', /%|\bpercent\b/i],
  ['money', /\$|\b(?:dollars?|cents?)\b/i],
  ['fraction', /\d\s*\/\s*\d|\b(?:half|halves|third|thirds|quarter|quarters)\b/i],
  ['decimal', /\d\.\d/],
  ['time', /\b(?:hours?|minutes?|seconds?|days?|weeks?|months?|years?)\b/i],
];

const STOP = new Set(
  (
    'that this with have from they them their there then than were what when where which while will would could should ' +
    'does each many much more most some such into over also just only very your about after before again because been ' +
    'being both down during every here hers other same these those through under until upon whom whose'
  ).split(' '),
);

const NUMBER = /(?<![\d.])\d(?:\d|,(?=\d{3}))*(?:\.\d+)?/g;
const OPS: readonly ArithOp[] = ['+', '-', '*', '/'];

function digitsOf(values: readonly number[]): number {
  const max = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return values.length === 0 ? 0 : String(Math.trunc(max)).length;
}

/** The structure of a problem, and of a trajectory of it when given. */
export function problemStructure(question: string, trajectory?: string): ProblemStructure {
  const expr = parseArithmetic(question.replace(/=\s*\?\s*$/, '').trim());
  if (expr?.some((t) => t.kind === 'op')) {
    const values = expr.flatMap((t) => (t.kind === 'num' ? [t.value.toNumber()] : []));
    return {
      kind: 'expression',
      ops: (evaluationSteps(expr) ?? []).map((s) => s.op),
      numbers: values.length,
      digits: digitsOf(values),
      parentheses: expr.some((t) => t.kind === 'open'),
      markers: new Set(),
      words: new Set(),
    };
  }
  const values = [...question.matchAll(NUMBER)].map((m) => Number(m[0].replace(/,/g, '')));
  const lower = question.toLowerCase();
  const tokens: string[] = lower.match(/[a-z]+/g) ?? [];
  let ops: ArithOp[] = trajectory
    ? findSteps(trajectory).flatMap((s) => s.lhs.flatMap((t) => (t.kind === 'op' ? [t.op] : [])))
    : [];
  if (ops.length === 0) {
    ops = OPS.filter((op) => CUE_WORDS[op].some((w) => tokens.includes(w)) || (op === '*' && question.includes('%')));
  }
  return {
    kind: 'word',
    ops,
    numbers: values.length,
    digits: digitsOf(values),
    parentheses: false,
    markers: new Set(MARKERS.filter(([, re]) => re.test(question)).map(([name]) => name)),
    words: new Set(tokens.filter((w) => w.length >= 4 && !STOP.has(w))),
  };
}
