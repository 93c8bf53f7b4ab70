import {
  type AdvantageEstimator,
  type AdvantageInput,
  type AdvantageOutput,
  type EstimatorRequirement,
  inject,
  injectable,
  Tokens,
  z,
} from '@trellis/core';
import { reinforcePpAdvantages } from './reinforce-pp-advantages';

/**
 * Options of `reinforce-pp` and `reinforce-pp-baseline`. The KL penalty is not an estimator
 * option: it is `objective.options.kl` with `placement: reward` (the preset sets k1, beta 0.01),
 * folded into the token rewards by the trainer for any estimator.
 */
export const reinforcePpOptions = z
  .object({
    /** Removed: the one KL coefficient is `objective.options.kl.coef` (with `kl.placement: reward`). */
    klCoef: z
      .unknown()
      .optional()
      .refine((v) => v === undefined, {
        message: 'klCoef moved: set objective.options.kl.coef (the preset puts the KL in the reward: kl.placement: reward)',
      }),
    /** Added to the global token variance under the square root when whitening (return units squared). */
    epsilon: z.number().positive().default(1e-8),
  })
  .strict();

export type ReinforcePpEstimatorOptions = z.output<typeof reinforcePpOptions>;

abstract class ReinforcePpBase implements AdvantageEstimator {
  abstract readonly id: string;
  readonly requires: readonly EstimatorRequirement[] = [];
  /** The baseline variant compares a group's samples (a group of one gets outcome 0). */
  readonly groupRelative: boolean;
  readonly options: ReinforcePpEstimatorOptions;

  protected constructor(
    options: z.input<typeof reinforcePpOptions>,
    private readonly baseline: boolean,
  ) {
    this.options = reinforcePpOptions.parse(options ?? {});
    this.groupRelative = baseline;
  }

  /**
   * Outcome rewards, masks and (with the KL in the reward) the per-token penalties -> `[N][T_i]`
   * per-token advantages.
   */
  estimate(input: AdvantageInput): AdvantageOutput {
    const { advantages, metrics } = reinforcePpAdvantages(
      {
        rewards: input.outcomeRewards ?? input.rewards,
        groupIndex: input.groupIndex,
        masks: input.masks,
        ...(input.klPenalty ? { tokenPenalty: input.klPenalty } : {}),
      },
      { epsilon: this.options.epsilon, baseline: this.baseline },
    );
    return { perToken: advantages, metrics };
  }
}

/**
 * REINFORCE++ (arXiv 2501.03262): k1 KL folded into token rewards, return = sum of future token
 * rewards (gamma 1), whitened over every trained token of the batch.
 */
@injectable()
export class ReinforcePpEstimator extends ReinforcePpBase {
  readonly id = 'reinforce-pp';

  constructor(@inject(Tokens.ChoiceOptions) options: z.input<typeof reinforcePpOptions>) {
    super(options, false);
  }
}

/** REINFORCE++-baseline: subtract the group mean of outcome rewards, then as REINFORCE++. */
@injectable()
export class ReinforcePpBaselineEstimator extends ReinforcePpBase {
  readonly id = 'reinforce-pp-baseline';

  constructor(@inject(Tokens.ChoiceOptions) options: z.input<typeof reinforcePpOptions>) {
    super(options, true);
  }
}
