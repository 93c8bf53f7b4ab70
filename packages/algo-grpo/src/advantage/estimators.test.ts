import { Rng } from '@trellis/core';
import { describeAdvantageConformance, randomAdvantageInput, sequenceAdvantages } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { grpoAdvantages } from './grpo-advantages';
import { GrpoEstimator } from './grpo-estimator';
import { DapoEstimator, DrGrpoEstimator, GspoEstimator } from './recipe-estimators';
import { reinforcePpAdvantages } from './reinforce-pp-advantages';
import { ReinforcePpBaselineEstimator, ReinforcePpEstimator } from './reinforce-pp-estimator';
import { rlooAdvantages } from './rloo-advantages';
import { RlooEstimator } from './rloo-estimator';

describeAdvantageConformance('grpo', { create: () => new GrpoEstimator({}), groupRelative: true });
describeAdvantageConformance('dr-grpo', { create: () => new DrGrpoEstimator({}), groupRelative: true });
describeAdvantageConformance('dapo', { create: () => new DapoEstimator({}), groupRelative: true });
describeAdvantageConformance('gspo', { create: () => new GspoEstimator({}), groupRelative: true });
describeAdvantageConformance('rloo', { create: () => new RlooEstimator(), groupRelative: true });
// Global whitening (and the KL folded into token rewards) make REINFORCE++ depend on the whole batch.
describeAdvantageConformance('reinforce-pp', { create: () => new ReinforcePpEstimator({}), groupRelative: false });
describeAdvantageConformance('reinforce-pp (no KL)', {
  create: () => new ReinforcePpEstimator({ klCoef: 0 }),
  groupRelative: false,
});
describeAdvantageConformance('reinforce-pp-baseline', {
  create: () => new ReinforcePpBaselineEstimator({}),
  groupRelative: false,
});
// Without the KL term the baseline variant only sees within-group differences (shift-invariant, 0 for equal rewards).
describeAdvantageConformance('reinforce-pp-baseline (no KL)', {
  create: () => new ReinforcePpBaselineEstimator({ klCoef: 0 }),
  groupRelative: true,
});

describe('estimator classes', () => {
  const input = randomAdvantageInput(Rng.fromSeed(12), 3, 4);

  it('declare exactly what they use', () => {
    expect(new GrpoEstimator({}).requires).toEqual([]);
    expect(new RlooEstimator().requires).toEqual([]);
    expect(new ReinforcePpEstimator({}).requires).toEqual(['oldLogProbs', 'refLogProbs']);
    expect(new ReinforcePpBaselineEstimator({ klCoef: 0.05 }).requires).toEqual(['oldLogProbs', 'refLogProbs']);
    expect(new ReinforcePpEstimator({ klCoef: 0 }).requires).toEqual([]);
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
    const pp = new ReinforcePpBaselineEstimator({ klCoef: 0.02 }).estimate(input);
    expect(pp.perToken).toEqual(reinforcePpAdvantages(input, { klCoef: 0.02, baseline: true, epsilon: 1e-8 }).advantages);
    expect(pp.metrics?.kl_mean).toBeDefined();
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
