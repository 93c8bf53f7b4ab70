import type { CompareContext } from './compare-scalar';
import { compileScalar } from './compile-cache';
import { type ComplexValue, closeTo, evaluateNumber } from './math-engine';

const POINTS = 6;
const MIN_VALID = 3;
const MAX_VARIABLES = 8;

/**
 * The constant `c` with `a = c * b` as functions of their variables, when there is one: both are
 * normalised LaTeX expressions, evaluated at 6 fixed points (the deadline is checked before each);
 * at least 3 points where both are finite must give the same non-zero ratio, and a point where
 * only one side vanishes proves them not proportional. Undefined when they are not proportional,
 * cannot be read, or have no variables (or more than 8).
 */
export function proportionalRatio(a: string, b: string, ctx: CompareContext): ComplexValue | undefined {
  const x = compileScalar(a);
  const y = compileScalar(b);
  if (!x || !y) return undefined;
  const variables = [...new Set([...x.variables, ...y.variables])];
  if (variables.length === 0 || variables.length > MAX_VARIABLES) return undefined;
  let ratio: ComplexValue | undefined;
  let valid = 0;
  for (let k = 0; k < POINTS; k++) {
    ctx.deadline.check();
    const scope: Record<string, number> = {};
    variables.forEach((v, j) => {
      scope[v] = 0.37 + 0.83 * k - 0.61 * j + 0.29 * ((k * j) % 3);
    });
    const u = evaluateNumber(x.code, scope);
    const w = evaluateNumber(y.code, scope);
    if (!u || !w) continue;
    const ww = w.re * w.re + w.im * w.im;
    if (ww < 1e-18) {
      if (Math.hypot(u.re, u.im) > 1e-9) return undefined;
      continue;
    }
    const r = { re: (u.re * w.re + u.im * w.im) / ww, im: (u.im * w.re - u.re * w.im) / ww };
    if (Math.hypot(r.re, r.im) < 1e-12) return undefined;
    if (ratio && !closeTo(ratio, r, 1e-8, 1e-12)) return undefined;
    ratio = r;
    valid++;
  }
  return valid >= MIN_VALID ? ratio : undefined;
}
