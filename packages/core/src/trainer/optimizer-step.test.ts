import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clipAndApply } from './optimizer-step';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let counter = 0;
const owned: tf.Variable[] = [];
const optimizers: tf.Optimizer[] = [];

function variable(values: number[]): tf.Variable {
  const v = tf.variable(tf.tensor1d(values), true, `clip-test-${counter++}`);
  owned.push(v);
  return v;
}

function sgd(lr = 1): tf.Optimizer {
  const o = tf.train.sgd(lr);
  optimizers.push(o);
  return o;
}

const values = (v: tf.Tensor) => Array.from(v.dataSync());

afterEach(() => {
  tf.dispose(owned.splice(0));
  for (const o of optimizers.splice(0)) o.dispose();
});

describe('clipAndApply', () => {
  it('clips the gradients to maxNorm by global L2 norm before applying them', () => {
    const x = variable([1, 2]);
    const result = clipAndApply(sgd(), { [x.name]: tf.tensor1d([3, 4]) }, 1);
    expect(result.applied).toBe(true);
    expect(result.gradNorm).toBeCloseTo(5, 6);
    const [a, b] = values(x);
    expect(a).toBeCloseTo(1 - 0.6, 6);
    expect(b).toBeCloseTo(2 - 0.8, 6);
  });

  it('uses the global norm across several variables', () => {
    const x = variable([0]);
    const y = variable([0, 0]);
    const result = clipAndApply(sgd(0.5), { [x.name]: tf.tensor1d([2]), [y.name]: tf.tensor1d([4, 4]) }, 3);
    expect(result.gradNorm).toBeCloseTo(6, 6);
    expect(values(x)[0]).toBeCloseTo(-0.5 * 1, 6);
    expect(values(y)[0]).toBeCloseTo(-0.5 * 2, 6);
    expect(values(y)[1]).toBeCloseTo(-0.5 * 2, 6);
  });

  it('applies the gradients unchanged when the norm is at most maxNorm, or maxNorm is 0', () => {
    const x = variable([1, 2]);
    expect(clipAndApply(sgd(), { [x.name]: tf.tensor1d([0.3, 0.4]) }, 1)).toEqual({
      gradNorm: expect.closeTo(0.5, 6),
      applied: true,
    });
    expect(values(x)[0]).toBeCloseTo(0.7, 6);
    expect(values(x)[1]).toBeCloseTo(1.6, 6);

    const y = variable([0, 0]);
    clipAndApply(sgd(), { [y.name]: tf.tensor1d([3, 4]) }, 5);
    expect(values(y)[0]).toBeCloseTo(-3, 5);
    expect(values(y)[1]).toBeCloseTo(-4, 5);

    const z = variable([0, 0]);
    const unclipped = clipAndApply(sgd(), { [z.name]: tf.tensor1d([30, 40]) }, 0);
    expect(unclipped.gradNorm).toBeCloseTo(50, 4);
    expect(values(z)[0]).toBeCloseTo(-30, 4);
    expect(values(z)[1]).toBeCloseTo(-40, 4);
  });

  it('refuses non-finite gradients and leaves the variables unchanged', () => {
    const x = variable([1, 2]);
    const y = variable([3]);
    const nan = clipAndApply(sgd(), { [x.name]: tf.tensor1d([Number.NaN, 1]), [y.name]: tf.tensor1d([1]) }, 1);
    expect(nan.applied).toBe(false);
    expect(Number.isNaN(nan.gradNorm)).toBe(true);
    const inf = clipAndApply(sgd(), { [x.name]: tf.tensor1d([Number.POSITIVE_INFINITY, 1]), [y.name]: tf.tensor1d([1]) }, 0);
    expect(inf.applied).toBe(false);
    expect(values(x)).toEqual([1, 2]);
    expect(values(y)).toEqual([3]);
  });

  it('disposes the gradient tensors on every path: numTensors returns to the baseline', () => {
    const x = variable([1, 2]);
    const opt = sgd(0.1);
    const before = tf.memory().numTensors;
    for (const [grad, maxNorm] of [
      [[3, 4], 1],
      [[0.1, 0.1], 1],
      [[3, 4], 0],
      [[Number.NaN, 0], 1],
    ] as const) {
      const g = tf.tensor1d([...grad]);
      clipAndApply(opt, { [x.name]: g }, maxNorm);
      expect(g.isDisposed).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
