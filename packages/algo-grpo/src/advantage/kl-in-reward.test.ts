import { buildAdvantageInput, shapeRewardsWithKl } from '@trellis/core';
import { makeRollout } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { GrpoEstimator } from './grpo-estimator';

// One group of three; k1 per token = old - ref; beta 0.2. Σ_t beta * k1 = [0.1, -0.1, 0.2], so the
// shaped rewards are [1 - 0.1, 0 + 0.1, 0 - 0.2] = [0.9, 0.1, -0.2]; GRPO then normalises those:
// mean 0.26667, unbiased std 0.56862; divided by sqrt(var + 1e-6).
const old = [
  [-1.0, -0.5],
  [-0.6, -0.4],
  [-0.3, -0.2],
];
const ref = [
  [-1.2, -0.8],
  [-0.3, -0.2],
  [-0.8, -0.7],
];
const rollouts = [1, 0, 0].map((reward, i) => ({
  ...makeRollout('ab', { id: `r${i}`, groupId: 'g' }),
  reward,
  lossMask: [1, 1],
}));

describe('GRPO with the KL in the reward (the shared trainer mechanism)', () => {
  it('normalises r - Σ beta * k1 within the group (hand-computed)', () => {
    const shaping = shapeRewardsWithKl(
      rollouts.map((r) => r.reward),
      old,
      ref,
      rollouts.map((r) => r.lossMask),
      { estimator: 'k1', coef: 0.2 },
    );
    const input = buildAdvantageInput(rollouts, [], undefined, undefined, shaping);
    expect(input.rewards.map((r) => Number(r.toFixed(12)))).toEqual([0.9, 0.1, -0.2]);
    const got = new GrpoEstimator({}).estimate(input).perSequence ?? [];
    const want = [1.1137980029783292, -0.29310473762587613, -0.8206932653524532];
    got.forEach((a, i) => expect(a).toBeCloseTo(want[i] as number, 9));
    const plain = new GrpoEstimator({}).estimate(buildAdvantageInput(rollouts, [], undefined, undefined)).perSequence ?? [];
    [1.1547, -0.57735, -0.57735].forEach((a, i) => expect(plain[i]).toBeCloseTo(a, 4));
  });
});
