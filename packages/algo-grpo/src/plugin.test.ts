import {
  ClipObjective,
  CORE_API_VERSION,
  catalogModule,
  clipObjectiveOptions,
  composeContainer,
  definePlugin,
  getContributions,
  type PolicyObjective,
  Tokens,
} from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { GrpoEstimator } from './advantage/grpo-estimator';
import { DapoEstimator, DrGrpoEstimator, GspoEstimator } from './advantage/recipe-estimators';
import { ReinforcePpBaselineEstimator, ReinforcePpEstimator } from './advantage/reinforce-pp-estimator';
import { RlooEstimator } from './advantage/rloo-estimator';
import { DynamicSampling } from './contribution/dynamic-sampling';
import grpoPlugin, { grpoCatalog } from './index';
import { OverlongReward } from './reward/overlong-reward';

const clipPlugin = definePlugin({
  id: 'test-clip',
  packageName: 'test-clip',
  version: '0.0.0',
  coreApi: CORE_API_VERSION,
  provides: { objective: ['clip'] },
  createModule: () =>
    catalogModule([
      { slot: 'objective', id: 'clip', description: 'test', optionsSchema: clipObjectiveOptions, service: ClipObjective },
    ]),
});

const compose = (config: Record<string, unknown>) =>
  composeContainer(config, { manifests: [grpoPlugin, clipPlugin], loadBuiltins: false });

describe('algo-grpo plugin', () => {
  it('declares exactly what it binds', () => {
    const declared = Object.entries(grpoPlugin.provides).flatMap(([slot, ids]) => (ids ?? []).map((id) => `${slot}:${id}`));
    expect(grpoCatalog.map((e) => `${e.slot}:${e.id}`).sort()).toEqual(declared.sort());
  });

  it('advantage: dapo resolves the whole DAPO recipe', async () => {
    const { config, container } = await compose({
      advantage: { use: 'dapo' },
      rewards: [{ use: 'overlong', weight: 0.5, options: { cacheLength: 8 } }],
      trainer: { sampling: { maxNewTokens: 40 } },
    });
    expect(config.objective?.use).toBe('clip');
    expect(config.objective?.options).toMatchObject({
      ratio: 'token',
      epsLow: 0.2,
      epsHigh: 0.28,
      aggregation: 'token-mean',
      kl: { estimator: 'none' },
    });
    expect(config.contributions).toEqual([
      { use: 'dynamic-sampling', options: { maxRounds: 3, oversample: 1, tolerance: 1e-9 } },
    ]);
    expect(config.rewards).toEqual([{ use: 'overlong', weight: 0.5, options: { cacheLength: 8 } }]);
    expect(await container.getAsync(Tokens.AdvantageEstimator)).toBeInstanceOf(DapoEstimator);
    const objective = (await container.getAsync(Tokens.PolicyObjective)) as PolicyObjective;
    expect(objective).toBeInstanceOf(ClipObjective);
    expect(objective.requires).toEqual([]);
    const [contribution] = await getContributions(container, Tokens.TrainerContribution);
    expect(contribution).toBeInstanceOf(DynamicSampling);
    const [reward] = await getContributions(container, Tokens.Reward);
    expect(reward).toBeInstanceOf(OverlongReward);
    expect([(reward as OverlongReward).maxLength, (reward as OverlongReward).cacheLength]).toEqual([40, 8]);
  });

  it('the preset does not duplicate a reward the user lists, and user objective options win', async () => {
    const { config } = await compose({
      advantage: { use: 'dapo' },
      rewards: [{ use: 'overlong', name: 'len', weight: 1 }],
      objective: { use: 'clip', options: { epsHigh: 0.3 } },
    });
    expect(config.objective?.options).toMatchObject({ epsLow: 0.2, epsHigh: 0.3, aggregation: 'token-mean' });
    expect(config.rewards.map((r) => r.use)).toEqual(['overlong']);
  });

  it('swapping advantage.use alone swaps the estimator class and the objective recipe', async () => {
    const cases = [
      [
        'grpo',
        GrpoEstimator,
        { aggregation: 'seq-mean-token-mean', kl: { estimator: 'k3', coef: 0.001, placement: 'loss', clamp: 10 } },
      ],
      ['dr-grpo', DrGrpoEstimator, { aggregation: 'seq-mean-token-sum-norm', kl: { estimator: 'none' } }],
      ['dapo', DapoEstimator, { epsHigh: 0.28, aggregation: 'token-mean' }],
      ['gspo', GspoEstimator, { ratio: 'sequence', epsLow: 3e-4, epsHigh: 4e-4, aggregation: 'seq-mean-token-mean' }],
      ['rloo', RlooEstimator, { aggregation: 'seq-mean-token-sum' }],
      ['reinforce-pp', ReinforcePpEstimator, { aggregation: 'token-mean', kl: { estimator: 'none' } }],
      ['reinforce-pp-baseline', ReinforcePpBaselineEstimator, { aggregation: 'token-mean' }],
    ] as const;
    for (const [use, cls, objectiveOptions] of cases) {
      const { config, container } = await compose({ advantage: { use }, trainer: { sampling: { maxNewTokens: 48 } } });
      const estimator = await container.getAsync(Tokens.AdvantageEstimator);
      expect(estimator, use).toBeInstanceOf(cls);
      expect(estimator.id).toBe(use);
      expect(config.objective?.options, use).toMatchObject(objectiveOptions);
      expect(config.contributions.length, use).toBe(use === 'dapo' ? 1 : 0);
    }
    const grpo = await compose({ advantage: { use: 'grpo' } });
    expect(((await grpo.container.getAsync(Tokens.PolicyObjective)) as PolicyObjective).requires).toEqual(['refLogProbs']);
    const dr = await compose({ advantage: { use: 'dr-grpo' }, trainer: { sampling: { maxNewTokens: 48 } } });
    expect(((await dr.container.getAsync(Tokens.PolicyObjective)) as ClipObjective).lossOptions.maxLength).toBe(48);
    expect(((await dr.container.getAsync(Tokens.AdvantageEstimator)) as DrGrpoEstimator).options.normalizeStd).toBe(false);
  });

  it('reports unknown ids with the available list', async () => {
    await expect(compose({ advantage: { use: 'ppo' } })).rejects.toThrow(/unknown advantage 'ppo'; available: .*grpo/);
  });
});
