import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { LossWithMetrics } from '../policy/policy';
import type { Rollout, RolloutPair } from '../records/rollout';

/** Inputs to an extra loss term for one minibatch (rows align with `rollouts`). */
export interface LossTermInput {
  readonly rollouts: readonly Rollout[];
  /** `[B, T]` current log-probs (differentiable). */
  readonly logProbs: Tensor2D;
  /**
   * `[B, T]` loss mask: every row's trained tokens (prefilled spans excluded), pair-only rows
   * (`Rollout.policyGradient: false`) included; the objective's own mask leaves those rows out.
   */
  readonly mask: Tensor2D;
  /** `[B, T]` reference log-probs, present iff required. */
  readonly refLogProbs?: Tensor2D;
  /**
   * The batch's pairs as row indices. The trainer never splits a pair across minibatches, so every
   * pair of the batch whose rollouts were kept appears in exactly one minibatch per epoch.
   */
  readonly pairs: readonly { readonly chosen: number; readonly rejected: number; readonly pair: RolloutPair }[];
  /** `[B]` index helper: row numbers 0..B-1 (int32). */
  readonly rows: Tensor1D;
}

/**
 * An additional loss added to the objective (already weighted by the term itself), e.g. a
 * pairwise contrastive term over `pairs`. Returns a zero loss when it has nothing to do.
 */
export interface LossTerm {
  readonly id: string;
  readonly requires: readonly 'refLogProbs'[];
  compute(input: LossTermInput): LossWithMetrics;
}
