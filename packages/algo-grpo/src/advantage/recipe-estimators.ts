import { inject, injectable, Tokens, z } from '@trellis/core';
import { GroupNormEstimator, grpoOptions } from './grpo-estimator';

/** Options of `dr-grpo`: as `grpo`, but without std normalisation by default. */
export const drGrpoOptions = grpoOptions.extend({
  /** Divide by the group std (off for Dr. GRPO; turning it on gives plain GRPO advantages). */
  normalizeStd: z.boolean().default(false),
});

/** Dr. GRPO (arXiv 2503.20783): `A_i = r_i - mean r` (no std division). */
@injectable()
export class DrGrpoEstimator extends GroupNormEstimator {
  readonly id = 'dr-grpo';

  constructor(@inject(Tokens.ChoiceOptions) options: z.input<typeof drGrpoOptions>) {
    super(drGrpoOptions.parse(options ?? {}));
  }
}

/** DAPO (arXiv 2503.14476): GRPO advantages; the recipe lives in the catalog preset. */
@injectable()
export class DapoEstimator extends GroupNormEstimator {
  readonly id = 'dapo';

  constructor(@inject(Tokens.ChoiceOptions) options: z.input<typeof grpoOptions>) {
    super(grpoOptions.parse(options ?? {}));
  }
}

/** GSPO (arXiv 2507.18071): GRPO advantages; the sequence ratio lives in the catalog preset. */
@injectable()
export class GspoEstimator extends GroupNormEstimator {
  readonly id = 'gspo';

  constructor(@inject(Tokens.ChoiceOptions) options: z.input<typeof grpoOptions>) {
    super(grpoOptions.parse(options ?? {}));
  }
}
