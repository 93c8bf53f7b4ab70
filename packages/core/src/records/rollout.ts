import type { FinishReason } from './generation';
import type { Problem } from './problem';

/**
 * What extra context was put in the prompt that produced a rollout. `none` is a from-scratch
 * sample; `reflection`/`abstraction` are LANPO contexts; `feedback` is multi-turn verbal feedback.
 */
export type ContextKind = 'none' | 'reflection' | 'abstraction' | 'feedback';

/**
 * One sampled completion with everything the update needs. Arrays indexed by completion token
 * have length `completionIds.length`.
 */
export interface Rollout {
  /** Unique within a batch. */
  readonly id: string;
  readonly problemId: string;
  /** Group for advantage normalisation (usually one group per problem per turn). */
  readonly groupId: string;
  /**
   * Sub-group inside the group (e.g. the context kind, for per-kind normalisation). Defaults to
   * the empty string.
   */
  readonly subGroup: string;
  /** 0 for the first attempt; k for the k-th regeneration turn (multi-turn). */
  readonly turn: number;
  readonly contextKind: ContextKind;
  /** The injected context text, if any (for logs; it is already inside the prompt). */
  readonly context?: string;
  /** Exact prompt token ids that produced the sample (context included). */
  readonly promptIds: readonly number[];
  /** Completion token ids: the `prefillLength` forced prefill tokens first, then the sampled ones. */
  readonly completionIds: readonly number[];
  /**
   * The text the policy generated: the decoded completion without the prefill. This is what
   * rewards, critiques and logs grade; rewards also see only the generated tokens (the scorer hands
   * them `generatedView(rollout)`).
   */
  readonly completionText: string;
  /**
   * Text the completion was forced to start with (e.g. a prefilled `<feedback>` block); it stays
   * in the conditioning context of the sampled tokens and out of the loss and the rewards.
   */
  readonly prefill?: string;
  /** Leading completion tokens that came from `prefill` (0 or absent: none). */
  readonly prefillLength?: number;
  /** 1 = token is trained on, 0 = excluded (prefilled spans, padding). */
  readonly lossMask: readonly number[];
  /**
   * `false`: the rollout carries no policy-gradient weight. It is left out of advantage
   * estimation and out of the objective's mask, and feeds only loss terms through `pairs` (e.g.
   * the failed base answer that is the rejected side of a contrastive pair); in no pair, it is not
   * trained at all. Absent or `true`: an ordinary policy-gradient rollout. Mutable, like the reward:
   * a strategy that branches on success sets it once the rollout is scored.
   */
  policyGradient?: boolean;
  /** Behaviour-policy log-probs per completion token (natural log, at `temperature`). */
  readonly behaviourLogProbs: readonly number[];
  /**
   * Temperature the rollout was sampled at (1 for greedy). The trainer scores its old, reference
   * and new log-probs at this temperature, so ratios stay right when a strategy samples at a
   * temperature other than `trainer.sampling.temperature`.
   */
  readonly temperature: number;
  readonly finishReason: FinishReason;
  /** Prompt tokens the policy cut from the left to fit its context (see `GenerationResult.promptTruncated`). */
  readonly promptTruncated?: number;
  /** Per-reward scores before weighting, keyed by reward name; filled by the scoring phase. */
  rewardComponents: Record<string, number>;
  /** Weighted total reward; filled by the scoring phase. */
  reward: number;
  /** Extra sub-scores reported by rewards for logging (e.g. `rouge-l.precision`). */
  metrics?: Record<string, number>;
}

/** Rollouts sampled for one problem (one group id). */
export interface RolloutGroup {
  readonly id: string;
  readonly problem: Problem;
  readonly rollouts: Rollout[];
}

/**
 * An ordered pair of rollouts for pairwise loss terms (e.g. multi-turn's contrastive term):
 * `chosen` should gain likelihood relative to `rejected`. Ids refer to rollouts in the batch.
 */
export interface RolloutPair {
  readonly chosen: string;
  readonly rejected: string;
  /** Which loss term the pair is for (e.g. `fco`). */
  readonly kind: string;
}

/** Everything sampled and scored for one training step. */
export interface RolloutBatch {
  readonly step: number;
  groups: RolloutGroup[];
  /** Pairs for pairwise loss terms; empty when none. */
  pairs: RolloutPair[];
}

/** Flatten a batch's groups into one rollout list, in group order. */
export function batchRollouts(batch: RolloutBatch): Rollout[] {
  return batch.groups.flatMap((g) => g.rollouts);
}
