import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { shapeRewardsWithKl, shapeRewardsWithKlTensor } from './reward-kl';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('shapeRewardsWithKl', () => {
  it('folds beta * k1 of every trained token into the sequence reward (hand-computed)', () => {
    // k1 = old - ref: row 0: 0.2, 0.3, (masked); row 1: -0.1, 0.4.
    const out = shapeRewardsWithKl(
      [1, 0],
      [
        [-1.0, -0.5, -2.0],
        [-0.6, -0.1],
      ],
      [
        [-1.2, -0.8, -0.1],
        [-0.5, -0.5],
      ],
      [
        [1, 1, 0],
        [1, 1],
      ],
      { estimator: 'k1', coef: 0.1 },
    );
    expect(out.penalty[0]?.[0]).toBeCloseTo(0.02, 12);
    expect(out.penalty[0]?.[1]).toBeCloseTo(0.03, 12);
    expect(out.penalty[0]?.[2]).toBe(0);
    expect(out.rewards[0]).toBeCloseTo(1 - 0.05, 12);
    expect(out.rewards[1]).toBeCloseTo(0 - 0.03, 12);
    expect(out.outcomeRewards).toEqual([1, 0]);
    expect(out.meanKl).toBeCloseTo((0.2 + 0.3 - 0.1 + 0.4) / 4, 12);
  });

  it('uses the chosen estimator: k3 = e^x - x - 1 with x = ref - old', () => {
    const x = -0.5 - -1.0;
    const out = shapeRewardsWithKl([0], [[-1.0]], [[-0.5]], [[1]], { estimator: 'k3', coef: 2 });
    expect(out.rewards[0]).toBeCloseTo(-2 * (Math.exp(x) - x - 1), 12);
  });

  it('tensor version matches the reference on random batches', () => {
    const rng = Rng.fromSeed(3);
    for (const estimator of ['k1', 'k2', 'k3'] as const) {
      const B = 5;
      const T = 7;
      const old = Array.from({ length: B }, () => Array.from({ length: T }, () => -3 * rng.next()));
      const ref = Array.from({ length: B }, () => Array.from({ length: T }, () => -3 * rng.next()));
      const mask = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (t < T - b ? 1 : 0)));
      const rewards = Array.from({ length: B }, () => rng.next());
      const want = shapeRewardsWithKl(rewards, old, ref, mask, { estimator, coef: 0.05, clamp: 10 });
      const got = shapeRewardsWithKlTensor(tf.tensor1d(rewards), tf.tensor2d(old), tf.tensor2d(ref), tf.tensor2d(mask), {
        estimator,
        coef: 0.05,
        clamp: 10,
      });
      const gotRewards = got.rewards.arraySync();
      const gotPenalty = got.penalty.arraySync();
      want.rewards.forEach((r, i) => expect(gotRewards[i]).toBeCloseTo(r, 5));
      want.penalty.forEach((row, i) => row.forEach((p, t) => expect(gotPenalty[i]?.[t]).toBeCloseTo(p, 5)));
      tf.dispose([got.rewards, got.penalty]);
    }
  });
});
