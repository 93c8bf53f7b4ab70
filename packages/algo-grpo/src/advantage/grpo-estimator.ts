import { z } from '@trellis/core';
import { groupNormEstimatorClass } from './group-norm-estimator';

/** Options of `grpo` (and of `dapo` / `gspo`, which use the same estimator). */
export const grpoOptions = z
  .object({
    /** Divide by the group's unbiased reward std; `false` gives Dr. GRPO's mean-centring. */
    normalizeStd: z.boolean().default(true),
    /** Added to the group variance under the square root (reward units squared): `sqrt(var + epsilon)`. */
    epsilon: z.number().positive().default(1e-6),
  })
  .strict();

export type GrpoOptions = z.output<typeof grpoOptions>;

/**
 * GRPO (DeepSeekMath, arXiv 2402.03300): `A_i = (r_i - mean r) / sqrt(var r + epsilon)` within the
 * group, broadcast to every trained token.
 */
export const GrpoEstimator = groupNormEstimatorClass('grpo', grpoOptions, 'GrpoEstimator');
export type GrpoEstimator = InstanceType<typeof GrpoEstimator>;
