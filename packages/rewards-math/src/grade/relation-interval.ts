import type { CompareContext } from './compare-scalar';
import { compileScalar } from './compile-cache';
import { evaluateNumber } from './math-engine';
import type { RelationOp } from './parse-relation';
import type { AnswerStructure } from './parse-structure';

type Relation = AnswerStructure & { kind: 'relation' };
type Interval = AnswerStructure & { kind: 'tuple' | 'union' };

/** A relation read as the set of values of its one variable. */
export interface RelationSet {
  /** The variable (as the translator names it, e.g. `v_y`). */
  readonly variable: string;
  /** An interval `(a, b]` (a tuple with brackets) or, for `x \ne c`, a union of two. */
  readonly set: Interval;
}

const VARIABLE = /^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?$/;
const FLIP: Readonly<Record<RelationOp, RelationOp>> = { '<': '>', '>': '<', '\\le': '\\ge', '\\ge': '\\le', '\\ne': '\\ne' };
const INFINITY = /^[+-]?\\infty$/;

const scalar = (text: string): AnswerStructure => ({ kind: 'scalar', text });

/** Variables of a normalised expression; undefined when it cannot be read (`\infty` reads as none). */
function variablesOf(text: string): readonly string[] | undefined {
  return compileScalar(text)?.variables;
}

/** The variable a side consists of, alone (`y`, `x_1`, `\theta`); undefined otherwise. */
function loneVariable(text: string): string | undefined {
  if (!VARIABLE.test(text)) return undefined;
  const vars = variablesOf(text);
  return vars?.length === 1 ? vars[0] : undefined;
}

const isConstant = (text: string): boolean => INFINITY.test(text) || variablesOf(text)?.length === 0;

/** A float as text, snapped to an integer when within rounding of one (so `3` compares exactly). */
function numberText(v: number): string {
  const r = Math.round(v);
  return Math.abs(v - r) <= 1e-9 * Math.max(1, Math.abs(v)) ? String(r) : String(v);
}

/** `expr = k * v + m` for its single variable `v`, checked at four points; undefined when not linear. */
function linear(expr: string, ctx: CompareContext): { variable: string; k: number; m: number } | undefined {
  const c = compileScalar(expr);
  if (c?.variables.length !== 1) return undefined;
  const variable = c.variables[0] as string;
  const at = (t: number): number | undefined => {
    ctx.deadline.check();
    const v = evaluateNumber(c.code, { [variable]: t });
    return v && Math.abs(v.im) <= 1e-12 * (1 + Math.abs(v.re)) ? v.re : undefined;
  };
  const m = at(0);
  const one = at(1);
  if (m === undefined || one === undefined) return undefined;
  const k = one - m;
  if (Math.abs(k) < 1e-12) return undefined;
  for (const t of [-1.5, 2.75]) {
    const v = at(t);
    if (v === undefined || Math.abs(v - (m + k * t)) > 1e-9 * (1 + Math.abs(v))) return undefined;
  }
  return { variable, k, m };
}

/** The set `{v : v op bound}`. */
function halfLine(op: RelationOp, bound: string): Interval {
  const b = scalar(bound);
  switch (op) {
    case '<':
      return { kind: 'tuple', open: '(', close: ')', items: [scalar('-\\infty'), b] };
    case '\\le':
      return { kind: 'tuple', open: '(', close: ']', items: [scalar('-\\infty'), b] };
    case '>':
      return { kind: 'tuple', open: '(', close: ')', items: [b, scalar('\\infty')] };
    case '\\ge':
      return { kind: 'tuple', open: '[', close: ')', items: [b, scalar('\\infty')] };
    default:
      return {
        kind: 'union',
        parts: [
          { kind: 'tuple', open: '(', close: ')', items: [scalar('-\\infty'), b] },
          { kind: 'tuple', open: '(', close: ')', items: [b, scalar('\\infty')] },
        ],
      };
  }
}

/** `lhs op rhs` solved for its one variable: `v op' bound`. */
function solveSingle(lhs: string, op: RelationOp, rhs: string, ctx: CompareContext): RelationSet | undefined {
  const left = loneVariable(lhs);
  if (left && isConstant(rhs)) return { variable: left, set: halfLine(op, rhs) };
  const right = loneVariable(rhs);
  if (right && isConstant(lhs)) return { variable: right, set: halfLine(FLIP[op], lhs) };
  if (INFINITY.test(lhs) || INFINITY.test(rhs)) return undefined;
  const f = linear(`(${lhs})-(${rhs})`, ctx);
  if (!f) return undefined;
  return { variable: f.variable, set: halfLine(f.k > 0 ? op : FLIP[op], numberText(-f.m / f.k)) };
}

const ASCENDING = new Set<RelationOp>(['<', '\\le']);
const DESCENDING = new Set<RelationOp>(['>', '\\ge']);

/** `a op1 middle op2 b` (ascending) solved for the middle's variable as an interval. */
function solveChain(a: string, op1: RelationOp, middle: string, op2: RelationOp, b: string, ctx: CompareContext) {
  if (!isConstant(a) || !isConstant(b)) return undefined;
  const open = op1 === '<' ? '(' : '[';
  const close = op2 === '<' ? ')' : ']';
  const lone = loneVariable(middle);
  if (lone) return { variable: lone, set: { kind: 'tuple', open, close, items: [scalar(a), scalar(b)] } as Interval };
  if (INFINITY.test(a) || INFINITY.test(b)) return undefined;
  const f = linear(middle, ctx);
  const ea = compileScalar(a);
  const eb = compileScalar(b);
  if (!f || !ea || !eb) return undefined;
  const va = evaluateNumber(ea.code);
  const vb = evaluateNumber(eb.code);
  if (!va || !vb || va.im !== 0 || vb.im !== 0) return undefined;
  const lo = numberText((va.re - f.m) / f.k);
  const hi = numberText((vb.re - f.m) / f.k);
  const set: Interval =
    f.k > 0
      ? { kind: 'tuple', open, close, items: [scalar(lo), scalar(hi)] }
      : { kind: 'tuple', open: close === ')' ? '(' : '[', close: open === '(' ? ')' : ']', items: [scalar(hi), scalar(lo)] };
  return { variable: f.variable, set };
}

/**
 * A relation in one variable as the set it describes: `y \le 3` and `3 \ge y` and `-y \ge -3` are
 * `(-\infty, 3]`; `x \ne 2` is `(-\infty, 2) \cup (2, \infty)`; the chain `1 \le y < 4` (or
 * `4 > y \ge 1`) is `[1, 4)`. Sides other than a lone variable must be linear in it (solved
 * numerically; bounds within 1e-9 of an integer are read as that integer). Undefined for
 * anything else (several variables, non-linear sides, mixed directions, longer chains).
 */
export function relationToSet(rel: Relation, ctx: CompareContext): RelationSet | undefined {
  const { terms, ops } = rel;
  if (ops.length === 1) return solveSingle(terms[0] as string, ops[0] as RelationOp, terms[1] as string, ctx);
  if (ops.length !== 2 || ops.includes('\\ne')) return undefined;
  const [op1, op2] = ops as [RelationOp, RelationOp];
  const [a, middle, b] = terms as [string, string, string];
  if (ASCENDING.has(op1) && ASCENDING.has(op2)) return solveChain(a, op1, middle, op2, b, ctx);
  if (DESCENDING.has(op1) && DESCENDING.has(op2)) return solveChain(b, FLIP[op2], middle, FLIP[op1], a, ctx);
  return undefined;
}
