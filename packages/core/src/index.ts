import 'reflect-metadata';

export type { Newable, ServiceIdentifier } from 'inversify';
export { Container, ContainerModule, inject, injectable, multiInject, optional } from 'inversify';
export { z } from 'zod';
export type {
  AdvantageEstimator,
  AdvantageInput,
  AdvantageOutput,
  EstimatorRequirement,
} from './advantage/advantage-estimator';
export { type DenseIndex, denseIndex } from './advantage/dense-index';
export { type GroupLayout, groupLayout } from './advantage/group-layout';
export { groupMembers } from './advantage/group-members';
export { meanOf, populationStd, unbiasedStd } from './advantage/group-stats';
export { corePlugin } from './builtin/core-plugin';
export * from './checkpoint/index';
export type {
  Choice,
  ExperimentConfig,
  FeedbackChoice,
  PluginSpec,
  ResolvedConfig,
  RewardChoice,
} from './config/experiment-config';
export {
  choiceSchema,
  experimentSchema,
  feedbackChoiceSchema,
  pluginSpecSchema,
  rewardChoiceSchema,
} from './config/experiment-config';
export { allowedKeysAt, formatIssues, formatPath } from './config/format-issues';
export type { RawConfig } from './config/load-config';
export { loadConfigFile, parseConfigText } from './config/load-config';
export type { Override } from './config/overrides';
export { applyOverrides, parseOverride } from './config/overrides';
export type { PretrainConfig } from './config/pretrain-config';
export { pretrainSchema } from './config/pretrain-config';
export { type ResolveConfigOptions, resolveConfig } from './config/resolve-config';
export type { FeedbackDefaults, SamplingConfig, TrainerConfig } from './config/trainer-config';
export { feedbackDefaultsSchema, samplingSchema, trainerSchema } from './config/trainer-config';
export {
  type ContextParts,
  type ContextTemplates,
  contextPrompt,
  contextTemplatesSchema,
  DEFAULT_CONTEXT_TEMPLATES,
  feedbackBlock,
  turnPrompt,
} from './context/context-prompt';
export { ConfigError, listOf, PluginError } from './errors/trellis-error';
export type { EvaluationInput, EvaluationReport, Evaluator, EvaluatorSource } from './eval/evaluator';
export { isEvaluatorSource } from './eval/evaluator';
export { evaluatorOf, PlainEvaluator } from './eval/plain-evaluator';
export type { ConfiguredFeedback, FeedbackCallSettings, LeakPolicy } from './feedback/configured-feedback';
export { FeedbackAudit, type FeedbackAuditOptions, feedbackAuditOptions } from './feedback/feedback-audit';
export { FeedbackError, type FeedbackFailureReason } from './feedback/feedback-error';
export type { FeedbackProvider, ProvideOptions } from './feedback/feedback-provider';
export type {
  FeedbackCallOptions,
  FeedbackClient,
  FeedbackFailure,
  FeedbackResult,
  FeedbackSuccess,
} from './feedback/feedback-result';
export { FeedbackService } from './feedback/feedback-service';
export { type LeakGuard, type LeakScan, REDACTED } from './feedback/leak-guard';
export { LiteralLeakGuard } from './feedback/literal-leak-guard';
export { parseRelevance } from './feedback/parse-relevance';
export { PolicyFeedback, type PolicyFeedbackOptions, policyFeedbackOptions } from './feedback/policy-feedback';
export { DEFAULT_POLICY_TEMPLATES } from './feedback/policy-feedback-templates';
export { renderTemplate, TEMPLATE_VARIABLES, type TemplateVariable, unknownPlaceholders } from './feedback/render-template';
export { feedbackKindsSchema, feedbackTemplatesSchema, promptTemplateSchema } from './feedback/template-options';
export { type LayoutSettings, templateValues } from './feedback/template-values';
export { JsonlMetricsSink, jsonlSinkOptions } from './metrics/jsonl-metrics-sink';
export type { MetricTarget } from './metrics/metric-target';
export type { MetricsRecord, MetricsSink } from './metrics/metrics-sink';
export * from './objective/index';
export type { LossTerm, LossTermInput } from './objective/loss-term';
export type { ObjectiveInput, PolicyObjective } from './objective/policy-objective';
export { bindSlots, SLOT_TOKENS } from './plugin/bind-slots';
export type { CatalogItem } from './plugin/build-catalog';
export { buildCatalog, Catalog } from './plugin/build-catalog';
export type { CatalogEntry, ConfigPatch, Initializable, ResolveOptionsContext } from './plugin/catalog';
export { catalogModule } from './plugin/catalog';
export type { ComposedExperiment } from './plugin/compose-container';
export { composeContainer, toRawConfig } from './plugin/compose-container';
export { getContributions } from './plugin/contributions';
export type { PluginManifest } from './plugin/define-plugin';
export { CORE_API_VERSION, definePlugin, isPluginManifest } from './plugin/define-plugin';
export type { LoadedPlugin, LoadPluginOptions, PluginLoader } from './plugin/load-plugin';
export { loadPlugin } from './plugin/load-plugin';
export type { LoadPluginsOptions } from './plugin/load-plugins';
export { loadPlugins } from './plugin/load-plugins';
export { mergeUnder } from './plugin/merge-preset';
export type { MultiSlot, SingleSlot, SlotName } from './plugin/slots';
export { ALL_SLOTS, isSlotName, MULTI_SLOTS, SINGLE_SLOTS, SLOT_CONFIG_KEYS } from './plugin/slots';
export type { WeightedReward } from './plugin/weighted-reward';
export { GenerateBatcher, type GenerateBatcherOptions } from './policy/generate-batcher';
export type { LogProbOutput, LossWithMetrics, Policy, TokenBatch } from './policy/policy';
export type { EncodedExample, PretrainStep } from './pretrain/supervised-pretrain';
export { encodeSupervised, pretrainBatch, supervisedPretrain } from './pretrain/supervised-pretrain';
export type {
  Attempt,
  Feedback,
  FeedbackGuardData,
  FeedbackKind,
  FeedbackRequest,
  FeedbackRequestParts,
  ProblemView,
  Reference,
} from './records/feedback';
export { FEEDBACK_KINDS, feedbackRequest, problemView } from './records/feedback';
export type { FinishReason, GenerationRequest, GenerationResult, SamplingParams } from './records/generation';
export type { Problem, Split } from './records/problem';
export type { ContextKind, Rollout, RolloutBatch, RolloutGroup, RolloutPair } from './records/rollout';
export { batchRollouts } from './records/rollout';
export type { Reward, RewardInput, RewardOutput } from './reward/reward';
export type { RngState } from './rng/rng';
export { Rng } from './rng/rng';
export { GroupRolloutStrategy } from './rollout/group-rollout-strategy';
export type { RolloutPlacement } from './rollout/rollout-from-result';
export { rolloutFromResult } from './rollout/rollout-from-result';
export type { CollectedRollouts, RolloutContext, RolloutStrategy } from './rollout/rollout-strategy';
export type { SupervisedExample, TaskSource } from './task/task-source';
export type { Tokenizer } from './tokenizer/tokenizer';
export type { TokenName } from './tokens';
export { Tokens } from './tokens';
export * from './trainer/index';
export type { RunInfo, StepContext, StepMetrics, TrainerContribution } from './trainer/trainer-contribution';
