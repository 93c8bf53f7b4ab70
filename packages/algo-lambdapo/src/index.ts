import { CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };
import { LambdaPoEstimator } from './advantage/lambdapo-estimator';
import { lambdaPoOptions } from './advantage/lambdapo-options';
import { lambdaPoPreset } from './lambdapo-preset';
import { rougeLOptions } from './rouge/rouge-l-options';
import { RougeLReward } from './rouge/rouge-l-reward';

/** Moved to `@trellis/core`; re-exported so existing imports keep working. */
export { type GroupLayout, groupLayout } from '@trellis/core';
export { LambdaPoEstimator } from './advantage/lambdapo-estimator';
export type { LambdaPoOptions, LambdaPoParams, Normalization, SequenceScore, WeightMode } from './advantage/lambdapo-options';
export { lambdaPoOptions, normalizations, sequenceScoreModes, weightModes } from './advantage/lambdapo-options';
export type { LambdaPoPaddedOutput } from './advantage/lambdapo-padded';
export { lambdaPoPadded } from './advantage/lambdapo-padded';
export { lambdaPoReference } from './advantage/lambdapo-reference';
export type { LambdaPoResult } from './advantage/lambdapo-result';
export { lambdaPoTensor } from './advantage/lambdapo-tensor';
export { sequenceScores } from './advantage/sequence-scores';
export { lambdaPoPreset } from './lambdapo-preset';
export { lcsLength } from './rouge/lcs-length';
export { lcsLengthDp } from './rouge/lcs-length-dp';
export type { TokenizedText } from './rouge/math-word-tokens';
export { mathWordTokens } from './rouge/math-word-tokens';
export { reasoningPart } from './rouge/reasoning-part';
export type { RougeLOptions, TextPart } from './rouge/rouge-l-options';
export { rougeLOptions, textParts } from './rouge/rouge-l-options';
export { RougeLReward } from './rouge/rouge-l-reward';
export type { RougeLScore } from './rouge/rouge-l-score';
export { rougeL } from './rouge/rouge-l-score';

/** Plugin manifest: advantage `lambdapo` (carries the LambdaPO preset) and reward `rouge-l`. */
export default definePlugin({
  id: 'algo-lambdapo',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: { advantage: ['lambdapo'], reward: ['rouge-l'] },
  createModule: () =>
    catalogModule([
      {
        slot: 'advantage',
        id: 'lambdapo',
        description: 'LambdaPO (experimental): pairwise reward differences weighted by the old policy disagreement.',
        optionsSchema: lambdaPoOptions,
        service: LambdaPoEstimator,
        preset: lambdaPoPreset,
      },
      {
        slot: 'reward',
        id: 'rouge-l',
        description: 'ROUGE-L F-beta between the reasoning and the reference solution (0 without one).',
        optionsSchema: rougeLOptions,
        service: RougeLReward,
      },
    ]),
});
