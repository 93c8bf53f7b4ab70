import type { Problem } from '../records/problem';
import type { Rollout } from '../records/rollout';

/** What a reward sees: the problem (gold answer included) and the finished rollout. */
export interface RewardInput {
  readonly problem: Problem;
  readonly rollout: Readonly<Rollout>;
}

/**
 * A reward's verdict. `score` is unweighted (weights live in the config). `components` are extra
 * named numbers logged as `reward/<name>/<component>` (e.g. `precision`, `recall`).
 */
export interface RewardOutput {
  readonly score: number;
  readonly components?: Readonly<Record<string, number>>;
  /**
   * The answer this reward extracted, in a canonical form (for majority voting, maj@k). Rewards
   * that do not extract answers leave it undefined.
   */
  readonly answer?: string;
}

/**
 * Scores one rollout. May be sync or async. The trainer calls it with a timeout; a throw, a
 * timeout or a non-finite score counts as a failure, scores 0 for that rollout and is reported.
 */
export interface Reward {
  /** Catalog id, e.g. `math-accuracy`. */
  readonly id: string;
  score(input: RewardInput): RewardOutput | Promise<RewardOutput>;
}
