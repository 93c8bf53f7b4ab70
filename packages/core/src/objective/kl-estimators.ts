import { clipByValue, exp, mul, neg, square, sub, type Tensor2D, tidy } from '@tensorflow/tfjs-core';

/**
 * Per-token estimators of `KL(pi_theta || pi_ref)` from tokens sampled by (approximately)
 * `pi_theta`, with `x = log pi_ref - log pi_theta` (Schulman, "Approximating KL divergence"):
 * - `k1 = -x`: unbiased, high variance, can be negative;
 * - `k2 = x^2 / 2`: biased, low variance, non-negative;
 * - `k3 = exp(x) - x - 1`: unbiased, low variance, non-negative.
 */
export const KL_ESTIMATORS = ['k1', 'k2', 'k3'] as const;

export type KlEstimator = (typeof KL_ESTIMATORS)[number];

/** Bound on `|x|` applied before `exp` when a clamp is requested (as verl's `low_var_kl`). */
export const KL_LOG_RATIO_BOUND = 20;

/**
 * Per-token KL estimate, `[B, T]` (nats). Differentiable in `logProbs`.
 *
 * @param logProbs `[B, T]` log pi_theta of the sampled tokens.
 * @param refLogProbs `[B, T]` log pi_ref of the same tokens.
 * @param clamp When set (e.g. 10, verl's `low_var_kl`), `x` is first bounded to ±`KL_LOG_RATIO_BOUND`
 *   and the estimate is then clamped to `[-clamp, clamp]` (gradient 0 where a bound is active).
 */
export function klPerToken(logProbs: Tensor2D, refLogProbs: Tensor2D, estimator: KlEstimator, clamp?: number): Tensor2D {
  return tidy(() => {
    let x: Tensor2D = sub(refLogProbs, logProbs);
    if (clamp !== undefined) x = clipByValue(x, -KL_LOG_RATIO_BOUND, KL_LOG_RATIO_BOUND);
    let k: Tensor2D;
    if (estimator === 'k1') k = neg(x);
    else if (estimator === 'k2') k = mul(square(x), 0.5);
    else k = sub(sub(exp(x), x), 1);
    return clamp === undefined ? k : clipByValue(k, -clamp, clamp);
  });
}
