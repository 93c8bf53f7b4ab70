import { Rng } from '@trellis/core';
import { describeAdvantageConformance, randomAdvantageInput, sequenceAdvantages } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import grpoPlugin from '../index';
import { grpoAdvantages } from './grpo-advantages';
import { GrpoEstimator } from './grpo-estimator';
import { DapoEstimator, DrGrpoEstimator, GspoEstimator } from './recipe-estimators';
import { reinforcePpAdvantages } from './reinforce-pp-advantages';
import { ReinforcePpBaselineEstimator, ReinforcePpEstimator } from './reinforce-pp-estimator';
import { rlooAdvantages } from './rloo-advantages';
import { RlooEstimator } from './rloo-estimator';

// Each estimator as a run builds it: from the plugin's manifest, through the container.
for (const use of ['grpo', 'dr-grpo', 'dapo', 'gspo', 'rloo'] as const) {
  describeAdvantageConformance(use, { plugin: grpoPlugin, use, groupRelative: true });
}
// Global whitening makes REINFORCE++ depend on the whole batch.
describeAdvantageConformance('reinforce-pp', { plugin: grpoPlugin, use: 'reinforce-pp', groupRelative: false });
// Without a KL penalty in the input the baseline variant only sees within-group differences, but
// its global whitening still couples the groups of a batch.
describeAdvantageConformance('reinforce-pp-baseline', {
  plugin: grpoPlugin,
  use: 'reinforce-pp-baseline',
  groupRelative: true,
  independentGroups: false,
});

describe('estimator classes', () => {
  const input = randomAdvantageInput(Rng.fromSeed(12), 3, 4);

  it('declare exactly what they use', () => {
    expect(new GrpoEstimator({}).requires).toEqual([]);
    expect(new RlooEstimator().requires).toEqual([]);
    expect(new ReinforcePpEstimator({}).requires).toEqual([]);
    expect(new ReinforcePpBaselineEstimator({}).requires).toEqual([]);
    expect(() => new ReinforcePpEstimator({ klCoef: 0.05 } as never)).toThrow(/klCoef moved: set objective.options.kl.coef/);
  });

  it('use their catalog id and the pure functions', () => {
    expect(
      [new GrpoEstimator({}), new DrGrpoEstimator({}), new DapoEstimator({}), new GspoEstimator({})].map((e) => e.id),
    ).toEqual(['grpo', 'dr-grpo', 'dapo', 'gspo']);
    expect(new GrpoEstimator({}).estimate(input).perSequence).toEqual(
      grpoAdvantages(input.rewards, input.groupIndex, { normalizeStd: true, epsilon: 1e-6 }),
    );
    expect(new DrGrpoEstimator({}).estimate(input).perSequence).toEqual(
      grpoAdvantages(input.rewards, input.groupIndex, { normalizeStd: false, epsilon: 1e-6 }),
    );
    expect(new RlooEstimator().estimate(input).perSequence).toEqual(rlooAdvantages(input.rewards, input.groupIndex));
    const penalty = input.masks.map((m) => m.map((x, t) => (x ? 0.01 * (t + 1) : 0)));
    const withKl = { ...input, outcomeRewards: input.rewards, rewards: input.rewards.map(() => Number.NaN), klPenalty: penalty };
    const pp = new ReinforcePpBaselineEstimator({}).estimate(withKl);
    expect(pp.perToken).toEqual(
      reinforcePpAdvantages({ ...input, tokenPenalty: penalty }, { baseline: true, epsilon: 1e-8 }).advantages,
    );
    expect(pp.metrics?.penalty_mean).toBeGreaterThan(0);
  });

  it('report the share of groups with no signal', () => {
    const flat = { ...input, rewards: input.rewards.map((r, i) => (input.groupIndex[i] === 0 ? 1 : r)) };
    expect(new GrpoEstimator({}).estimate(flat).metrics?.degenerate_group_frac).toBeCloseTo(1 / 3, 12);
  });

  it('the per-token REINFORCE++ advantages are whitened over all trained tokens', () => {
    const out = new ReinforcePpEstimator({}).estimate(input);
    const tokens = (out.perToken ?? []).flat();
    const mean = tokens.reduce((a, b) => a + b, 0) / tokens.length;
    const variance = tokens.reduce((a, b) => a + (b - mean) ** 2, 0) / tokens.length;
    expect(mean).toBeCloseTo(0, 9);
    expect(variance).toBeCloseTo(1, 6);
    expect(sequenceAdvantages(out, input)).toHaveLength(12);
  });
});
