import { type AdvantageEstimator, type AdvantageInput, type AdvantageOutput, inject, injectable, Tokens, z } from '@trellis/core';
import { degenerateGroupFraction } from './degenerate-group-fraction';
import { type GrpoAdvantageOptions, grpoAdvantages } from './grpo-advantages';

/** Options of `grpo` (and of `dapo` / `gspo`, which use the same estimator). */
export const grpoOptions = z
  .object({
    /** Divide by the group's unbiased reward std; `false` gives Dr. GRPO's mean-centring. */
    normalizeStd: z.boolean().default(true),
    /** Added to the std before dividing (reward units). */
    epsilon: z.number().positive().default(1e-6),
  })
  .strict();

export type GrpoOptions = z.output<typeof grpoOptions>;

/**
 * Shared body of the group-normalised estimators: per-sequence `grpoAdvantages`, plus the
 * `degenerate_group_frac` metric (groups with equal rewards or one member: zero advantage).
 */
export abstract class GroupNormEstimator implements AdvantageEstimator {
  abstract readonly id: string;
  readonly requires = [] as const;

  protected constructor(readonly options: GrpoAdvantageOptions) {}

  /** `[N]` rewards and group ids -> `[N]` per-sequence advantages. */
  estimate(input: AdvantageInput): AdvantageOutput {
    return {
      perSequence: grpoAdvantages(input.rewards, input.groupIndex, this.options),
      metrics: { degenerate_group_frac: degenerateGroupFraction(input.rewards, input.groupIndex) },
    };
  }
}

/**
 * GRPO (DeepSeekMath, arXiv 2402.03300): `A_i = (r_i - mean r) / (std r + epsilon)` within the
 * group, broadcast to every trained token.
 */
@injectable()
export class GrpoEstimator extends GroupNormEstimator {
  readonly id = 'grpo';

  constructor(@inject(Tokens.ChoiceOptions) options: z.input<typeof grpoOptions>) {
    super(grpoOptions.parse(options ?? {}));
  }
}
