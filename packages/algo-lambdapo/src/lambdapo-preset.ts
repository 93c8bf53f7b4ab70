import type { ConfigPatch } from '@trellis/core';

/**
 * Preset of the `lambdapo` advantage entry, merged under the user's config (user values win;
 * `rewards` merge by `use`): the core clipped objective, math accuracy (weight 1) and the
 * `rouge-l` density reward (weight 0.1). Turn a part off from the config alone: list
 * `{ use: rouge-l, weight: 0 }` (it is still scored and logged, but adds nothing), or choose
 * another `objective.use`.
 */
export const lambdaPoPreset: ConfigPatch = {
  objective: { use: 'clip' },
  rewards: [
    { use: 'math-accuracy', weight: 1 },
    { use: 'rouge-l', weight: 0.1 },
  ],
};
