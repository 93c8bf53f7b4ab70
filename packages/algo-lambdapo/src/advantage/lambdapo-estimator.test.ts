import * as tf from '@tensorflow/tfjs';
import { type AdvantageInput, Rng } from '@trellis/core';
import { describeAdvantageConformance, randomAdvantageInput } from '@trellis/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import lambdaPoPlugin from '../index';
import { LambdaPoEstimator } from './lambdapo-estimator';
import { lambdaPoOptions } from './lambdapo-options';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const make = (options: Record<string, unknown> = {}) => new LambdaPoEstimator(lambdaPoOptions.parse(options));

// The estimator as a run builds it: from the plugin's manifest, through the container.
describeAdvantageConformance('lambdapo (tensor)', { plugin: lambdaPoPlugin, use: 'lambdapo', groupRelative: true });
describeAdvantageConformance('lambdapo (reference, sum, group-std)', {
  plugin: lambdaPoPlugin,
  use: 'lambdapo',
  options: { compute: 'reference', sequenceScore: 'sum', normalize: 'group-std' },
  groupRelative: true,
});
// Batch-level normalisation couples the groups of a batch.
describeAdvantageConformance('lambdapo (tensor, confidence, batch-std)', {
  plugin: lambdaPoPlugin,
  use: 'lambdapo',
  options: { weightMode: 'confidence', normalize: 'batch-std', tau: 0.5 },
  groupRelative: true,
  independentGroups: false,
});

function workedInput(extra: Partial<AdvantageInput> = {}): AdvantageInput {
  return {
    rewards: [1, 1, 0, 0],
    groupIndex: [0, 0, 0, 0],
    numGroups: 1,
    subGroupIndex: [0, 0, 0, 0],
    lengths: [2, 5, 3, 6],
    masks: [2, 5, 3, 6].map((l) => Array.from({ length: l }, () => 1)),
    oldSeqLogProbMean: [-0.2, -0.5, -0.3, -0.6],
    oldSeqLogProbSum: [-0.4, -2.5, -0.9, -3.6],
    ...extra,
  };
}

describe('LambdaPoEstimator', () => {
  it('declares oldSeqLogProbs and has the catalog id', () => {
    const est = make();
    expect(est.id).toBe('lambdapo');
    expect(est.requires).toEqual(['oldSeqLogProbs']);
  });

  it('gives the worked vector with default options (length-normalised scores, tau 0.1)', () => {
    const out = make().estimate(workedInput());
    expect(out.perToken).toBeUndefined();
    const expected = [0.0956, 0.3832, -0.3832, -0.0956];
    out.perSequence?.forEach((a, i) => expect(a).toBeCloseTo(expected[i] as number, 4));
    expect(out.metrics?.decisive_pairs).toBe(4);
    expect(out.metrics?.policy_agreement).toBeCloseTo(0.75, 6);
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    expect(out.metrics?.pair_weight_mean).toBeCloseTo((2 * sigmoid(-1) + sigmoid(-4) + sigmoid(2)) / 4, 5);
  });

  it('uses the summed log-probs when sequenceScore is sum', () => {
    const sum = make({ sequenceScore: 'sum', compute: 'reference' }).estimate(workedInput());
    const asMean = make({ compute: 'reference' }).estimate(workedInput({ oldSeqLogProbMean: [-0.4, -2.5, -0.9, -3.6] }));
    expect(sum.perSequence).toEqual(asMean.perSequence);
  });

  it('tensor and reference compute agree through the estimator', () => {
    const input = randomAdvantageInput(Rng.fromSeed(31), 5, 8);
    const a = make().estimate(input).perSequence ?? [];
    const b = make({ compute: 'reference' }).estimate(input).perSequence ?? [];
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i] as number, 5));
  });

  it('replaces a non-finite score by its group mean and stays finite', () => {
    const out = make().estimate(workedInput({ oldSeqLogProbMean: [-0.2, Number.NaN, -0.3, -0.6] }));
    for (const v of out.perSequence ?? []) expect(Number.isFinite(v)).toBe(true);
    const filled = make().estimate(workedInput({ oldSeqLogProbMean: [-0.2, -(1.1 / 3), -0.3, -0.6] }));
    out.perSequence?.forEach((v, i) => expect(v).toBeCloseTo(filled.perSequence?.[i] as number, 5));
  });

  it('fails clearly when the trainer did not provide the sequence log-probs', () => {
    expect(() => make().estimate(workedInput({ oldSeqLogProbMean: undefined }))).toThrow(/oldSeqLogProbMean is missing/);
    expect(() => make().estimate(workedInput({ oldSeqLogProbMean: [-1] }))).toThrow(/1 entries for 4 rollouts/);
  });

  it('omits the pair metrics when no pair is decisive', () => {
    const out = make().estimate(workedInput({ rewards: [1, 1, 1, 1] }));
    expect(out.metrics).toEqual({ decisive_pairs: 0 });
  });

  it('validates its options', () => {
    expect(lambdaPoOptions.safeParse({ tau: 0 }).success).toBe(false);
    expect(lambdaPoOptions.safeParse({ normalize: 'std' }).success).toBe(false);
    expect(lambdaPoOptions.safeParse({ temperature: 1 }).success).toBe(false);
    expect(lambdaPoOptions.parse({})).toEqual({
      tau: 0.1,
      sequenceScore: 'mean',
      weightMode: 'attenuate',
      normalize: 'none',
      eps: 1e-6,
      compute: 'tensor',
    });
  });
});
