import type { RolloutBatch, RolloutGroup, StepContext } from '@trellis/core';
import { makeProblem, makeRollout } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { DYNAMIC_SAMPLING_METRICS, DynamicSampling, dynamicSamplingOptions } from './dynamic-sampling';

let serial = 0;
/** A group whose rollouts get these total rewards (and `math-accuracy` components when given). */
function group(rewards: number[], accuracy?: number[]): RolloutGroup {
  const id = `g${serial++}`;
  return {
    id,
    problem: makeProblem({ id: `p-${id}` }),
    rollouts: rewards.map((reward, i) =>
      makeRollout('x', {
        id: `${id}-r${i}`,
        groupId: id,
        reward,
        rewardComponents: accuracy ? { 'math-accuracy': accuracy[i] as number, overlong: reward - (accuracy[i] as number) } : {},
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

describe('DynamicSampling', () => {
  it('drops all-equal groups and tops up from collectMore until the original count is reached', async () => {
    const good = [group([1, 0]), group([0, 1, 1])];
    const batch = batchOf([good[0] as RolloutGroup, group([1, 1]), group([0, 0, 0]), good[1] as RolloutGroup]);
    const extra1 = [group([0, 0]), group([1, 0])];
    const extra2 = [group([0.5, 0.2]), group([0.1, 0.9])];
    const { ctx, asked, metrics } = fakeCtx([extra1, extra2]);
    const out = await new DynamicSampling({}).filterBatch(batch, ctx);
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
    const out = await new DynamicSampling({ maxRounds: 2 }).filterBatch(batchOf([flat(), group([1, 0]), flat()]), ctx);
    expect(out.groups).toHaveLength(1);
    expect(asked).toEqual([2, 2]);
    expect(metrics[DYNAMIC_SAMPLING_METRICS.filled]).toBe(0);

    const surplus = fakeCtx([[group([0, 1]), group([1, 0]), group([0, 2])]]);
    const out2 = await new DynamicSampling({ oversample: 3 }).filterBatch(batchOf([group([0, 1]), flat()]), surplus.ctx);
    expect(surplus.asked).toEqual([3]);
    expect(out2.groups).toHaveLength(2);
  });

  it('judges on a named reward component when asked (DAPO accuracy criterion)', async () => {
    // All correct, but overlong shaping makes totals differ: informative by total, not by accuracy.
    const allCorrect = group([1, 0.8], [1, 1]);
    const mixed = group([1, 0], [1, 0]);
    const byTotal = await new DynamicSampling({ maxRounds: 0 }).filterBatch(batchOf([allCorrect, mixed]), fakeCtx([]).ctx);
    expect(byTotal.groups).toHaveLength(2);
    const byAcc = await new DynamicSampling({ maxRounds: 0, component: 'math-accuracy' }).filterBatch(
      batchOf([allCorrect, mixed]),
      fakeCtx([]).ctx,
    );
    expect(byAcc.groups.map((g) => g.id)).toEqual([mixed.id]);
    await expect(new DynamicSampling({ component: 'nope' }).filterBatch(batchOf([mixed]), fakeCtx([]).ctx)).rejects.toThrow(
      /no reward named 'nope'/,
    );
  });

  it('honours targetGroups, stops when collectMore runs dry, and drops pairs of removed rollouts', async () => {
    const keep = group([0, 1]);
    const drop = group([1, 1]);
    const pairs = [
      { chosen: `${keep.id}-r1`, rejected: `${keep.id}-r0`, kind: 'fco' },
      { chosen: `${drop.id}-r1`, rejected: `${keep.id}-r0`, kind: 'fco' },
    ];
    const { ctx, asked } = fakeCtx([]);
    const out = await new DynamicSampling({ targetGroups: 5 }).filterBatch(batchOf([keep, drop], pairs), ctx);
    expect(asked).toEqual([4]);
    expect(out.groups.map((g) => g.id)).toEqual([keep.id]);
    expect(out.pairs).toEqual([pairs[0]]);
  });

  it('a group of one is never informative', () => {
    expect(new DynamicSampling({}).isInformative(group([1]))).toBe(false);
    expect(dynamicSamplingOptions.safeParse({ oversample: 0.5 }).success).toBe(false);
  });
});
