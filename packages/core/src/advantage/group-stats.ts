// Plain-array (float64) statistics shared by the advantage estimators. Each sums left to right
// from 0, so estimators that switch to these keep their results bit for bit.

/**
 * Arithmetic mean of `values`, summed left to right; 0 for an empty list (so a group with no
 * members contributes no baseline).
 */
export function meanOf(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/**
 * Unbiased (sample) standard deviation `sqrt(Σ (x - mean)^2 / (n - 1))`, as verl's GRPO and
 * `torch.std`; 0 for fewer than two values.
 *
 * @param values the sample.
 * @param mean its mean, when already computed (default `meanOf(values)`).
 */
export function unbiasedStd(values: readonly number[], mean = meanOf(values)): number {
  if (values.length < 2) return 0;
  return Math.sqrt(values.reduce((a, x) => a + (x - mean) ** 2, 0) / (values.length - 1));
}

/**
 * Population standard deviation `sqrt(Σ (x - mean)^2 / n)` (whitening, e.g. REINFORCE++); 0 for
 * an empty list.
 *
 * @param values the values.
 * @param mean their mean, when already computed (default `meanOf(values)`).
 */
export function populationStd(values: readonly number[], mean = meanOf(values)): number {
  if (!values.length) return 0;
  return Math.sqrt(values.reduce((a, x) => a + (x - mean) ** 2, 0) / values.length);
}
