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

const MAX_ODD_DENOMINATOR = 99;

/**
 * `base ^ exponent` on the real branch where one exists: a negative real base with an exponent
 * `p/q` (q odd, at most 99) gives the real value `(-1)^p |base|^(p/q)`, so `y^{2/3}` equals
 * `\sqrt[3]{y^2}` and `(-8)^{1/3}` is -2 (mathjs' `pow` gives the complex principal value there).
 * Everything else is mathjs' `pow` (complex principal value for even q, e.g. `(-4)^{1/2}` = 2i).
 */
function rpow(base: unknown, exponent: unknown): unknown {
  if (typeof base === 'number' && typeof exponent === 'number' && base < 0 && !Number.isInteger(exponent)) {
    for (let q = 3; q <= MAX_ODD_DENOMINATOR; q += 2) {
      const p = Math.round(exponent * q);
      if (Math.abs(exponent * q - p) < 1e-9) {
        const magnitude = Math.abs(base) ** exponent;
        return p % 2 === 0 ? magnitude : -magnitude;
      }
    }
  }
  return (instance as MathJsInstance).pow(base as number, exponent as number);
}

/**
 * The shared mathjs instance (plain double arithmetic, complex results allowed) with the extra
 * functions the LaTeX translator emits (`binom`, the real-branch power `rpow`). Created on first use.
 */
export function mathEngine(): MathJsInstance {
  if (!instance) {
    instance = create(all!, { number: 'number', predictable: false });
    instance.import({ binom, rpow }, { override: true });
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
