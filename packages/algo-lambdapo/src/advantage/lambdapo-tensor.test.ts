import * as tf from '@tensorflow/tfjs';
import { Rng } from '@trellis/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaPoParams } from './lambdapo-options';
import { lambdaPoReference } from './lambdapo-reference';
import { lambdaPoTensor } from './lambdapo-tensor';

const base: LambdaPoParams = { tau: 0.1, weightMode: 'attenuate', normalize: 'none', eps: 1e-6 };

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** Random batch with shuffled group order, so groups are interleaved in the flat arrays. */
function randomBatch(rng: Rng, sizes: readonly number[]) {
  const groupIndex = rng.shuffle(sizes.flatMap((s, g) => Array.from({ length: s }, () => g)));
  return {
    groupIndex,
    rewards: groupIndex.map(() => rng.int(3) + 0.2 * rng.next()),
    scores: groupIndex.map(() => -3 * rng.next()),
  };
}

describe('lambdaPoTensor', () => {
  it('reproduces the worked vector', () => {
    const { advantages } = lambdaPoTensor([1, 1, 0, 0], [-0.2, -0.5, -0.3, -0.6], [0, 0, 0, 0], 1, base);
    const expected = [0.0956, 0.3832, -0.3832, -0.0956];
    advantages.forEach((a, i) => expect(a).toBeCloseTo(expected[i] as number, 4));
  });

  it('agrees with the reference on random groups of unequal sizes (G up to 64), every mode', () => {
    const rng = Rng.fromSeed(21);
    for (let trial = 0; trial < 6; trial++) {
      const sizes = Array.from({ length: 1 + rng.int(8) }, () => 1 + rng.int(64));
      if (trial === 0) sizes.push(64, 1, 2);
      const { groupIndex, rewards, scores } = randomBatch(rng, sizes);
      for (const weightMode of ['attenuate', 'confidence'] as const) {
        for (const normalize of ['none', 'group-std', 'batch-std'] as const) {
          const params = { ...base, tau: 0.05 + rng.next(), weightMode, normalize };
          const ref = lambdaPoReference(rewards, scores, groupIndex, sizes.length, params);
          const ten = lambdaPoTensor(rewards, scores, groupIndex, sizes.length, params);
          ten.advantages.forEach((a, i) => expect(a).toBeCloseTo(ref.advantages[i] as number, 4));
          expect(ten.pairs).toBe(ref.pairs);
          expect(ten.meanWeight).toBeCloseTo(ref.meanWeight, 5);
          expect(ten.agreement).toBeCloseTo(ref.agreement, 5);
        }
      }
    }
  });

  it('sums to zero per group, is 0 for equal rewards and groups of one, and handles empty groups', () => {
    const rng = Rng.fromSeed(22);
    const sizes = [6, 1, 0, 9];
    const { groupIndex, rewards, scores } = randomBatch(rng, sizes);
    const { advantages } = lambdaPoTensor(rewards, scores, groupIndex, sizes.length, base);
    sizes.forEach((_, g) => {
      const sum = advantages.filter((_, i) => groupIndex[i] === g).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum)).toBeLessThan(1e-5);
    });
    expect(advantages[groupIndex.indexOf(1)]).toBe(0);
    const equal = lambdaPoTensor([2, 2, 2, 7], [-1, -2, -3, 0], [0, 0, 0, 1], 2, { ...base, normalize: 'group-std' });
    expect(equal.advantages).toEqual([0, 0, 0, 0]);
    expect(lambdaPoTensor([], [], [], 0, base).advantages).toEqual([]);
  });

  it('keeps precision for large reward offsets and summed log-probs', () => {
    const rewards = [1000.25, 1000, 1000.5, 1000];
    const scores = [-812.3, -790.1, -801.7, -805.2];
    const params = { ...base, tau: 10 };
    const ref = lambdaPoReference(rewards, scores, [0, 0, 0, 0], 1, params);
    const ten = lambdaPoTensor(rewards, scores, [0, 0, 0, 0], 1, params);
    ten.advantages.forEach((a, i) => expect(a).toBeCloseTo(ref.advantages[i] as number, 5));
  });

  it('reaches the tau -> infinity limit', () => {
    const rewards = [1, 0.5, 0, 0, 1];
    const mean = 2.5 / 5;
    const { advantages } = lambdaPoTensor(rewards, [-1, -0.2, -3, -0.7, -0.1], [0, 0, 0, 0, 0], 1, { ...base, tau: 1e9 });
    advantages.forEach((a, i) => expect(a).toBeCloseTo((5 / 8) * ((rewards[i] as number) - mean), 5));
  });

  it('leaves no tensors behind', () => {
    const rng = Rng.fromSeed(23);
    const { groupIndex, rewards, scores } = randomBatch(rng, [8, 8, 3]);
    lambdaPoTensor(rewards, scores, groupIndex, 3, { ...base, normalize: 'group-std' });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) lambdaPoTensor(rewards, scores, groupIndex, 3, { ...base, normalize: 'batch-std' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
