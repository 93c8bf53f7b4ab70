import { type CatalogEntry, CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };
import { GrpoEstimator, grpoOptions } from './advantage/grpo-estimator';
import { DapoEstimator, DrGrpoEstimator, drGrpoOptions, GspoEstimator } from './advantage/recipe-estimators';
import { ReinforcePpBaselineEstimator, ReinforcePpEstimator, reinforcePpOptions } from './advantage/reinforce-pp-estimator';
import { RlooEstimator, rlooOptions } from './advantage/rloo-estimator';
import { DynamicSampling, dynamicSamplingOptions } from './contribution/dynamic-sampling';
import { GRPO_PRESETS } from './grpo-presets';
import { OverlongReward, overlongOptions } from './reward/overlong-reward';

export { degenerateGroupFraction } from './advantage/degenerate-group-fraction';
export type { GroupNormEstimatorClass } from './advantage/group-norm-estimator';
export { GroupNormEstimator, groupNormEstimatorClass } from './advantage/group-norm-estimator';
export { groupLookup, groupOneHot, groupSum } from './advantage/group-ops';
export type { GrpoAdvantageOptions } from './advantage/grpo-advantages';
export { grpoAdvantages } from './advantage/grpo-advantages';
export { grpoAdvantagesTensor } from './advantage/grpo-advantages-tensor';
export type { GrpoOptions } from './advantage/grpo-estimator';
export { GrpoEstimator, grpoOptions } from './advantage/grpo-estimator';
export { DapoEstimator, DrGrpoEstimator, drGrpoOptions, GspoEstimator } from './advantage/recipe-estimators';
export type { ReinforcePpInput, ReinforcePpOptions, ReinforcePpResult } from './advantage/reinforce-pp-advantages';
export { reinforcePpAdvantages } from './advantage/reinforce-pp-advantages';
export type { ReinforcePpTensorInput } from './advantage/reinforce-pp-advantages-tensor';
export { reinforcePpAdvantagesTensor } from './advantage/reinforce-pp-advantages-tensor';
export type { ReinforcePpEstimatorOptions } from './advantage/reinforce-pp-estimator';
export { ReinforcePpBaselineEstimator, ReinforcePpEstimator, reinforcePpOptions } from './advantage/reinforce-pp-estimator';
export { rlooAdvantages } from './advantage/rloo-advantages';
export { rlooAdvantagesTensor } from './advantage/rloo-advantages-tensor';
export { RlooEstimator, rlooOptions } from './advantage/rloo-estimator';
export type { DynamicSamplingJudge, DynamicSamplingOptions } from './contribution/dynamic-sampling';
export {
  DYNAMIC_SAMPLING_METRICS,
  DynamicSampling,
  dynamicSamplingJudges,
  dynamicSamplingOptions,
} from './contribution/dynamic-sampling';
export type { GrpoPresetId } from './grpo-presets';
export { CLIP_OBJECTIVE_ID, GRPO_PRESETS } from './grpo-presets';
export { overlongPenalty } from './reward/overlong-penalty';
export type { OverlongOptions } from './reward/overlong-reward';
export { DEFAULT_CACHE_FRACTION, OverlongReward, overlongOptions } from './reward/overlong-reward';

/** Every catalog entry of this plugin (advantage recipes, the overlong reward, dynamic sampling). */
export const grpoCatalog: readonly CatalogEntry[] = [
  {
    slot: 'advantage',
    id: 'grpo',
    description: 'GRPO: group-normalised advantage (r - mean) / (std + eps); preset: clip 0.2, seq-mean-token-mean, k3 KL 0.001.',
    optionsSchema: grpoOptions,
    service: GrpoEstimator,
    preset: GRPO_PRESETS.grpo,
  },
  {
    slot: 'advantage',
    id: 'dr-grpo',
    description: 'Dr. GRPO: r - mean (no std); preset: seq-mean-token-sum-norm, no KL.',
    optionsSchema: drGrpoOptions,
    service: DrGrpoEstimator,
    preset: GRPO_PRESETS['dr-grpo'],
  },
  {
    slot: 'advantage',
    id: 'dapo',
    description: 'DAPO: GRPO advantage; preset: clip 0.2/0.28, token-mean, no KL, dynamic sampling, overlong reward.',
    optionsSchema: grpoOptions,
    service: DapoEstimator,
    preset: GRPO_PRESETS.dapo,
  },
  {
    slot: 'advantage',
    id: 'gspo',
    description: 'GSPO: GRPO advantage; preset: sequence ratio clipped 3e-4/4e-4, seq-mean-token-mean, no KL.',
    optionsSchema: grpoOptions,
    service: GspoEstimator,
    preset: GRPO_PRESETS.gspo,
  },
  {
    slot: 'advantage',
    id: 'rloo',
    description: 'RLOO: leave-one-out baseline r_i - mean_{j != i} r_j; preset: seq-mean-token-sum, k3 KL 0.001.',
    optionsSchema: rlooOptions,
    service: RlooEstimator,
    preset: GRPO_PRESETS.rloo,
  },
  {
    slot: 'advantage',
    id: 'reinforce-pp',
    description: 'REINFORCE++: k1 KL in token rewards, future-sum returns, global whitening; preset: token-mean, no KL loss.',
    optionsSchema: reinforcePpOptions,
    service: ReinforcePpEstimator,
    preset: GRPO_PRESETS['reinforce-pp'],
  },
  {
    slot: 'advantage',
    id: 'reinforce-pp-baseline',
    description: 'REINFORCE++-baseline: group-mean baseline, then as REINFORCE++ (global whitening).',
    optionsSchema: reinforcePpOptions,
    service: ReinforcePpBaselineEstimator,
    preset: GRPO_PRESETS['reinforce-pp-baseline'],
  },
  {
    slot: 'reward',
    id: 'overlong',
    description: 'DAPO soft overlong punishment: 0, then a linear ramp to -1 over the last L_cache tokens before L_max.',
    optionsSchema: overlongOptions,
    service: OverlongReward,
  },
  {
    slot: 'contribution',
    id: 'dynamic-sampling',
    description:
      'DAPO dynamic sampling: drop groups whose accuracy is 0 or 1 (or, by option, equal rewards) and collect more, bounded rounds.',
    optionsSchema: dynamicSamplingOptions,
    service: DynamicSampling,
  },
];

/** Plugin manifest of @trellis/algo-grpo. Registers nothing until `createModule` is called. */
export default definePlugin({
  id: 'algo-grpo',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: {
    advantage: ['grpo', 'dr-grpo', 'dapo', 'gspo', 'rloo', 'reinforce-pp', 'reinforce-pp-baseline'],
    reward: ['overlong'],
    contribution: ['dynamic-sampling'],
  },
  createModule: () => catalogModule(grpoCatalog),
});
