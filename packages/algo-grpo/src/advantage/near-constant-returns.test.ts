import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { grpoAdvantages } from './grpo-advantages';
import { grpoAdvantagesTensor } from './grpo-advantages-tensor';
import { GrpoEstimator } from './grpo-estimator';
import { DapoEstimator, DrGrpoEstimator, GspoEstimator } from './recipe-estimators';
import { type ReinforcePpInput, reinforcePpAdvantages } from './reinforce-pp-advantages';
import { reinforcePpAdvantagesTensor } from './reinforce-pp-advantages-tensor';
import { ReinforcePpBaselineEstimator, ReinforcePpEstimator } from './reinforce-pp-estimator';

// Degenerate batches whose rewards or returns differ only by ~1e-6 (e.g. every sample correct,
// rewards shaped by a tiny KL penalty). Every normalising estimator divides by sqrt(var + eps)
// (verl `masked_whiten`, OpenRLHF `rsqrt(var + eps)`), so such noise stays far below unit size;
// `std + eps` would have stretched it to advantages of order 1.

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The convention, written out independently: `(x - mean) / sqrt(var + eps)`. */
function whiten(xs: readonly number[], eps: number, unbiased: boolean): number[] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sq = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  const variance = sq / (unbiased ? xs.length - 1 : xs.length);
  return xs.map((x) => (x - mean) / Math.sqrt(variance + eps));
}

/** What the old `std + eps` convention gave, to show the batches really are the hazardous kind. */
function stdPlusEps(xs: readonly number[], eps: number, unbiased: boolean): number[] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sq = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  const std = Math.sqrt(sq / (unbiased ? xs.length - 1 : xs.length));
  return xs.map((x) => (x - mean) / (std + eps));
}

const maxAbs = (xs: readonly number[]) => Math.max(...xs.map(Math.abs));

// Two groups of 8 around 1 (all correct) and 0 (all wrong), spread 2e-6 peak to peak.
const OFFSETS = [0, 1e-6, -1e-6, 0.4e-6, -0.7e-6, 0.9e-6, -0.2e-6, 0.3e-6];
const rewards = [...OFFSETS.map((d) => 1 + d), ...OFFSETS.map((d) => -d)];
const groups = rewards.map((_, i) => Math.floor(i / 8));

describe('group-normalised estimators (grpo, dapo, gspo, dr-grpo with normalizeStd) on near-constant groups', () => {
  const options = { normalizeStd: true, epsilon: 1e-6 };
  const want = [...whiten(rewards.slice(0, 8), 1e-6, true), ...whiten(rewards.slice(8), 1e-6, true)];

  it('plain-array reference: (r - mean) / sqrt(var + 1e-6), bounded by 1.5e-3', () => {
    const got = grpoAdvantages(rewards, groups, options);
    got.forEach((a, i) => expect(a).toBeCloseTo(want[i] as number, 12));
    expect(maxAbs(got)).toBeLessThan(1.5e-3);
    expect(maxAbs(got)).toBeGreaterThan(1e-4);
    expect(maxAbs(stdPlusEps(rewards.slice(0, 8), 1e-6, true))).toBeGreaterThan(0.5);
  });

  it('every catalog estimator that normalises gives the same bounded advantages', () => {
    const input = { rewards, groupIndex: groups, masks: rewards.map(() => [1]), numGroups: 2 } as never;
    for (const estimator of [
      new GrpoEstimator({}),
      new DapoEstimator({}),
      new GspoEstimator({}),
      new DrGrpoEstimator({ normalizeStd: true }),
    ]) {
      const got = estimator.estimate(input).perSequence ?? [];
      expect(got, estimator.id).toHaveLength(16);
      got.forEach((a, i) => expect(a, estimator.id).toBeCloseTo(want[i] as number, 12));
    }
  });

  it('tensor version (float32): bounded and close to the reference despite float32 rounding of 1 + 1e-6', () => {
    const got = tf.tidy(() =>
      Array.from(grpoAdvantagesTensor(tf.tensor1d(rewards), tf.tensor1d(groups, 'int32'), 2, options).dataSync()),
    );
    // float32 spaces numbers near 1 by 1.2e-7, so group 0 keeps its offsets only to ~1e-7.
    got.forEach((a, i) => expect(Math.abs(a - (want[i] as number)), `row ${i}`).toBeLessThan(i < 8 ? 2e-4 : 2e-6));
    expect(maxAbs(got)).toBeLessThan(1.5e-3);
  });
});

describe('REINFORCE++ whitening on near-constant returns', () => {
  // Outcome 0 everywhere (all wrong), returns made only of KL penalties of ~1e-7 per token.
  const masks = [
    [1, 1, 1, 1],
    [1, 1, 1, 0],
    [1, 1, 1, 1],
    [1, 1, 0, 0],
  ];
  const tokenPenalty = masks.map((row, i) => row.map((m, t) => (m ? ((i * 4 + t) % 5) * 1e-7 - 2e-7 : 0)));
  const klInput: ReinforcePpInput = { rewards: [0, 0, 0, 0], groupIndex: [0, 0, 1, 1], masks, tokenPenalty };
  // Outcomes 1 + ~1e-6 (all correct, a tiny shaped bonus) and no penalty.
  const outcomeInput: ReinforcePpInput = {
    rewards: [1 + 1e-6, 1 - 0.5e-6, 1 + 0.2e-6, 1 - 0.9e-6],
    groupIndex: [0, 0, 1, 1],
    masks,
  };

  function returnsOf(input: ReinforcePpInput, baseline: boolean): number[] {
    const outcome = input.rewards.map((r, i) => {
      if (!baseline) return r;
      const peers = input.rewards.filter((_, j) => input.groupIndex[j] === input.groupIndex[i]);
      return r - peers.reduce((a, b) => a + b, 0) / peers.length;
    });
    const flat: number[] = [];
    input.masks.forEach((row, i) => {
      let acc = 0;
      const back: number[] = [];
      const last = row.lastIndexOf(1);
      for (let t = row.length - 1; t >= 0; t--) {
        if (!row[t]) continue;
        acc += (t === last ? (outcome[i] as number) : 0) - (input.tokenPenalty?.[i]?.[t] ?? 0);
        back.unshift(acc);
      }
      flat.push(...back);
    });
    return flat;
  }

  function viaTensor(input: ReinforcePpInput, baseline: boolean): number[] {
    const width = 4;
    const pad = (rows: readonly (readonly number[])[]) => rows.map((r) => Array.from({ length: width }, (_, t) => r[t] ?? 0));
    const out = tf.tidy(() =>
      reinforcePpAdvantagesTensor(
        {
          rewards: tf.tensor1d([...input.rewards]),
          groupIndex: tf.tensor1d([...input.groupIndex], 'int32'),
          numGroups: 2,
          mask: tf.tensor2d(pad(input.masks)),
          ...(input.tokenPenalty ? { tokenPenalty: tf.tensor2d(pad(input.tokenPenalty)) } : {}),
        },
        { baseline, epsilon: 1e-8 },
      ).arraySync(),
    );
    return out.flatMap((row, i) => row.filter((_, t) => (input.masks[i]?.[t] ?? 0) > 0));
  }

  for (const [name, input] of [
    ['KL-only returns near 0', klInput],
    ['outcomes 1 + ~1e-6', outcomeInput],
  ] as const) {
    for (const [estimator, baseline] of [
      [new ReinforcePpEstimator({}), false],
      [new ReinforcePpBaselineEstimator({}), true],
    ] as const) {
      it(`${estimator.id}, ${name}: (G - mean) / sqrt(var + 1e-8), reference and tensor`, () => {
        const returns = returnsOf(input, baseline);
        const want = whiten(returns, 1e-8, false);
        expect(Math.max(...returns) - Math.min(...returns)).toBeLessThan(3e-6);
        const got = reinforcePpAdvantages(input, { baseline, epsilon: 1e-8 }).advantages.flatMap((row, i) =>
          row.filter((_, t) => (input.masks[i]?.[t] ?? 0) > 0),
        );
        got.forEach((a, i) => expect(a).toBeCloseTo(want[i] as number, 10));
        expect(maxAbs(got)).toBeLessThan(0.03);
        expect(maxAbs(stdPlusEps(returns, 1e-8, false))).toBeGreaterThan(0.9);
        const perToken = estimator.estimate({ ...input, klPenalty: input.tokenPenalty } as never).perToken ?? [];
        expect(perToken.flatMap((row, i) => row.filter((_, t) => (input.masks[i]?.[t] ?? 0) > 0))).toEqual(got);
        const tensor = viaTensor(input, baseline);
        // float32: outcomes near 1 keep only ~1e-7 of their ~1e-6 spread (inputs and the baseline
        // mean are rounded), so the tensor matches to ~10% of the bound; near 0 it is exact to ~1e-13.
        const tol = input === outcomeInput ? 3e-3 : 1e-5;
        tensor.forEach((a, i) => expect(Math.abs(a - (want[i] as number)), `token ${i}`).toBeLessThan(tol));
        expect(maxAbs(tensor)).toBeLessThan(0.03);
      });
    }
  }
});
