import { z } from '@trellis/core';
import { groupNormEstimatorClass } from './group-norm-estimator';
import { grpoOptions } from './grpo-estimator';

/** Options of `dr-grpo`: as `grpo`, but without std normalisation by default. */
export const drGrpoOptions = grpoOptions.extend({
  /** Divide by the group std (off for Dr. GRPO; turning it on gives plain GRPO advantages). */
  normalizeStd: z.boolean().default(false),
});

/** Dr. GRPO (arXiv 2503.20783): `A_i = r_i - mean r` (no std division). */
export const DrGrpoEstimator = groupNormEstimatorClass('dr-grpo', drGrpoOptions, 'DrGrpoEstimator');
export type DrGrpoEstimator = InstanceType<typeof DrGrpoEstimator>;

/** DAPO (arXiv 2503.14476): GRPO advantages; the recipe lives in the catalog preset. */
export const DapoEstimator = groupNormEstimatorClass('dapo', grpoOptions, 'DapoEstimator');
export type DapoEstimator = InstanceType<typeof DapoEstimator>;

/** GSPO (arXiv 2507.18071): GRPO advantages; the sequence ratio lives in the catalog preset. */
export const GspoEstimator = groupNormEstimatorClass('gspo', grpoOptions, 'GspoEstimator');
export type GspoEstimator = InstanceType<typeof GspoEstimator>;
