import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { type PairPreferenceOptions, type PairRows, pairPreferenceLoss } from './pair-preference-loss';
import { type PlainPairInput, pairPreferenceLossReference } from './pair-preference-reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The tensor version's loss, diagnostics and d loss / d logProbs as plain values. */
function tensorVersion(input: PlainPairInput, pairs: PairRows, options: PairPreferenceOptions) {
  return tf.tidy(() => {
    const ref = tf.tensor2d(input.refLogProbs as number[][]);
    const mask = tf.tensor2d(input.mask as number[][]);
    let extra = { unweighted: 0, deltaMean: 0, accuracy: 0, pairs: 0 };
    const { value, grad } = tf.valueAndGrad((lp: tf.Tensor2D) => {
      const out = pairPreferenceLoss(lp, ref, mask, pairs, options);
      extra = {
        unweighted: out.unweighted.dataSync()[0] as number,
        deltaMean: out.deltaMean.dataSync()[0] as number,
        accuracy: out.accuracy.dataSync()[0] as number,
        pairs: out.pairs.dataSync()[0] as number,
      };
      return tf.add(out.loss, tf.mul(tf.sum(lp), 0)) as tf.Scalar;
    })(tf.tensor2d(input.logProbs as number[][]));
    return { loss: value.dataSync()[0] as number, gradient: grad.arraySync() as number[][], ...extra };
  });
}

// Chosen row 0: ell_theta - ell_ref = mean(0.5, 0.5) = 0.5 (sum: 1). Rejected row 1, one trained
// token: -1 (sum: -1). Delta = 1.5 (sum: 2).
const hand: PlainPairInput = {
  logProbs: [
    [-1, -2],
    [-3, -1],
  ],
  refLogProbs: [
    [-1.5, -2.5],
    [-2, -1],
  ],
  mask: [
    [1, 1],
    [1, 0],
  ],
};
const onePair: PairRows = { chosen: [0], rejected: [1] };
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('pairPreferenceLoss (DPO-style, MulFeRL FCO)', () => {
  it('matches hand-computed values with mean log-probs: loss, Delta, gradient sign and size', () => {
    const options = { tau: 0.5, margin: 0.5, norm: 'mean' as const };
    // x = tau (Delta - m) = 0.5; L = -log sigmoid(0.5) = 0.474077; dL/dDelta = -tau sigmoid(-x).
    const dDelta = -0.5 * sigmoid(-0.5);
    const expectedGrad = [
      [dDelta / 2, dDelta / 2],
      [-dDelta, 0],
    ];
    for (const got of [pairPreferenceLossReference(hand, onePair, options), tensorVersion(hand, onePair, options)]) {
      expect(got.loss).toBeCloseTo(0.474077, 5);
      expect(got.deltaMean).toBeCloseTo(1.5, 5);
      expect(got.accuracy).toBe(1);
      got.gradient.forEach((row, i) => row.forEach((g, t) => expect(g).toBeCloseTo(expectedGrad[i]?.[t] as number, 6)));
    }
    // Raising a chosen token's log-prob lowers the loss; raising the rejected one's raises it.
    expect(expectedGrad[0]?.[0]).toBeLessThan(0);
    expect(expectedGrad[1]?.[0]).toBeGreaterThan(0);
  });

  it('matches hand-computed values with summed log-probs', () => {
    const options = { tau: 0.5, margin: 0.5, norm: 'sum' as const };
    const dDelta = -0.5 * sigmoid(-0.75);
    for (const got of [pairPreferenceLossReference(hand, onePair, options), tensorVersion(hand, onePair, options)]) {
      expect(got.loss).toBeCloseTo(Math.log1p(Math.exp(-0.75)), 5);
      expect(got.deltaMean).toBeCloseTo(2, 5);
      expect(got.gradient[0]?.[1]).toBeCloseTo(dDelta, 6);
      expect(got.gradient[1]?.[0]).toBeCloseTo(-dDelta, 6);
    }
  });

  it('at the reference (Delta = 0) with the release defaults gives lambda log 2 and gradient -lambda tau / (2 P |c|)', () => {
    const input: PlainPairInput = { logProbs: hand.refLogProbs, refLogProbs: hand.refLogProbs, mask: hand.mask };
    const options = { tau: 0.005, margin: 0, norm: 'mean' as const, weight: 0.01 };
    for (const got of [pairPreferenceLossReference(input, onePair, options), tensorVersion(input, onePair, options)]) {
      expect(got.loss).toBeCloseTo(0.01 * Math.LN2, 7);
      expect(got.deltaMean).toBeCloseTo(0, 6);
      expect(got.gradient[0]?.[0]).toBeCloseTo((-0.01 * 0.005) / 2 / 2, 9);
      expect(got.gradient[1]?.[0]).toBeCloseTo((0.01 * 0.005) / 2, 9);
    }
  });

  it('agrees with the plain-array reference on random batches (loss, diagnostics, gradient)', () => {
    const rng = Rng.fromSeed(4);
    for (const norm of ['mean', 'sum'] as const) {
      const B = 7;
      const T = 6;
      const grid = (f: () => number) => Array.from({ length: B }, () => Array.from({ length: T }, f));
      const input: PlainPairInput = {
        logProbs: grid(() => -4 * rng.next()),
        refLogProbs: grid(() => -4 * rng.next()),
        mask: grid(() => (rng.next() < 0.7 ? 1 : 0)),
      };
      const pairs: PairRows = { chosen: [0, 2, 4, 6], rejected: [1, 3, 5, 1] };
      const options = { tau: 0.7, margin: 0.2, norm, weight: 0.3 };
      const want = pairPreferenceLossReference(input, pairs, options);
      const got = tensorVersion(input, pairs, options);
      expect(got.loss).toBeCloseTo(want.loss, 5);
      expect(got.unweighted).toBeCloseTo(want.unweighted, 5);
      expect(got.deltaMean).toBeCloseTo(want.deltaMean, 5);
      expect(got.accuracy).toBeCloseTo(want.accuracy, 6);
      expect(got.pairs).toBe(4);
      want.gradient.forEach((row, i) => row.forEach((g, t) => expect(got.gradient[i]?.[t]).toBeCloseTo(g, 6)));
    }
  });

  it('gives zeros without pairs and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const got = tensorVersion(hand, { chosen: [], rejected: [] }, { tau: 1, margin: 0, norm: 'mean' });
    expect(tf.memory().numTensors).toBe(before);
    expect(got.loss).toBe(0);
    expect(got.gradient.flat().every((g) => g === 0)).toBe(true);
    expect(pairPreferenceLossReference(hand, { chosen: [], rejected: [] }, { tau: 1, margin: 0, norm: 'mean' }).loss).toBe(0);
    expect(() => tensorVersion(hand, { chosen: [0], rejected: [] }, { tau: 1, margin: 0, norm: 'mean' })).toThrow(
      /differ in length/,
    );
  });
});
