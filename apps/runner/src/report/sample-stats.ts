import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** Mean, sample standard deviation and a Student t interval for the mean of a sample. */
export interface SampleStats {
  readonly n: number;
  readonly mean: number | null;
  /** Sample standard deviation (n - 1 in the denominator); null when n < 2. */
  readonly std: number | null;
  /** `mean -/+ t(1 - (1 - level) / 2, n - 1) * std / sqrt(n)`; null when n < 2. */
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
}

/**
 * Describe a sample of independent values (one per seed): n, mean, sample std and the two-sided
 * `level` (default 95%) t interval for the mean. Values must be finite.
 */
export function sampleStats(values: readonly number[], level = 0.95): SampleStats {
  const n = values.length;
  if (n === 0) return { n, mean: null, std: null, ciLow: null, ciHigh: null };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { n, mean, std: null, ciLow: null, ciHigh: null };
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (std / Math.sqrt(n));
  return { n, mean, std, ciLow: mean - half, ciHigh: mean + half };
}
