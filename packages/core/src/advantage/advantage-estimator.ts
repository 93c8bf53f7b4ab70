/**
 * Extra inputs an estimator can ask for. The trainer computes exactly what is requested:
 * - `oldSeqLogProbs`: per-rollout sum and mean of old-policy completion log-probs (masked);
 * - `oldLogProbs`: per-token old-policy log-probs;
 * - `refLogProbs`: per-token reference-policy log-probs (frozen initial policy).
 */
export type EstimatorRequirement = 'oldSeqLogProbs' | 'oldLogProbs' | 'refLogProbs';

/**
 * Flat view of a batch for advantage estimation. Index i runs over rollouts in batch order;
 * per-token arrays have each rollout's completion length.
 */
export interface AdvantageInput {
  /**
   * Total (weighted) reward per rollout; with the KL in the reward (`objective.kl.placement:
   * reward`) minus the rollout's summed per-token penalty `Σ_t beta * KL_t`.
   */
  readonly rewards: readonly number[];
  /** Present iff the KL is in the reward: the rewards before the penalty. */
  readonly outcomeRewards?: readonly number[];
  /** Present iff the KL is in the reward: `beta * KL_t` per rollout and token (0 where masked). */
  readonly klPenalty?: readonly (readonly number[])[];
  /** Dense group index per rollout, 0..numGroups-1. */
  readonly groupIndex: readonly number[];
  readonly numGroups: number;
  /** Dense sub-group index per rollout (within the whole batch), for per-kind normalisation. */
  readonly subGroupIndex: readonly number[];
  /** Completion length per rollout, counting trained tokens only (sum of the loss mask). */
  readonly lengths: readonly number[];
  /** Loss mask per rollout and token. */
  readonly masks: readonly (readonly number[])[];
  /** Present iff requested: sum over trained tokens of old log-probs. */
  readonly oldSeqLogProbSum?: readonly number[];
  /** Present iff requested: mean over trained tokens of old log-probs. */
  readonly oldSeqLogProbMean?: readonly number[];
  readonly oldLogProbs?: readonly (readonly number[])[];
  readonly refLogProbs?: readonly (readonly number[])[];
}

/**
 * Advantages. Exactly one of `perSequence` (broadcast to every trained token) or `perToken` is
 * set. `metrics` are logged as `advantage/<name>`.
 */
export interface AdvantageOutput {
  readonly perSequence?: readonly number[];
  readonly perToken?: readonly (readonly number[])[];
  readonly metrics?: Readonly<Record<string, number>>;
}

/** Turns rewards (and whatever it `requires`) into advantages. Pure: no state across steps. */
export interface AdvantageEstimator {
  readonly id: string;
  readonly requires: readonly EstimatorRequirement[];
  /**
   * True when advantages compare the samples of a group with each other (GRPO, RLOO, ...), so a
   * group of one sample always gets advantage 0. The trainer then refuses `trainer.groupSize: 1`.
   */
  readonly groupRelative?: boolean;
  estimate(input: AdvantageInput): AdvantageOutput;
}
