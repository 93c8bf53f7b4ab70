import { type AdvantageEstimator, type AdvantageInput, type AdvantageOutput, inject, injectable, Tokens } from '@trellis/core';
import type { LambdaPoOptions } from './lambdapo-options';
import { lambdaPoReference } from './lambdapo-reference';
import { lambdaPoTensor } from './lambdapo-tensor';
import { sequenceScores } from './sequence-scores';

/**
 * `lambdapo`: pairwise, confidence-weighted group advantages (see README). Requires the old
 * policy's per-sequence log-probs; returns one advantage per rollout (`perSequence`) and logs
 * `advantage/pair_weight_mean`, `advantage/policy_agreement` (both over decisive pairs, omitted
 * when there are none) and `advantage/decisive_pairs`.
 */
@injectable()
export class LambdaPoEstimator implements AdvantageEstimator {
  readonly id = 'lambdapo';
  readonly requires = ['oldSeqLogProbs'] as const;
  /** Pairwise advantages within a group: the trainer refuses `groupSize: 1`. */
  readonly groupRelative = true;

  constructor(@inject(Tokens.ChoiceOptions) private readonly options: LambdaPoOptions) {}

  /** `input`: flat batch with `oldSeqLogProbMean`/`oldSeqLogProbSum`; output `[n]` advantages. */
  estimate(input: AdvantageInput): AdvantageOutput {
    const scores = sequenceScores(input, this.options.sequenceScore);
    const run = this.options.compute === 'tensor' ? lambdaPoTensor : lambdaPoReference;
    const result = run(input.rewards, scores, input.groupIndex, input.numGroups, this.options);
    const metrics: Record<string, number> = { decisive_pairs: result.pairs };
    if (result.pairs > 0) {
      metrics.pair_weight_mean = result.meanWeight;
      metrics.policy_agreement = result.agreement;
    }
    return { perSequence: result.advantages, metrics };
  }
}
