import 'reflect-metadata';

export { z } from 'zod';
export { inject, injectable, ContainerModule, Container } from 'inversify';
export type { ServiceIdentifier, Newable } from 'inversify';

export { Tokens } from './tokens';
export type { TokenName } from './tokens';

export type { Problem, Split } from './records/problem';
export type { GenerationRequest, GenerationResult, SamplingParams, FinishReason } from './records/generation';
export type { Rollout, RolloutGroup, RolloutBatch, RolloutPair, ContextKind } from './records/rollout';
export { batchRollouts } from './records/rollout';
export type { Feedback, FeedbackKind, FeedbackRequest, ProblemView, Attempt } from './records/feedback';
export { problemView } from './records/feedback';

export type { Policy, TokenBatch, LogProbOutput, LossWithMetrics } from './policy/policy';
export type { Tokenizer } from './tokenizer/tokenizer';
export type { Reward, RewardInput, RewardOutput } from './reward/reward';
export type {
  AdvantageEstimator,
  AdvantageInput,
  AdvantageOutput,
  EstimatorRequirement,
} from './advantage/advantage-estimator';
export type { FeedbackProvider } from './feedback/feedback-provider';
export type { RolloutStrategy, RolloutContext, CollectedRollouts } from './rollout/rollout-strategy';
export type { PolicyObjective, ObjectiveInput } from './objective/policy-objective';
export type { LossTerm, LossTermInput } from './objective/loss-term';
export type { TaskSource } from './task/task-source';
export type { TrainerContribution, StepContext, StepMetrics, RunInfo } from './trainer/trainer-contribution';
export type { MetricsSink, MetricsRecord } from './metrics/metrics-sink';

export { Rng } from './rng/rng';
export type { RngState } from './rng/rng';

export { ConfigError, PluginError, listOf } from './errors/trellis-error';

export { CORE_API_VERSION, definePlugin, isPluginManifest } from './plugin/define-plugin';
export type { PluginManifest } from './plugin/define-plugin';
export { catalogModule } from './plugin/catalog';
export type { CatalogEntry, ConfigPatch, Initializable } from './plugin/catalog';
export { getContributions } from './plugin/contributions';
export type { WeightedReward } from './plugin/weighted-reward';
export { SINGLE_SLOTS, MULTI_SLOTS, ALL_SLOTS, SLOT_CONFIG_KEYS, isSlotName } from './plugin/slots';
export type { SlotName, SingleSlot, MultiSlot } from './plugin/slots';
export { loadPlugin } from './plugin/load-plugin';
export type { LoadedPlugin, PluginLoader, LoadPluginOptions } from './plugin/load-plugin';
export { loadPlugins } from './plugin/load-plugins';
export type { LoadPluginsOptions } from './plugin/load-plugins';
export { Catalog, buildCatalog } from './plugin/build-catalog';
export type { CatalogItem } from './plugin/build-catalog';
export { bindSlots, SLOT_TOKENS } from './plugin/bind-slots';
export { composeContainer, toRawConfig } from './plugin/compose-container';
export type { ComposedExperiment } from './plugin/compose-container';
export { mergeUnder } from './plugin/merge-preset';

export {
  experimentSchema,
  choiceSchema,
  rewardChoiceSchema,
  pluginSpecSchema,
} from './config/experiment-config';
export type { ExperimentConfig, ResolvedConfig, Choice, RewardChoice, PluginSpec } from './config/experiment-config';
export { trainerSchema, samplingSchema } from './config/trainer-config';
export type { TrainerConfig, SamplingConfig } from './config/trainer-config';
export { loadConfigFile, parseConfigText } from './config/load-config';
export type { RawConfig } from './config/load-config';
export { parseOverride, applyOverrides } from './config/overrides';
export type { Override } from './config/overrides';
export { resolveConfig } from './config/resolve-config';
export { formatIssues, formatPath, allowedKeysAt } from './config/format-issues';

export * from './objective/index';
export * from './trainer/index';
export * from './checkpoint/index';
