import { z } from '@trellis/core';

/** How pair weights are formed from the old policy's preference (see README). */
export const weightModes = ['attenuate', 'confidence'] as const;
export type WeightMode = (typeof weightModes)[number];

/** Optional rescaling of the pairwise advantages. */
export const normalizations = ['none', 'group-std', 'batch-std'] as const;
export type Normalization = (typeof normalizations)[number];

/** Which old-policy sequence score `s_i` compares two responses. */
export const sequenceScoreModes = ['mean', 'sum'] as const;
export type SequenceScore = (typeof sequenceScoreModes)[number];

/** Options of the `lambdapo` advantage estimator (config `advantage.options`). */
export const lambdaPoOptions = z
  .object({
    /**
     * Temperature of the pair weight `sigma(-sign(r_i - r_j)(s_i - s_j) / tau)`, in the units of
     * `s` (nats per token for `mean`, nats for `sum`). Large tau -> every weight 1/2.
     */
    tau: z.number().positive().default(0.1),
    /**
     * `mean`: `s_i` = old-policy log-prob of the completion divided by its trained length
     * (length-normalised, default); `sum`: the unnormalised sum.
     */
    sequenceScore: z.enum(sequenceScoreModes).default('mean'),
    /**
     * `attenuate`: `w_ij = sigma(-sign(dr) ds / tau)`, small when the old policy already prefers
     * the better response (default); `confidence`: `sigma(+sign(dr) ds / tau)`, for ablation.
     */
    weightMode: z.enum(weightModes).default('attenuate'),
    /**
     * `none`: raw pairwise advantages; `group-std`: divide by the group's unbiased std of A;
     * `batch-std`: divide by the unbiased std of A over every rollout of the batch.
     */
    normalize: z.enum(normalizations).default('none'),
    /** Added to the variance of A under the square root: `A / sqrt(var + eps)` (only with `group-std` / `batch-std`). */
    eps: z.number().nonnegative().default(1e-6),
    /**
     * `tensor`: TensorFlow.js ops on the active backend, float32 (default); `reference`: the
     * plain-array float64 implementation (no backend needed).
     */
    compute: z.enum(['tensor', 'reference']).default('tensor'),
  })
  .strict();

export type LambdaPoOptions = z.output<typeof lambdaPoOptions>;

/** The numeric parameters shared by the tensor and reference implementations. */
export interface LambdaPoParams {
  /** Pair-weight temperature (> 0; `Infinity` gives every weight 1/2). */
  readonly tau: number;
  readonly weightMode: WeightMode;
  readonly normalize: Normalization;
  /** Variance offset of the normalisations (`A / sqrt(var + eps)`). */
  readonly eps: number;
}
