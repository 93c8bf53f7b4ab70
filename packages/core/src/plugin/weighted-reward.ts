import type { Reward } from '../reward/reward';

/** A reward as configured: its instance, the name its scores are logged under, and its weight. */
export interface WeightedReward {
  /** Config `name`, defaulting to the reward's `use` id. Unique within a run. */
  readonly name: string;
  readonly weight: number;
  /** Per-call timeout in ms (config `timeoutMs`). */
  readonly timeoutMs: number;
  readonly reward: Reward;
}
