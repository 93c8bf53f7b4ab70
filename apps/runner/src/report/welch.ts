import ttest2 from '@stdlib/stats-ttest2';

/** Result of a Welch two-sample t-test. */
export interface WelchResult {
  /** Mean of `x` minus mean of `y`. */
  readonly diff: number;
  readonly statistic: number;
  /** Welch-Satterthwaite degrees of freedom. */
  readonly df: number;
  /** Two-sided p-value for "the means are equal". */
  readonly pValue: number;
}

/**
 * Two-sided Welch (unequal variances) two-sample t-test of `x` against `y`, by @stdlib. Undefined
 * when either sample has fewer than 2 values, or when both have zero variance (the statistic is
 * then undefined).
 */
export function welchTest(x: readonly number[], y: readonly number[]): WelchResult | undefined {
  if (x.length < 2 || y.length < 2) return undefined;
  const r = ttest2([...x], [...y], { variance: 'unequal', alternative: 'two-sided' });
  if (!Number.isFinite(r.pValue) || !Number.isFinite(r.df)) return undefined;
  return { diff: r.xmean - r.ymean, statistic: r.statistic, df: r.df, pValue: r.pValue };
}
