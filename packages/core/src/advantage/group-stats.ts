// Plain-array (float64) statistics shared by the advantage estimators. Each sums left to right
// from 0, so estimators that switch to these keep their results bit for bit.

/**
 * Arithmetic mean of `values`, summed left to right; 0 for an empty list (so a group with no
 * members contributes no baseline).
 */
export function meanOf(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** `Σ (x - mean)^2`, summed left to right. */
function sumOfSquares(values: readonly number[], mean: number): number {
  return values.reduce((a, x) => a + (x - mean) ** 2, 0);
}

/**
 * Unbiased (sample) standard deviation `sqrt(Σ (x - mean)^2 / (n - 1) + varianceEpsilon)`, as
 * verl's GRPO and `torch.std`; the variance counts as 0 for fewer than two values.
 *
 * `varianceEpsilon` (default 0) is added to the variance under the square root, the convention of
 * verl's and OpenRLHF's whitening (`(x - mean) * rsqrt(var + eps)`): dividing by the result keeps a
 * near-constant sample (spread far below `sqrt(varianceEpsilon)`) near 0 instead of blowing its
 * rounding noise up to unit size, as `std + eps` does.
 *
 * @param values the sample.
 * @param mean its mean, when already computed (default `meanOf(values)`).
 * @param varianceEpsilon added to the variance before the square root (units of `values` squared).
 */
export function unbiasedStd(values: readonly number[], mean = meanOf(values), varianceEpsilon = 0): number {
  const variance = values.length < 2 ? 0 : sumOfSquares(values, mean) / (values.length - 1);
  return Math.sqrt(variance + varianceEpsilon);
}

/**
 * Population standard deviation `sqrt(Σ (x - mean)^2 / n + varianceEpsilon)` (whitening, e.g.
 * REINFORCE++); the variance counts as 0 for an empty list. `varianceEpsilon` as in
 * {@link unbiasedStd}.
 *
 * @param values the values.
 * @param mean their mean, when already computed (default `meanOf(values)`).
 * @param varianceEpsilon added to the variance before the square root (units of `values` squared).
 */
export function populationStd(values: readonly number[], mean = meanOf(values), varianceEpsilon = 0): number {
  const variance = values.length ? sumOfSquares(values, mean) / values.length : 0;
  return Math.sqrt(variance + varianceEpsilon);
}
