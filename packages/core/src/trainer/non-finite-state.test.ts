import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../policy/policy';
import { nonFiniteState } from './non-finite-state';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const policyOf = (...vars: tf.Variable[]) => ({ trainableVariables: () => vars }) as unknown as Policy;

describe('nonFiniteState', () => {
  it('finds NaN/Inf in the weights or the optimizer moments, without leaking tensors', async () => {
    const w = tf.variable(tf.tensor1d([1, 2, 3]), true, 'nf-w');
    const opt = tf.train.adam(0.1);
    opt.applyGradients({ 'nf-w': tf.tensor1d([0.1, 0.2, 0.3]) as unknown as tf.Variable });
    const before = tf.memory().numTensors;
    expect(await nonFiniteState(policyOf(w), opt)).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
    w.assign(tf.tensor1d([1, Number.NaN, 3]));
    expect(await nonFiniteState(policyOf(w), opt)).toBe('policy weights');
    w.assign(tf.tensor1d([1, 2, 3]));
    const [iter, moment] = await opt.getWeights();
    iter?.tensor.dispose();
    (moment as unknown as { tensor: tf.Variable }).tensor.assign(tf.tensor1d([0, Number.POSITIVE_INFINITY, 0]));
    expect(await nonFiniteState(policyOf(w), opt)).toBe('optimizer state');
    expect(await nonFiniteState(policyOf(w))).toBeUndefined();
    opt.dispose();
    w.dispose();
  });
});
