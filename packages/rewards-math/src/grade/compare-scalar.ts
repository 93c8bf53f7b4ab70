import { type CompiledScalar, compileScalar } from './compile-cache';
import type { Deadline } from './deadline';
import { exactNumber } from './exact-number';
import { type ComplexValue, closeTo, evaluateNumber, mathEngine } from './math-engine';

/** Which layer decided a comparison. */
export type GradeMethod = 'string' | 'numeric' | 'symbolic' | 'structural' | 'choice' | 'none';

/** Verdict of one comparison. */
export interface Verdict {
  readonly correct: boolean;
  readonly method: GradeMethod;
}

/** Shared settings of one `gradeAnswer` call. */
export interface CompareContext {
  readonly relTol: number;
  readonly deadline: Deadline;
  /** The raw gold / prediction carried a percent sign: x and x/100 are then both accepted. */
  readonly goldPercent: boolean;
  readonly predPercent: boolean;
}

/** Most free variables the symbolic layer will sample. */
export const MAX_SYMBOLIC_VARIABLES = 8;
/** Largest translated size (tokens) on which mathjs `simplify` may run (its cost grows steeply). */
export const MAX_SIMPLIFY_SIZE = 20;
const SYMBOLIC_POINTS = 8;
const MIN_VALID_POINTS = 3;
const SYMBOLIC_TOL = 1e-8;
const SAMPLE_VALUES = [0.5134, -1.2871, 1.7319, 2.2468, -0.7723, 1.1102, 0.3901, -2.0512, 1.4437, -0.6189, 2.7051];

/** Text answers (a run of 3+ letters outside a command): only compared as strings. */
export function isTextAnswer(normalized: string): boolean {
  return /(?<![\\a-zA-Z])[a-zA-Z]{3,}/.test(normalized.replace(/\\[a-zA-Z]+/g, ' '));
}

function withPercent(a: ComplexValue, b: ComplexValue, ctx: CompareContext, tol: number): boolean {
  if (closeTo(a, b, tol)) return true;
  if (ctx.predPercent && !ctx.goldPercent) return closeTo(a, { re: b.re / 100, im: b.im / 100 }, tol);
  if (ctx.goldPercent && !ctx.predPercent) return closeTo(a, { re: b.re * 100, im: b.im * 100 }, tol);
  return false;
}

function numericLayer(gold: string, pred: string, ctx: CompareContext): Verdict | undefined {
  const eg = exactNumber(gold);
  const ep = exactNumber(pred);
  if (eg && ep) {
    if (eg.equals(ep)) return { correct: true, method: 'numeric' };
    if (eg.isInteger() && !ctx.goldPercent && !ctx.predPercent) return { correct: false, method: 'numeric' };
    const a = { re: eg.toNumber(), im: 0 };
    const b = { re: ep.toNumber(), im: 0 };
    return { correct: withPercent(a, b, ctx, ctx.relTol), method: 'numeric' };
  }
  return undefined;
}

/** Roots and non-integer powers: their value at a negative argument depends on the branch taken. */
const ROOTS = /\b(?:sqrt|nthRoot|rpow)\(/;

/**
 * Two non-real values of equal modulus: what two branches of the same root give (`y^{3/2}` and
 * `\sqrt{y^3}` at negative y are -i|y|^{3/2} and +i|y|^{3/2}). Such a point is skipped, not
 * counted against equality: the expressions are compared where they are real.
 */
function branchOnly(a: ComplexValue, b: ComplexValue): boolean {
  if (Math.abs(a.im) <= 1e-12 || Math.abs(b.im) <= 1e-12) return false;
  return closeTo({ re: Math.hypot(a.re, a.im), im: 0 }, { re: Math.hypot(b.re, b.im), im: 0 }, SYMBOLIC_TOL, 1e-9);
}

function pointScope(variables: readonly string[], point: number): Record<string, number> {
  const scope: Record<string, number> = {};
  variables.forEach((v, j) => {
    scope[v] = (SAMPLE_VALUES[(point * 3 + j * 5) % SAMPLE_VALUES.length] as number) + 0.01 * j;
  });
  return scope;
}

function symbolicLayer(g: CompiledScalar, p: CompiledScalar, ctx: CompareContext): Verdict {
  const variables = [...new Set([...g.variables, ...p.variables])];
  if (variables.length > MAX_SYMBOLIC_VARIABLES) return { correct: false, method: 'none' };
  const branchy = ROOTS.test(g.expr) || ROOTS.test(p.expr);
  let valid = 0;
  for (let k = 0; k < SYMBOLIC_POINTS; k++) {
    ctx.deadline.check();
    const scope = pointScope(variables, k);
    const a = evaluateNumber(g.code, scope);
    const b = evaluateNumber(p.code, scope);
    if (!a || !b) continue;
    if (!closeTo(a, b, Math.max(ctx.relTol, SYMBOLIC_TOL), 1e-9)) {
      if (branchy && branchOnly(a, b)) continue;
      return { correct: false, method: 'symbolic' };
    }
    valid++;
  }
  if (valid >= MIN_VALID_POINTS) return { correct: true, method: 'symbolic' };
  if (g.size <= MAX_SIMPLIFY_SIZE && p.size <= MAX_SIMPLIFY_SIZE) {
    ctx.deadline.check();
    try {
      const diff = mathEngine().simplify(`(${g.expr}) - (${p.expr})`);
      if (diff.type === 'ConstantNode' && Number((diff as unknown as { value: unknown }).value) === 0) {
        return { correct: true, method: 'symbolic' };
      }
    } catch {
      // simplify refuses some inputs; not equal as far as we can tell
    }
  }
  return { correct: false, method: 'symbolic' };
}

/**
 * Compare two normalised scalars, gold first: string, then exact/numeric (integers exactly;
 * otherwise relative tolerance; percent-aware), then symbolic (mathjs: random-point identity
 * test, `simplify` for small inconclusive cases). Text answers compare case-insensitively only.
 */
export function compareScalar(gold: string, pred: string, ctx: CompareContext): Verdict {
  const cg = gold.replace(/\s+/g, '').replace(/^\+/, '');
  const cp = pred.replace(/\s+/g, '').replace(/^\+/, '');
  if (cg === cp) return { correct: true, method: 'string' };
  if (isTextAnswer(gold) || isTextAnswer(pred)) {
    return { correct: cg.toLowerCase() === cp.toLowerCase(), method: 'string' };
  }
  ctx.deadline.check();
  const exact = numericLayer(cg, cp, ctx);
  if (exact) return exact;
  const g = compileScalar(gold);
  const p = compileScalar(pred);
  if (!g || !p) return { correct: false, method: 'none' };
  ctx.deadline.check();
  if (g.variables.length === 0 && p.variables.length === 0) {
    const a = evaluateNumber(g.code);
    const b = evaluateNumber(p.code);
    if (!a || !b) return { correct: false, method: 'none' };
    return { correct: withPercent(a, b, ctx, ctx.relTol), method: 'numeric' };
  }
  return symbolicLayer(g, p, ctx);
}
