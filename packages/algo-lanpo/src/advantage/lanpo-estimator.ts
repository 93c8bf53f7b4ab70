import {
  type AdvantageEstimator,
  type AdvantageInput,
  type AdvantageOutput,
  type ConfigPatch,
  inject,
  injectable,
  Tokens,
  z,
} from '@trellis/core';
import { type LanpoAdvantageOptions, lanpoAdvantages } from './lanpo-advantages';

/** Options of the `lanpo` advantage (`advantage: { use: lanpo, options }`). */
export const lanpoAdvantageOptions = z
  .object({
    /** `joint`: normalise over the whole group (default); `per-kind`: within each context kind of the group. */
    normalization: z.enum(['joint', 'per-kind']).default('joint'),
    /** Divide by the unbiased reward std of the normalisation set (false: mean-centring only). */
    normalizeStd: z.boolean().default(true),
    /** Added to the variance under the square root (reward units squared). */
    epsilon: z.number().positive().default(1e-6),
  })
  .strict();

/**
 * The objective LANPO trains with when `advantage.use: lanpo` (merged under the user's config):
 * GRPO's clipped surrogate, symmetric clip 0.2, per-sequence token mean, k3 KL 0.001 in the loss.
 */
export const LANPO_PRESET: ConfigPatch = {
  objective: {
    use: 'clip',
    options: {
      ratio: 'token',
      epsLow: 0.2,
      epsHigh: 0.2,
      aggregation: 'seq-mean-token-mean',
      kl: { estimator: 'k3', coef: 0.001, placement: 'loss', clamp: 10 },
    },
  },
};

/**
 * LANPO's group-normalised advantage with the normalisation set as an option: the whole group
 * (`joint`, identical to GRPO) or each context kind within it (`per-kind`, using the rollouts'
 * sub-groups, which the `lanpo` strategy sets to the context kind). Broadcast to every trained token.
 */
@injectable()
export class LanpoEstimator implements AdvantageEstimator {
  readonly id = 'lanpo';
  readonly requires = [] as const;
  readonly groupRelative = true;
  readonly options: LanpoAdvantageOptions;

  constructor(@inject(Tokens.ChoiceOptions) options: unknown) {
    this.options = lanpoAdvantageOptions.parse(options ?? {});
  }

  estimate(input: AdvantageInput): AdvantageOutput {
    return { perSequence: lanpoAdvantages(input.rewards, input.groupIndex, input.subGroupIndex, this.options) };
  }
}
