import * as tf from '@tensorflow/tfjs';
import {
  type AdvantageEstimator,
  type AdvantageOutput,
  CORE_API_VERSION,
  ConfigError,
  catalogModule,
  composeContainer,
  definePlugin,
  getContributions,
  injectable,
  type LossWithMetrics,
  type PolicyObjective,
  type RewardOutput,
  Tokens,
  type WeightedReward,
  z,
} from '@trellis/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LambdaPoEstimator } from './advantage/lambdapo-estimator';
import plugin from './index';
import { RougeLReward } from './rouge/rouge-l-reward';

// Stand-ins with the real ids of pieces other packages provide (core `clip`, rewards-math
// `math-accuracy`, algo-grpo `grpo`), so the preset can be tested on its own.
@injectable()
class StubClip implements PolicyObjective {
  readonly id = 'clip';
  readonly requires = [] as const;
  compute(): LossWithMetrics {
    throw new Error('stub');
  }
}
@injectable()
class StubAccuracy {
  readonly id = 'math-accuracy';
  score(): RewardOutput {
    return { score: 1 };
  }
}
@injectable()
class StubGrpo implements AdvantageEstimator {
  readonly id = 'grpo';
  readonly requires = [] as const;
  estimate(): AdvantageOutput {
    return { perSequence: [] };
  }
}

const stubs = definePlugin({
  id: 'test-stubs',
  packageName: '@test/stubs',
  version: '0.0.0',
  coreApi: CORE_API_VERSION,
  provides: { objective: ['clip'], reward: ['math-accuracy'], advantage: ['grpo'] },
  createModule: () =>
    catalogModule([
      {
        slot: 'objective',
        id: 'clip',
        description: 'stub',
        optionsSchema: z.object({ epsLow: z.number().default(0.2), epsHigh: z.number().default(0.2) }).strict(),
        service: StubClip,
      },
      { slot: 'reward', id: 'math-accuracy', description: 'stub', service: StubAccuracy },
      { slot: 'advantage', id: 'grpo', description: 'stub', service: StubGrpo },
    ]),
});

const compose = (config: Record<string, unknown>) =>
  composeContainer(config, { manifests: [plugin, stubs], loadBuiltins: false });
const rewardsOf = (config: { rewards: { use: string; weight: number }[] }) => config.rewards.map((r) => [r.use, r.weight]);

describe('algo-lambdapo plugin', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it('declares what its module binds', () => {
    expect(plugin.provides).toEqual({ advantage: ['lambdapo'], reward: ['rouge-l'] });
  });

  it('advantage lambdapo brings the preset: clip objective, math-accuracy 1, rouge-l 0.1', async () => {
    const { config, container } = await compose({ advantage: { use: 'lambdapo' } });
    expect(config.objective).toEqual({ use: 'clip', options: { epsLow: 0.2, epsHigh: 0.2 } });
    expect(rewardsOf(config)).toEqual([
      ['math-accuracy', 1],
      ['rouge-l', 0.1],
    ]);
    expect(config.advantage?.options).toMatchObject({ tau: 0.1, weightMode: 'attenuate', normalize: 'none' });
    expect(await container.getAsync(Tokens.AdvantageEstimator)).toBeInstanceOf(LambdaPoEstimator);
    const weighted = await getContributions<WeightedReward>(container, Tokens.WeightedReward);
    const rouge = weighted.find((w) => w.name === 'rouge-l');
    expect(rouge?.weight).toBe(0.1);
    expect(rouge?.reward).toBeInstanceOf(RougeLReward);
  });

  it('user values win: objective and estimator options, rouge-l options', async () => {
    const { config, container } = await compose({
      advantage: { use: 'lambdapo', options: { tau: 1e9 } },
      objective: { use: 'clip', options: { epsHigh: 0.28 } },
      rewards: [{ use: 'rouge-l', weight: 0.3, options: { beta: 2 } }],
    });
    expect(config.objective?.options).toEqual({ epsLow: 0.2, epsHigh: 0.28 });
    expect(rewardsOf(config)).toEqual([
      ['rouge-l', 0.3],
      ['math-accuracy', 1],
    ]);
    expect(config.rewards[0]?.options).toMatchObject({ beta: 2, maxCompletionTokens: 4096 });
    const est = await container.getAsync(Tokens.AdvantageEstimator);
    const out = est.estimate({
      rewards: [1, 0],
      groupIndex: [0, 0],
      numGroups: 1,
      subGroupIndex: [0, 0],
      lengths: [1, 1],
      masks: [[1], [1]],
      oldSeqLogProbMean: [-0.1, -3],
      oldSeqLogProbSum: [-0.1, -3],
    });
    out.perSequence?.forEach((a, i) => expect(a).toBeCloseTo([0.5, -0.5][i] as number, 5));
  });

  it('ablation "LambdaPO without rouge-l": weight 0 from the config alone', async () => {
    const { config, container } = await compose({ advantage: { use: 'lambdapo' }, rewards: [{ use: 'rouge-l', weight: 0 }] });
    expect(rewardsOf(config)).toEqual([
      ['rouge-l', 0],
      ['math-accuracy', 1],
    ]);
    expect(config.objective?.use).toBe('clip');
    const weighted = await getContributions<WeightedReward>(container, Tokens.WeightedReward);
    expect(weighted.filter((w) => w.weight !== 0).map((w) => w.name)).toEqual(['math-accuracy']);
  });

  it('ablation "GRPO + rouge-l": no LambdaPO preset, rouge-l as listed', async () => {
    const { config, container } = await compose({
      advantage: { use: 'grpo' },
      objective: { use: 'clip' },
      rewards: [{ use: 'math-accuracy' }, { use: 'rouge-l', weight: 0.1 }],
    });
    expect(rewardsOf(config)).toEqual([
      ['math-accuracy', 1],
      ['rouge-l', 0.1],
    ]);
    expect(await container.getAsync(Tokens.AdvantageEstimator)).toBeInstanceOf(StubGrpo);
  });

  it('ablation "GRPO without rouge-l": the preset does not leak into other estimators', async () => {
    const { config } = await compose({ advantage: { use: 'grpo' }, rewards: [{ use: 'math-accuracy' }] });
    expect(rewardsOf(config)).toEqual([['math-accuracy', 1]]);
    expect(config.objective).toBeUndefined();
  });

  it('rejects invalid options with a config error', async () => {
    await expect(compose({ advantage: { use: 'lambdapo', options: { weightMode: 'rank' } } })).rejects.toThrow(ConfigError);
    await expect(
      compose({ advantage: { use: 'lambdapo' }, rewards: [{ use: 'rouge-l', options: { answerPattern: '[' } }] }),
    ).rejects.toThrow(/answerPattern/);
  });
});
