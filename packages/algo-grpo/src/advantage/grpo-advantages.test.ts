import * as tf from '@tensorflow/tfjs';
import { Rng } from '@trellis/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { grpoAdvantages } from './grpo-advantages';
import { grpoAdvantagesTensor } from './grpo-advantages-tensor';
import { reinforcePpAdvantagesTensor } from './reinforce-pp-advantages-tensor';
import { rlooAdvantages } from './rloo-advantages';
import { rlooAdvantagesTensor } from './rloo-advantages-tensor';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const std = { normalizeStd: true, epsilon: 1e-6 };
const noStd = { normalizeStd: false, epsilon: 1e-6 };
// Group 0: [1, 0, 0, 1]; group 1: a single rollout; group 2: equal rewards.
const rewards = [1, 0, 0, 1, 2, 3, 3];
const groups = [0, 0, 0, 0, 1, 2, 2];

function tensorGrpo(r: number[], g: number[], n: number, o: typeof std): number[] {
  return tf.tidy(() => Array.from(grpoAdvantagesTensor(tf.tensor1d(r), tf.tensor1d(g, 'int32'), n, o).dataSync()));
}
function tensorRloo(r: number[], g: number[], n: number): number[] {
  return tf.tidy(() => Array.from(rlooAdvantagesTensor(tf.tensor1d(r), tf.tensor1d(g, 'int32'), n).dataSync()));
}

describe('grpoAdvantages', () => {
  it('matches hand-computed values (epsilon on the unbiased variance), 0 for a group of one and for equal rewards', () => {
    const a = 0.5 / Math.sqrt(1 / 3 + 1e-6);
    const want = [a, -a, -a, a, 0, 0, 0];
    grpoAdvantages(rewards, groups, std).forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 9));
    tensorGrpo(rewards, groups, 3, std).forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 5));
  });

  it('Dr. GRPO (normalizeStd false) only centres', () => {
    const want = [0.5, -0.5, -0.5, 0.5, 0, 0, 0];
    expect(grpoAdvantages(rewards, groups, noStd)).toEqual(want);
    tensorGrpo(rewards, groups, 3, noStd).forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 6));
  });

  it('tensor and reference agree on random groups of varying sizes', () => {
    const rng = Rng.fromSeed(5);
    for (let trial = 0; trial < 10; trial++) {
      const numGroups = 1 + rng.int(5);
      const g = Array.from({ length: 3 + rng.int(20) }, () => rng.int(numGroups));
      const r = g.map(() => (rng.next() < 0.3 ? 1 : rng.normal()));
      for (const o of [std, noStd]) {
        const ref = grpoAdvantages(r, g, o);
        tensorGrpo(r, g, numGroups, o).forEach((v, i) => expect(v).toBeCloseTo(ref[i] as number, 4));
      }
      const ref = rlooAdvantages(r, g);
      tensorRloo(r, g, numGroups).forEach((v, i) => expect(v).toBeCloseTo(ref[i] as number, 4));
    }
  });
});

describe('rlooAdvantages', () => {
  it('is r_i minus the mean of the others, G/(G-1) times the centred reward; 0 for a group of one', () => {
    const want = [2 / 3, -2 / 3, -2 / 3, 2 / 3, 0, 0, 0];
    rlooAdvantages(rewards, groups).forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 12));
    tensorRloo(rewards, groups, 3).forEach((v, i) => expect(v).toBeCloseTo(want[i] as number, 6));
    const r = [0.3, 1.7, -0.2];
    const mean = (0.3 + 1.7 - 0.2) / 3;
    rlooAdvantages(r, [0, 0, 0]).forEach((v, i) => expect(v).toBeCloseTo((3 / 2) * ((r[i] as number) - mean), 12));
  });
});

describe('tensor estimators', () => {
  it('leave tf.memory().numTensors flat across repeated calls', () => {
    const r = tf.tensor1d(rewards);
    const g = tf.tensor1d(groups, 'int32');
    const mask = tf.ones([7, 4]) as tf.Tensor2D;
    const call = () => {
      tf.dispose([
        grpoAdvantagesTensor(r, g, 3, std),
        rlooAdvantagesTensor(r, g, 3),
        reinforcePpAdvantagesTensor({ rewards: r, groupIndex: g, numGroups: 3, mask }, { baseline: true, epsilon: 1e-8 }),
      ]);
    };
    call();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) call();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([r, g, mask]);
  });
});
