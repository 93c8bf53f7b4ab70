import { type CatalogEntry, CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };
import { LANPO_PRESET, LanpoEstimator, lanpoAdvantageOptions } from './advantage/lanpo-estimator';
import { lanpoOptions } from './rollout/lanpo-options';
import { LanpoRolloutStrategy } from './rollout/lanpo-rollout-strategy';

export type { AbstractionOptions } from './abstraction/abstraction-options';
export { abstractionOptions } from './abstraction/abstraction-options';
export { normalizeQuestion, questionSimilarity } from './abstraction/question-similarity';
export type { AbstractionCounts } from './abstraction/relevant-abstraction';
export { RelevantAbstraction } from './abstraction/relevant-abstraction';
export type { LanpoAdvantageOptions, Normalization } from './advantage/lanpo-advantages';
export { lanpoAdvantages } from './advantage/lanpo-advantages';
export { LANPO_PRESET, LanpoEstimator, lanpoAdvantageOptions } from './advantage/lanpo-estimator';
export type { AwarePrompt } from './context/feedback-aware-prompt';
export { abstractionPrompt, reflectionPrompt } from './context/feedback-aware-prompt';
export type { AugmentedEvaluation, AugmentedEvaluationInput, AugmentMode } from './eval/augmented-evaluation';
export { augmentedEvaluation, augmentModes } from './eval/augmented-evaluation';
export { LanpoEvaluator } from './eval/lanpo-evaluator';
export type { GlobalEntry, PoolOptions, PoolState, PoolStats, ScoredAttempt } from './pool/experience-pool';
export { ExperiencePool, poolOptions, poolStateSchema } from './pool/experience-pool';
export type { LanpoOptions } from './rollout/lanpo-options';
export { lanpoOptions, problemOptions } from './rollout/lanpo-options';
export { LanpoRolloutStrategy } from './rollout/lanpo-rollout-strategy';
export type { LanpoState } from './rollout/lanpo-state';
export { lanpoStateSchema } from './rollout/lanpo-state';
export type { Availability, GroupPlan, MixingOptions } from './rollout/plan-group';
export { planGroup } from './rollout/plan-group';
export { ProblemSchedule } from './rollout/problem-schedule';

/** Every catalog entry of this plugin. */
export const lanpoCatalog: readonly CatalogEntry[] = [
  {
    slot: 'rollout',
    id: 'lanpo',
    description:
      'LANPO mixed groups: from-scratch samples plus reward-agnostic reflection and relevant abstraction from an experience pool.',
    optionsSchema: lanpoOptions,
    service: LanpoRolloutStrategy,
  },
  {
    slot: 'advantage',
    id: 'lanpo',
    description: 'Group-normalised advantage, jointly over the group (default) or per context kind; preset: GRPO clip objective.',
    optionsSchema: lanpoAdvantageOptions,
    service: LanpoEstimator,
    preset: LANPO_PRESET,
  },
];

/** Plugin manifest of @trellis/algo-lanpo. Registers nothing until `createModule` is called. */
export default definePlugin({
  id: 'algo-lanpo',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: { rollout: ['lanpo'], advantage: ['lanpo'] },
  createModule: () => catalogModule(lanpoCatalog),
});
