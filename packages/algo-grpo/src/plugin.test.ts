import {
  ClipObjective,
  CORE_API_VERSION,
  ConfigError,
  catalogModule,
  clipObjectiveOptions,
  composeContainer,
  definePlugin,
  getContributions,
  injectable,
  type PolicyObjective,
  type Reward,
  type RewardInput,
  type RewardOutput,
  RewardScorer,
  type RolloutGroup,
  type StepContext,
  Tokens,
} from '@trellis/core';
import { makeProblem, makeRollout } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { GrpoEstimator } from './advantage/grpo-estimator';
import { DapoEstimator, DrGrpoEstimator, GspoEstimator } from './advantage/recipe-estimators';
import { ReinforcePpBaselineEstimator, ReinforcePpEstimator } from './advantage/reinforce-pp-estimator';
import { RlooEstimator } from './advantage/rloo-estimator';
import { DynamicSampling } from './contribution/dynamic-sampling';
import grpoPlugin, { grpoCatalog } from './index';
import { OverlongReward } from './reward/overlong-reward';

/** Stand-in for rewards-math's accuracy reward: 1 when the completion says `ok`. */
@injectable()
class SaysOk implements Reward {
  readonly id = 'math-accuracy';
  score({ rollout }: RewardInput): RewardOutput {
    return { score: rollout.completionText.includes('ok') ? 1 : 0 };
  }
}

const clipPlugin = definePlugin({
  id: 'test-clip',
  packageName: 'test-clip',
  version: '0.0.0',
  coreApi: CORE_API_VERSION,
  provides: { objective: ['clip'], reward: ['math-accuracy'] },
  createModule: () =>
    catalogModule([
      { slot: 'objective', id: 'clip', description: 'test', optionsSchema: clipObjectiveOptions, service: ClipObjective },
      { slot: 'reward', id: 'math-accuracy', description: 'test', service: SaysOk },
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
      rewards: [{ use: 'math-accuracy' }, { use: 'overlong', weight: 0.5, options: { cacheLength: 8 } }],
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
      { use: 'dynamic-sampling', options: { judge: 'accuracy', maxRounds: 3, oversample: 1, tolerance: 1e-9 } },
    ]);
    expect(config.rewards).toEqual([
      { use: 'math-accuracy', weight: 1, options: {} },
      { use: 'overlong', weight: 0.5, options: { cacheLength: 8 } },
    ]);
    expect(await container.getAsync(Tokens.AdvantageEstimator)).toBeInstanceOf(DapoEstimator);
    const objective = (await container.getAsync(Tokens.PolicyObjective)) as PolicyObjective;
    expect(objective).toBeInstanceOf(ClipObjective);
    expect(objective.requires).toEqual([]);
    const [contribution] = await getContributions(container, Tokens.TrainerContribution);
    expect(contribution).toBeInstanceOf(DynamicSampling);
    expect((contribution as DynamicSampling).rewardName).toBe('math-accuracy');
    const [, reward] = await getContributions(container, Tokens.Reward);
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
      [
        'reinforce-pp',
        ReinforcePpEstimator,
        { aggregation: 'token-mean', kl: { estimator: 'k1', coef: 0.01, placement: 'reward' } },
      ],
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

describe('DAPO recipe: dynamic sampling', () => {
  /** A DAPO step's filter on scored groups: compose the preset, score with its rewards, filter. */
  async function dapoStep(groups: RolloutGroup[], extra: Record<string, unknown> = {}) {
    const { container } = await compose({
      advantage: { use: 'dapo' },
      rewards: [{ use: 'math-accuracy' }],
      trainer: { sampling: { maxNewTokens: 10 } },
      ...extra,
    });
    const scorer = new RewardScorer(await getContributions(container, Tokens.WeightedReward));
    for (const g of groups) await scorer.score(g.problem, g.rollouts);
    const [sampling] = (await getContributions(container, Tokens.TrainerContribution)) as DynamicSampling[];
    const metrics: Record<string, number> = {};
    const ctx: StepContext = {
      step: 1,
      metric: (name, value) => {
        metrics[name] = value;
      },
      count: () => {},
      collectMore: async () => [],
    };
    const out = await (sampling as DynamicSampling).filterBatch({ step: 1, groups, pairs: [] }, ctx);
    return { kept: out.groups.map((g) => g.id), metrics };
  }

  let serial = 0;
  const groupOf = (...texts: string[]): RolloutGroup => {
    const id = `g${serial++}`;
    return {
      id,
      problem: makeProblem({ id: `p-${id}` }),
      rollouts: texts.map((text, i) => makeRollout(text, { id: `${id}-r${i}`, groupId: id })),
    };
  };

  it('drops an all-correct group whose lengths (and so totals, via overlong) differ', async () => {
    // maxNewTokens 10: L_max 10, L_cache 2, so lengths 8 / 9 / 10 score 0 / -0.5 / -1.
    const allCorrect = groupOf('ok......', 'ok.......', 'ok........');
    const mixed = groupOf('ok', 'no');
    const { kept, metrics } = await dapoStep([allCorrect, mixed]);
    expect(allCorrect.rollouts.map((r) => r.reward)).toEqual([1, 0.5, 0]);
    expect(allCorrect.rollouts.map((r) => r.rewardComponents['math-accuracy'])).toEqual([1, 1, 1]);
    expect(kept).toEqual([mixed.id]);
    expect(metrics['dynamic_sampling/dropped_groups']).toBe(1);
    // The weighted total, now an explicit option, keeps it.
    const byTotal = await dapoStep([groupOf('ok......', 'ok.......')], {
      contributions: [{ use: 'dynamic-sampling', options: { judge: 'total' } }],
    });
    expect(byTotal.kept).toHaveLength(1);
  });

  it('without the accuracy reward it fails with a ConfigError naming the key', async () => {
    const { container } = await compose({ advantage: { use: 'dapo' }, rewards: [{ use: 'overlong' }] });
    const made = getContributions(container, Tokens.TrainerContribution);
    await expect(made).rejects.toBeInstanceOf(ConfigError);
    await expect(made).rejects.toThrow(/^trainer\.accuracyReward: .*no reward named 'math-accuracy'; rewards: overlong\./);
    const named = compose({
      advantage: { use: 'dapo' },
      rewards: [{ use: 'math-accuracy' }],
      contributions: [{ use: 'dynamic-sampling', options: { judge: 'reward', reward: 'nope' } }],
    });
    await expect(named.then(({ container: c }) => getContributions(c, Tokens.TrainerContribution))).rejects.toThrow(
      "contributions[0].options.reward: no reward named 'nope'; rewards: math-accuracy, overlong",
    );
  });
});
