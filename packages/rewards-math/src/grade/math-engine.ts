import { all, create, type EvalFunction, type MathJsInstance } from 'mathjs';

let instance: MathJsInstance | undefined;

/** Binomial coefficient for any reals via the gamma function; exact loop for small integers. */
function binom(n: number, k: number): number {
  if (Number.isInteger(n) && Number.isInteger(k) && n >= 0 && k >= 0 && n <= 1000) {
    if (k > n) return 0;
    let r = 1;
    const m = Math.min(k, n - k);
    for (let j = 1; j <= m; j++) r = (r * (n - m + j)) / j;
    return Math.round(r);
  }
  const g = (x: number) => (instance as MathJsInstance).gamma(x) as number;
  return g(n + 1) / (g(k + 1) * g(n - k + 1));
}

/**
 * The shared mathjs instance (plain double arithmetic, complex results allowed) with the one
 * extra function the LaTeX translator emits (`binom`). Created on first use.
 */
export function mathEngine(): MathJsInstance {
  if (!instance) {
    instance = create(all!, { number: 'number', predictable: false });
    instance.import({ binom }, { override: true });
  }
  return instance;
}

/** A complex number as a pair; real results have `im` 0. Undefined when not a finite number. */
export interface ComplexValue {
  readonly re: number;
  readonly im: number;
}

/** Evaluate compiled mathjs code with a scope; undefined on errors, NaN, infinities or non-numbers. */
export function evaluateNumber(code: EvalFunction, scope: Record<string, number> = {}): ComplexValue | undefined {
  let v: unknown;
  try {
    v = code.evaluate({ ...scope });
  } catch {
    return undefined;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? { re: v, im: 0 } : undefined;
  if (v && typeof v === 'object' && 're' in v && 'im' in v) {
    const { re, im } = v as { re: unknown; im: unknown };
    if (typeof re === 'number' && typeof im === 'number' && Number.isFinite(re) && Number.isFinite(im)) return { re, im };
  }
  return undefined;
}

/** |a - b| <= relTol * max(|a|, |b|) + absTol, on complex values. */
export function closeTo(a: ComplexValue, b: ComplexValue, relTol: number, absTol = 1e-12): boolean {
  const diff = Math.hypot(a.re - b.re, a.im - b.im);
  const scale = Math.max(Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
  return diff <= relTol * scale + absTol;
}
