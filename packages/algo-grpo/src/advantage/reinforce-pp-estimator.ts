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

/** Options of `reinforce-pp` and `reinforce-pp-baseline`. */
export const reinforcePpOptions = z
  .object({
    /** beta: each trained token's reward gains `-beta * (log pi_old - log pi_ref)` (k1). 0 = no KL. */
    klCoef: z.number().min(0).default(0.01),
    /** Added to the global token std when whitening (return units). */
    epsilon: z.number().positive().default(1e-8),
  })
  .strict();

export type ReinforcePpEstimatorOptions = z.output<typeof reinforcePpOptions>;

abstract class ReinforcePpBase implements AdvantageEstimator {
  abstract readonly id: string;
  readonly requires: readonly EstimatorRequirement[];
  readonly options: ReinforcePpEstimatorOptions;

  protected constructor(
    options: z.input<typeof reinforcePpOptions>,
    private readonly baseline: boolean,
  ) {
    this.options = reinforcePpOptions.parse(options ?? {});
    this.requires = this.options.klCoef > 0 ? ['oldLogProbs', 'refLogProbs'] : [];
  }

  /** Rewards, masks and (when `klCoef > 0`) old/ref token log-probs -> `[N][T_i]` per-token advantages. */
  estimate(input: AdvantageInput): AdvantageOutput {
    const { advantages, metrics } = reinforcePpAdvantages(
      {
        rewards: input.rewards,
        groupIndex: input.groupIndex,
        masks: input.masks,
        ...(input.oldLogProbs ? { oldLogProbs: input.oldLogProbs } : {}),
        ...(input.refLogProbs ? { refLogProbs: input.refLogProbs } : {}),
      },
      { klCoef: this.options.klCoef, epsilon: this.options.epsilon, baseline: this.baseline },
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
