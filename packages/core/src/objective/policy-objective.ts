import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { LossWithMetrics } from '../policy/policy';
import type { RewardKlSettings } from './reward-kl';

/**
 * Tensors for one minibatch, all `[B, T]` (T = longest completion). Positions with `mask` 0 must
 * not contribute. `advantages` are already broadcast to tokens.
 */
export interface ObjectiveInput {
  /** Current policy log-probs (differentiable). */
  readonly logProbs: Tensor2D;
  /** Old (behaviour) policy log-probs, constant. */
  readonly oldLogProbs: Tensor2D;
  /** Reference policy log-probs, constant; present iff the objective requires `refLogProbs`. */
  readonly refLogProbs?: Tensor2D;
  readonly advantages: Tensor2D;
  /** Loss mask: 1 = trained token. */
  readonly mask: Tensor2D;
  /** Per-token entropy (nats), when the trainer computed it. */
  readonly entropy?: Tensor2D;
}

/** The main policy-gradient loss (e.g. the clipped surrogate). */
export interface PolicyObjective {
  readonly id: string;
  /** `refLogProbs` when a KL-to-reference term is active. */
  readonly requires: readonly 'refLogProbs'[];
  /**
   * Set when the KL to the reference belongs in the rewards instead of the loss: before the
   * estimator runs, the trainer folds `beta * KL_t` (old vs reference) into every rollout's reward
   * (`shapeRewardsWithKl`), for any estimator.
   */
  readonly rewardKl?: RewardKlSettings;
  /** Scalar loss to minimise plus scalar metrics (`clip_frac`, `approx_kl`, ...). */
  compute(input: ObjectiveInput): LossWithMetrics;
}
