import { Rational } from '../rational/rational';

export type ArithOp = '+' | '-' | '*' | '/';

/** A token of a flat arithmetic expression; numbers are exact (negative literals allowed). */
export type ExprToken =
  | { readonly kind: 'num'; readonly value: Rational }
  | { readonly kind: 'op'; readonly op: ArithOp }
  | { readonly kind: 'open' }
  | { readonly kind: 'close' };

const PREC: Readonly<Record<ArithOp, number>> = { '+': 1, '-': 1, '*': 2, '/': 2 };

/** Longest expression (characters) `parseArithmetic` reads. */
export const MAX_EXPRESSION_LENGTH = 400;

/**
 * Tokenise an arithmetic expression: numbers (integers, decimals, thousands commas), `+ - * /`
 * (also `×`, `÷`, `·`, `\times`, `\cdot`, `\div`), parentheses, and unary minus on a number
 * (`-9`, `5-(-9)`). Spaces and `$` are ignored. Undefined for anything else, unbalanced
 * parentheses or a malformed sequence.
 */
export function parseArithmetic(text: string): ExprToken[] | undefined {
  if (text.length > MAX_EXPRESSION_LENGTH) return undefined;
  const s = text
    .replace(/\\times|\\cdot|[×·]/g, '*')
    .replace(/\\div|÷/g, '/')
    .replace(/[\s$]/g, '');
  const out: ExprToken[] = [];
  let depth = 0;
  let i = 0;
  const expectsOperand = () => {
    const last = out[out.length - 1];
    return !last || last.kind === 'op' || last.kind === 'open';
  };
  while (i < s.length) {
    const c = s[i] as string;
    const num = /^-?(?:\d{1,3}(?:,\d{3})+|\d+|(?=\.\d))(?:\.\d+)?/.exec(s.slice(i, i + 64));
    if (num && (num[0][0] !== '-' || expectsOperand())) {
      if (!expectsOperand()) return undefined;
      const value = Rational.parse(num[0]);
      if (!value) return undefined;
      out.push({ kind: 'num', value });
      i += num[0].length;
      continue;
    }
    if (c === '(') {
      if (!expectsOperand()) return undefined;
      depth++;
      out.push({ kind: 'open' });
    } else if (c === ')') {
      if (expectsOperand() || --depth < 0) return undefined;
      out.push({ kind: 'close' });
    } else if (c === '+' || c === '-' || c === '*' || c === '/') {
      if (expectsOperand()) return undefined;
      out.push({ kind: 'op', op: c });
    } else return undefined;
    i++;
  }
  if (depth !== 0 || out.length === 0 || expectsOperand()) return undefined;
  return out;
}

/** Exact value of a token list; undefined on division by zero or malformed input. */
export function evaluateTokens(tokens: readonly ExprToken[]): Rational | undefined {
  let pos = 0;
  const primary = (): Rational | undefined => {
    const t = tokens[pos++];
    if (!t) return undefined;
    if (t.kind === 'num') return t.value;
    if (t.kind !== 'open') return undefined;
    const v = sum();
    if (tokens[pos++]?.kind !== 'close') return undefined;
    return v;
  };
  const product = (): Rational | undefined => {
    let v = primary();
    for (;;) {
      const t = tokens[pos];
      if (v === undefined || t?.kind !== 'op' || PREC[t.op] !== 2) return v;
      pos++;
      const r = primary();
      if (r === undefined || (t.op === '/' && r.isZero())) return undefined;
      v = t.op === '*' ? v.mul(r) : v.div(r);
    }
  };
  const sum = (): Rational | undefined => {
    let v = product();
    for (;;) {
      const t = tokens[pos];
      if (v === undefined || t?.kind !== 'op' || PREC[t.op] !== 1) return v;
      pos++;
      const r = product();
      if (r === undefined) return undefined;
      v = t.op === '+' ? v.add(r) : v.sub(r);
    }
  };
  const v = sum();
  return pos === tokens.length ? v : undefined;
}

/** Apply one binary operation exactly; undefined on division by zero. */
export function applyOp(a: Rational, op: ArithOp, b: Rational): Rational | undefined {
  if (op === '+') return a.add(b);
  if (op === '-') return a.sub(b);
  if (op === '*') return a.mul(b);
  return b.isZero() ? undefined : a.div(b);
}

/** Display text of a number inside an expression: negatives after an operator get parentheses. */
function numText(v: Rational, afterOp: boolean): string {
  const s = v.toDisplay();
  return afterOp && s.startsWith('-') ? `(${s})` : s;
}

/** Canonical text of tokens, no spaces (`12+7*3`, `5-(-9)`, `(3+4)*2`). */
export function formatTokens(tokens: readonly ExprToken[]): string {
  let out = '';
  tokens.forEach((t, i) => {
    if (t.kind === 'num') out += numText(t.value, tokens[i - 1]?.kind === 'op');
    else if (t.kind === 'op') out += t.op;
    else out += t.kind === 'open' ? '(' : ')';
  });
  return out;
}

/** The text of one step line `a op b=c`. */
export function formatStep(a: Rational, op: ArithOp, b: Rational, c: Rational): string {
  return `${numText(a, false)}${op}${numText(b, true)}=${c.toDisplay()}`;
}

/**
 * Index of the operator token evaluated next in the standard order: the innermost (leftmost)
 * parenthesised group first; inside a group, the leftmost `*`/`/`, else the leftmost `+`/`-`.
 * Undefined when the expression is a single number.
 */
export function nextOperatorIndex(tokens: readonly ExprToken[]): number | undefined {
  let start = 0;
  let end = tokens.length;
  const firstClose = tokens.findIndex((t) => t.kind === 'close');
  if (firstClose >= 0) {
    let open = firstClose - 1;
    while (open >= 0 && tokens[open]?.kind !== 'open') open--;
    start = open + 1;
    end = firstClose;
  }
  let best: number | undefined;
  for (let i = start; i < end; i++) {
    const t = tokens[i];
    if (t?.kind !== 'op') continue;
    if (best === undefined || PREC[t.op] > PREC[(tokens[best] as { op: ArithOp }).op]) best = i;
  }
  return best;
}

/**
 * Replace `tokens[start..end]` (inclusive) by the number `value`, then drop parentheses left
 * around a single number. Returns a new list.
 */
export function replaceSpan(tokens: readonly ExprToken[], start: number, end: number, value: Rational): ExprToken[] {
  const out: ExprToken[] = [...tokens.slice(0, start), { kind: 'num', value }, ...tokens.slice(end + 1)];
  let at = start;
  while (out[at - 1]?.kind === 'open' && out[at + 1]?.kind === 'close') {
    out.splice(at + 1, 1);
    out.splice(at - 1, 1);
    at--;
  }
  return out;
}

/** One reduction of the standard evaluation order. */
export interface ReductionStep {
  readonly left: Rational;
  readonly op: ArithOp;
  readonly right: Rational;
  readonly result: Rational;
  /** The expression after this step. */
  readonly after: readonly ExprToken[];
}

/**
 * All steps of the standard evaluation order (see `nextOperatorIndex`), one binary operation per
 * step; undefined on division by zero.
 */
export function evaluationSteps(tokens: readonly ExprToken[]): ReductionStep[] | undefined {
  const steps: ReductionStep[] = [];
  let cur: readonly ExprToken[] = tokens;
  for (let k = nextOperatorIndex(cur); k !== undefined; k = nextOperatorIndex(cur)) {
    const l = cur[k - 1];
    const o = cur[k];
    const r = cur[k + 1];
    if (l?.kind !== 'num' || o?.kind !== 'op' || r?.kind !== 'num') return undefined;
    const result = applyOp(l.value, o.op, r.value);
    if (!result) return undefined;
    cur = replaceSpan(cur, k - 1, k + 1, result);
    steps.push({ left: l.value, op: o.op, right: r.value, result, after: cur });
  }
  return steps;
}
