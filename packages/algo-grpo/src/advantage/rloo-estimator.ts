import { type AdvantageEstimator, type AdvantageInput, type AdvantageOutput, injectable, z } from '@trellis/core';
import { degenerateGroupFraction } from './degenerate-group-fraction';
import { rlooAdvantages } from './rloo-advantages';

/** `rloo` takes no options. */
export const rlooOptions = z.object({}).strict();

/** RLOO (arXiv 2402.14740): leave-one-out baseline `A_i = r_i - mean_{j != i} r_j`, per sequence. */
@injectable()
export class RlooEstimator implements AdvantageEstimator {
  readonly id = 'rloo';
  readonly requires = [] as const;
  /** Leave-one-out baselines need a group: the trainer refuses `groupSize: 1`. */
  readonly groupRelative = true;

  /** `[N]` rewards and group ids -> `[N]` per-sequence advantages. */
  estimate(input: AdvantageInput): AdvantageOutput {
    return {
      perSequence: rlooAdvantages(input.rewards, input.groupIndex),
      metrics: { degenerate_group_frac: degenerateGroupFraction(input.rewards, input.groupIndex) },
    };
  }
}
