import { ConfigError, type ResolvedConfig, type RolloutBatch, type RolloutGroup, type StepContext, z } from '@trellis/core';
import { makeProblem, makeRollout } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { DYNAMIC_SAMPLING_METRICS, DynamicSampling, dynamicSamplingOptions } from './dynamic-sampling';

type SamplingConfig = Pick<ResolvedConfig, 'rewards' | 'trainer' | 'contributions'>;

/** The config parts the contribution reads: rewards `math-accuracy` and `overlong`. */
function configWith(accuracyReward = 'math-accuracy'): SamplingConfig {
  return {
    trainer: { accuracyReward } as ResolvedConfig['trainer'],
    rewards: [
      { use: 'math-accuracy', weight: 1, options: {} },
      { use: 'overlong', weight: 1, options: {} },
    ],
    contributions: [{ use: 'dynamic-sampling', options: {} }],
  };
}

type Options = z.input<typeof dynamicSamplingOptions>;
const make = (options: Options = {}, config: SamplingConfig = configWith()) => new DynamicSampling(options, config);
/** Constructed directly, without the trainer config the container injects. */
const bare = (options: Options) => new DynamicSampling(options);

let serial = 0;
/**
 * A group whose rollouts get these total rewards and `math-accuracy` scores (default: the totals),
 * with the rest of each total in an `overlong` component.
 */
function group(rewards: number[], accuracy: number[] = rewards): RolloutGroup {
  const id = `g${serial++}`;
  return {
    id,
    problem: makeProblem({ id: `p-${id}` }),
    rollouts: rewards.map((reward, i) =>
      makeRollout('x', {
        id: `${id}-r${i}`,
        groupId: id,
        reward,
        rewardComponents: { 'math-accuracy': accuracy[i] as number, overlong: reward - (accuracy[i] as number) },
      }),
    ),
  };
}

/** A fake step context: `collectMore` serves the queued rounds in order and records requests. */
function fakeCtx(rounds: RolloutGroup[][]) {
  const asked: number[] = [];
  const metrics: Record<string, number> = {};
  const ctx: StepContext = {
    step: 3,
    metric: (name, value) => {
      metrics[name] = value;
    },
    count: (name, by = 1) => {
      metrics[name] = (metrics[name] ?? 0) + by;
    },
    collectMore: async (n) => {
      asked.push(n);
      return (rounds.shift() ?? []).slice(0, n);
    },
  };
  return { ctx, asked, metrics };
}

const batchOf = (groups: RolloutGroup[], pairs: RolloutBatch['pairs'] = []): RolloutBatch => ({ step: 3, groups, pairs });
const keptIds = async (sampler: DynamicSampling, groups: RolloutGroup[]) =>
  (await sampler.filterBatch(batchOf(groups), fakeCtx([]).ctx)).groups.map((g) => g.id);

describe('DynamicSampling', () => {
  it('drops groups of accuracy 0 or 1 and tops up from collectMore until the original count is reached', async () => {
    const good = [group([1, 0]), group([0, 1, 1])];
    const batch = batchOf([good[0] as RolloutGroup, group([1, 1]), group([0, 0, 0]), good[1] as RolloutGroup]);
    const extra1 = [group([0, 0]), group([1, 0])];
    const extra2 = [group([0.9, 0.2]), group([0.1, 0.9])];
    const { ctx, asked, metrics } = fakeCtx([extra1, extra2]);
    const out = await make().filterBatch(batch, ctx);
    expect(out.groups.map((g) => g.id)).toEqual([good[0]?.id, good[1]?.id, extra1[1]?.id, extra2[0]?.id]);
    expect(asked).toEqual([2, 1]);
    expect(metrics).toEqual({
      [DYNAMIC_SAMPLING_METRICS.kept]: 4,
      [DYNAMIC_SAMPLING_METRICS.dropped]: 3,
      [DYNAMIC_SAMPLING_METRICS.rounds]: 2,
      [DYNAMIC_SAMPLING_METRICS.requested]: 3,
      [DYNAMIC_SAMPLING_METRICS.filled]: 1,
    });
  });

  it('stops after maxRounds and trains on fewer groups; truncates a surplus', async () => {
    const flat = () => group([1, 1]);
    const { ctx, asked, metrics } = fakeCtx([[flat(), flat()], [flat()], [group([0, 1])]]);
    const out = await make({ maxRounds: 2 }).filterBatch(batchOf([flat(), group([1, 0]), flat()]), ctx);
    expect(out.groups).toHaveLength(1);
    expect(asked).toEqual([2, 2]);
    expect(metrics[DYNAMIC_SAMPLING_METRICS.filled]).toBe(0);

    const surplus = fakeCtx([[group([0, 1]), group([1, 0]), group([0, 2])]]);
    const out2 = await make({ oversample: 3 }).filterBatch(batchOf([group([0, 1]), flat()]), surplus.ctx);
    expect(surplus.asked).toEqual([3]);
    expect(out2.groups).toHaveLength(2);
  });

  it('judges accuracy by default (DAPO), the weighted total or a named reward on request', async () => {
    // All correct, but overlong shaping makes totals differ: informative by total, not by accuracy.
    const allCorrect = group([1, 0.8], [1, 1]);
    const mixed = group([1, 0], [1, 0]);
    const allWrong = group([0, -0.2], [0, 0]);
    const groups = [allCorrect, mixed, allWrong];
    const byAccuracy = make({ maxRounds: 0 });
    expect(byAccuracy.options.judge).toBe('accuracy');
    expect(byAccuracy.rewardName).toBe('math-accuracy');
    expect(await keptIds(byAccuracy, groups)).toEqual([mixed.id]);
    const byTotal = make({ maxRounds: 0, judge: 'total' });
    expect(byTotal.rewardName).toBeUndefined();
    expect(await keptIds(byTotal, groups)).toEqual([allCorrect.id, mixed.id, allWrong.id]);
    expect(await keptIds(make({ maxRounds: 0, judge: 'reward', reward: 'overlong' }), groups)).toEqual([
      allCorrect.id,
      allWrong.id,
    ]);
    // `accuracy` follows trainer.accuracyReward, or `reward` when set.
    const renamed = { ...configWith('overlong') };
    expect(make({}, renamed).rewardName).toBe('overlong');
    expect(make({ reward: 'math-accuracy' }, renamed).rewardName).toBe('math-accuracy');
  });

  it('counts a score as correct only above 0.5, as the trainer does', () => {
    const sampler = make();
    expect(sampler.isInformative(group([0.5, 0.4]))).toBe(false);
    expect(sampler.isInformative(group([0.51, 0.5]))).toBe(true);
    expect(sampler.isInformative(group([3, 0.6]))).toBe(false);
  });

  it('a missing reward is a ConfigError naming the key and the configured rewards', () => {
    const catch_ = (f: () => unknown): Error => {
      try {
        f();
      } catch (e) {
        return e as Error;
      }
      throw new Error('did not throw');
    };
    const named = catch_(() => make({ judge: 'reward', reward: 'nope' }));
    expect(named).toBeInstanceOf(ConfigError);
    expect(named.message).toBe("contributions[0].options.reward: no reward named 'nope'; rewards: math-accuracy, overlong");
    expect(catch_(() => make({ reward: 'nope' })).message).toMatch(/options\.reward: no reward named 'nope'/);
    const accuracy = catch_(() => make({}, configWith('acc')));
    expect(accuracy).toBeInstanceOf(ConfigError);
    expect(accuracy.message).toMatch(
      /^trainer\.accuracyReward: .*no reward named 'acc'; rewards: math-accuracy, overlong\. .*options\.judge to 'total'$/,
    );
    expect(make({ judge: 'total' }, configWith('acc')).rewardName).toBeUndefined();
  });

  it('without a trainer config: needs options.reward for accuracy, checks names per rollout', async () => {
    expect(() => bare({})).toThrow(/set options\.reward/);
    await expect(
      bare({ judge: 'reward', reward: 'nope' }).filterBatch(batchOf([group([1, 0])]), fakeCtx([]).ctx),
    ).rejects.toThrow(/no reward named 'nope'/);
    expect(await keptIds(bare({ reward: 'math-accuracy', maxRounds: 0 }), [group([1, 0])])).toHaveLength(1);
  });

  it('validates its options', () => {
    expect(dynamicSamplingOptions.safeParse({ oversample: 0.5 }).success).toBe(false);
    expect(dynamicSamplingOptions.safeParse({ judge: 'reward' }).error?.issues[0]?.path).toEqual(['reward']);
    expect(dynamicSamplingOptions.safeParse({ judge: 'total', reward: 'overlong' }).success).toBe(false);
    expect(dynamicSamplingOptions.safeParse({ component: 'math-accuracy' }).success).toBe(false);
    expect(dynamicSamplingOptions.parse({})).toEqual({ judge: 'accuracy', maxRounds: 3, oversample: 1, tolerance: 1e-9 });
  });

  it('honours targetGroups, stops when collectMore runs dry, and drops pairs of removed rollouts', async () => {
    const keep = group([0, 1]);
    const drop = group([1, 1]);
    const pairs = [
      { chosen: `${keep.id}-r1`, rejected: `${keep.id}-r0`, kind: 'fco' },
      { chosen: `${drop.id}-r1`, rejected: `${keep.id}-r0`, kind: 'fco' },
    ];
    const { ctx, asked } = fakeCtx([]);
    const out = await make({ targetGroups: 5 }).filterBatch(batchOf([keep, drop], pairs), ctx);
    expect(asked).toEqual([4]);
    expect(out.groups.map((g) => g.id)).toEqual([keep.id]);
    expect(out.pairs).toEqual([pairs[0]]);
  });

  it('a group of one is never informative', () => {
    expect(make().isInformative(group([1]))).toBe(false);
    expect(make({ judge: 'total' }).isInformative(group([1]))).toBe(false);
    expect(make({ judge: 'reward', reward: 'overlong' }).isInformative(group([1]))).toBe(false);
  });
});
