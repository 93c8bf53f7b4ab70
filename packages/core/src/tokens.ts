import type { ServiceIdentifier } from 'inversify';
import type { AdvantageEstimator } from './advantage/advantage-estimator';
import type { ResolvedConfig } from './config/experiment-config';
import type { ConfiguredFeedback } from './feedback/configured-feedback';
import type { FeedbackProvider } from './feedback/feedback-provider';
import type { FeedbackService } from './feedback/feedback-service';
import type { LeakGuard } from './feedback/leak-guard';
import type { MetricsSink } from './metrics/metrics-sink';
import type { LossTerm } from './objective/loss-term';
import type { PolicyObjective } from './objective/policy-objective';
import type { CatalogEntry } from './plugin/catalog';
import type { WeightedReward } from './plugin/weighted-reward';
import type { Policy } from './policy/policy';
import type { Reward } from './reward/reward';
import type { Rng } from './rng/rng';
import type { RolloutStrategy } from './rollout/rollout-strategy';
import type { TaskSource } from './task/task-source';
import type { Tokenizer } from './tokenizer/tokenizer';
import type { TrainerContribution } from './trainer/trainer-contribution';

function token<T>(name: string): ServiceIdentifier<T> {
  return Symbol.for(`@trellis/core:${name}`);
}

/**
 * Every injection token of the framework. Tokens are global symbols (`Symbol.for`), so two copies
 * of core in one process still agree.
 */
export const Tokens = {
  Policy: token<Policy>('Policy'),
  Tokenizer: token<Tokenizer>('Tokenizer'),
  Reward: token<Reward>('Reward'),
  /** Rewards with their config weights and names, in config order. */
  WeightedReward: token<WeightedReward>('WeightedReward'),
  AdvantageEstimator: token<AdvantageEstimator>('AdvantageEstimator'),
  FeedbackProvider: token<FeedbackProvider>('FeedbackProvider'),
  /** Feedback providers with their config names and call settings, in config order. */
  ConfiguredFeedback: token<ConfiguredFeedback>('ConfiguredFeedback'),
  /** The guarded feedback service every feedback call goes through (one per run). */
  FeedbackService: token<FeedbackService>('FeedbackService'),
  LeakGuard: token<LeakGuard>('LeakGuard'),
  RolloutStrategy: token<RolloutStrategy>('RolloutStrategy'),
  PolicyObjective: token<PolicyObjective>('PolicyObjective'),
  LossTerm: token<LossTerm>('LossTerm'),
  TaskSource: token<TaskSource>('TaskSource'),
  TrainerContribution: token<TrainerContribution>('TrainerContribution'),
  MetricsSink: token<MetricsSink>('MetricsSink'),
  /** Multi-bound by plugin modules: what each plugin offers per slot. */
  CatalogEntry: token<CatalogEntry>('CatalogEntry'),
  /** Inside a choice's construction: that choice's validated options (defaults filled). */
  ChoiceOptions: token<Record<string, unknown>>('ChoiceOptions'),
  /** The resolved experiment config. */
  Config: token<ResolvedConfig>('Config'),
  /** The run's root RNG; split it per purpose, never draw from it directly. */
  Rng: token<Rng>('Rng'),
} as const;

export type TokenName = keyof typeof Tokens;
