import { cast, div, greater, maximum, mul, type Scalar, sum, type Tensor2D, tidy } from '@tensorflow/tfjs-core';

/**
 * How per-token values `l_it` (rows i = sequences, columns t = tokens) become one scalar. Only
 * trained tokens (mask 1) count; `T_i` is row i's trained-token count and `N` the number of rows
 * with at least one trained token (all-masked rows are ignored, not averaged in as zeros).
 *
 * - `token-mean`: `Σ_i Σ_t l_it / Σ_i T_i` (DAPO, MulFeRL).
 * - `seq-mean-token-mean`: `1/N Σ_i (1/T_i Σ_t l_it)` (original GRPO, GSPO).
 * - `seq-mean-token-sum`: `1/N Σ_i Σ_t l_it` (REINFORCE-style sequence log-likelihood).
 * - `seq-mean-token-sum-norm`: `Σ_i Σ_t l_it / (N * T_max)` with a constant `T_max` (Dr. GRPO).
 */
export const AGGREGATION_MODES = ['token-mean', 'seq-mean-token-mean', 'seq-mean-token-sum', 'seq-mean-token-sum-norm'] as const;

export type AggregationMode = (typeof AGGREGATION_MODES)[number];

/**
 * Aggregate `[B, T]` per-token values into a scalar under `mode` (see `AGGREGATION_MODES`).
 * Masked tokens contribute nothing; an all-masked batch gives 0.
 *
 * @param values `[B, T]` per-token values (e.g. losses).
 * @param mask `[B, T]` 1 = trained token, 0 = ignored.
 * @param maxLength `T_max` in tokens for `seq-mean-token-sum-norm`; defaults to `T` (the padded width).
 */
export function aggregateTokens(values: Tensor2D, mask: Tensor2D, mode: AggregationMode, maxLength?: number): Scalar {
  return tidy(() => {
    const total = sum(mul(values, mask));
    if (mode === 'token-mean') return div(total, maximum(sum(mask), 1)) as Scalar;
    const rowCount = sum(mask, 1);
    const n = maximum(sum(cast(greater(rowCount, 0), 'float32')), 1);
    if (mode === 'seq-mean-token-mean') return div(sum(div(sum(mul(values, mask), 1), maximum(rowCount, 1))), n) as Scalar;
    if (mode === 'seq-mean-token-sum') return div(total, n) as Scalar;
    const tMax = Math.max(maxLength ?? values.shape[1], 1);
    return div(total, mul(n, tMax)) as Scalar;
  });
}

/** Plain mean over trained tokens, `[B, T]` -> scalar (0 when nothing is trained). */
export function maskedMean(values: Tensor2D, mask: Tensor2D): Scalar {
  return tidy(() => div(sum(mul(values, mask)), maximum(sum(mask), 1)) as Scalar);
}
