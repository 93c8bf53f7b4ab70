import { describeAdvantageConformance } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import plugin from '../index';
import { lanpoAdvantages } from './lanpo-advantages';
import { LanpoEstimator } from './lanpo-estimator';

// One group of 4 (2 from scratch, 2 reflection) and one group of 3 (all from scratch).
const rewards = [1, 0, 1, 1, 0, 0, 1];
const groupIndex = [0, 0, 0, 0, 1, 1, 1];
const subGroupIndex = [0, 0, 1, 1, 2, 2, 2];
const opts = { normalizeStd: true, epsilon: 1e-6 };

const expectClose = (actual: number[], expected: number[]) => {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((v, i) => expect(actual[i], `[${i}]`).toBeCloseTo(v, 6));
};

describe('lanpoAdvantages (hand-computed)', () => {
  it('joint: GRPO over the whole group', () => {
    // group 0: mean 0.75, unbiased var (3 * 0.0625 + 0.5625) / 3 = 0.25; group 1: mean 1/3, var 1/3.
    const s0 = Math.sqrt(0.25 + 1e-6);
    const s1 = Math.sqrt(1 / 3 + 1e-6);
    expectClose(lanpoAdvantages(rewards, groupIndex, subGroupIndex, { ...opts, normalization: 'joint' }), [
      0.25 / s0,
      -0.75 / s0,
      0.25 / s0,
      0.25 / s0,
      -1 / 3 / s1,
      -1 / 3 / s1,
      2 / 3 / s1,
    ]);
  });

  it('per-kind: within each context kind of the group; an all-equal kind gets 0', () => {
    // from-scratch of group 0: [1, 0], mean 0.5, var 0.5; reflection [1, 1]: 0.
    const s = Math.sqrt(0.5 + 1e-6);
    const s1 = Math.sqrt(1 / 3 + 1e-6);
    expectClose(lanpoAdvantages(rewards, groupIndex, subGroupIndex, { ...opts, normalization: 'per-kind' }), [
      0.5 / s,
      -0.5 / s,
      0,
      0,
      -1 / 3 / s1,
      -1 / 3 / s1,
      2 / 3 / s1,
    ]);
  });

  it('mean-centring only, and a kind of one sample gets 0', () => {
    expectClose(
      lanpoAdvantages([1, 0, 1], [0, 0, 0], [0, 0, 1], { normalization: 'per-kind', normalizeStd: false, epsilon: 1e-6 }),
      [0.5, -0.5, 0],
    );
  });

  it('the estimator reads the sub-groups the trainer builds', () => {
    const est = new LanpoEstimator({ normalization: 'per-kind' });
    const out = est.estimate({
      rewards,
      groupIndex,
      numGroups: 2,
      subGroupIndex,
      lengths: rewards.map(() => 1),
      masks: rewards.map(() => [1]),
    });
    expect(out.perSequence?.[2]).toBe(0);
    expect(() => new LanpoEstimator({ normalization: 'kind' })).toThrow(/normalization/);
  });
});

describeAdvantageConformance('lanpo (joint)', { plugin, use: 'lanpo', groupRelative: true });
describeAdvantageConformance('lanpo (per-kind)', {
  plugin,
  use: 'lanpo',
  options: { normalization: 'per-kind' },
  groupRelative: true,
});
