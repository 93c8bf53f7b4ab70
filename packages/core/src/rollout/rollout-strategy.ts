import type { FeedbackClient } from '../feedback/feedback-result';
import type { Policy } from '../policy/policy';
import type { SamplingParams } from '../records/generation';
import type { Problem } from '../records/problem';
import type { Rollout, RolloutGroup, RolloutPair } from '../records/rollout';
import type { Rng } from '../rng/rng';

/** What the trainer hands a rollout strategy for one step. */
export interface RolloutContext {
  readonly step: number;
  /** Prefix for group and rollout ids, unique per `collect` call within a step. */
  readonly idPrefix: string;
  readonly policy: Policy;
  readonly sampling: SamplingParams;
  /** Samples per problem (G). */
  readonly groupSize: number;
  /** This strategy's own RNG stream (split from the run seed). */
  readonly rng: Rng;
  /**
   * The guarded feedback service over the configured providers (timeouts, retries, cache, leak
   * guard, counters). Calls never reject; check `result.ok`.
   */
  readonly feedback: FeedbackClient;
  /**
   * Score rollouts in place (fills `reward`, `rewardComponents`, `metrics`) with the configured
   * weighted rewards, timeouts and failure accounting. Strategies that branch on success
   * (multi-turn) call it; the trainer scores anything left unscored afterwards.
   */
  score(problem: Problem, rollouts: Rollout[]): Promise<void>;
  /** One observation of `name` for this step's metrics (the record holds the mean). */
  metric(name: string, value: number): void;
  /** Add `by` (default 1) to counter `name` (the record holds the sum), e.g. `rollout/triggered`. */
  count(name: string, by?: number): void;
}

/** Output of a strategy: groups plus optional pairs for pairwise loss terms. */
export interface CollectedRollouts {
  readonly groups: RolloutGroup[];
  readonly pairs?: RolloutPair[];
}

/**
 * Produces the rollouts of one step: plain groups of G samples, experience-augmented groups
 * (LANPO) or failure-triggered regeneration turns (multi-turn). Log-probs stored on a rollout
 * must be taken under the exact prompt that produced it.
 */
export interface RolloutStrategy {
  readonly id: string;
  collect(problems: readonly Problem[], context: RolloutContext): Promise<CollectedRollouts>;
  /** Serialisable state for checkpoints (e.g. an experience pool). */
  state?(): unknown;
  /** Restore what `state()` returned. */
  restore?(state: unknown): void;
}
