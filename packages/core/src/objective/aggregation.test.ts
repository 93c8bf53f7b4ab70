import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { AGGREGATION_MODES, aggregateTokens, maskedMean } from './aggregation';
import { klPerToken } from './kl-estimators';
import { aggregateTokensReference, klTokenReference } from './policy-loss-reference';

function expectClose(got: number, want: number, rel = 1e-5): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want)));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const values = [
  [1, 2, 3, 100],
  [4, -2, 50, 60],
  [7, 7, 7, 7],
];
const mask = [
  [1, 1, 1, 0],
  [1, 1, 0, 0],
  [0, 0, 0, 0],
];

function run(mode: (typeof AGGREGATION_MODES)[number], maxLength?: number): number {
  return tf.tidy(() => aggregateTokens(tf.tensor2d(values), tf.tensor2d(mask), mode, maxLength).dataSync()[0] as number);
}

describe('aggregateTokens', () => {
  it('matches hand-computed values for every mode (all-masked rows ignored)', () => {
    expect(run('token-mean')).toBeCloseTo(8 / 5, 6);
    expect(run('seq-mean-token-mean')).toBeCloseTo((2 + 1) / 2, 6);
    expect(run('seq-mean-token-sum')).toBeCloseTo(8 / 2, 6);
    expect(run('seq-mean-token-sum-norm', 10)).toBeCloseTo(8 / (2 * 10), 6);
    expect(run('seq-mean-token-sum-norm')).toBeCloseTo(8 / (2 * 4), 6);
  });

  it('gives 0 for an all-masked batch', () => {
    for (const mode of AGGREGATION_MODES) {
      const v = tf.tidy(() => aggregateTokens(tf.ones([2, 3]), tf.zeros([2, 3]), mode).dataSync()[0]);
      expect(v).toBe(0);
    }
  });

  it('agrees with the plain-array reference on random inputs', () => {
    const rng = Rng.fromSeed(11);
    for (let trial = 0; trial < 5; trial++) {
      const b = 1 + rng.int(5);
      const t = 1 + rng.int(7);
      const v = Array.from({ length: b }, () => Array.from({ length: t }, () => rng.next() * 4 - 2));
      const m = Array.from({ length: b }, () => Array.from({ length: t }, () => (rng.next() < 0.7 ? 1 : 0)));
      for (const mode of AGGREGATION_MODES) {
        const got = tf.tidy(() => aggregateTokens(tf.tensor2d(v), tf.tensor2d(m), mode, 9).dataSync()[0] as number);
        expect(got).toBeCloseTo(aggregateTokensReference(v, m, mode, 9), 5);
      }
      const mm = tf.tidy(() => maskedMean(tf.tensor2d(v), tf.tensor2d(m)).dataSync()[0] as number);
      expect(mm).toBeCloseTo(aggregateTokensReference(v, m, 'token-mean'), 5);
    }
  });
});

describe('klPerToken', () => {
  const logp = Math.log(0.5);
  const ref = 0;
  const x = Math.log(2);

  it('matches the hand-computed k1, k2, k3 (x = log pi_ref - log pi_theta)', () => {
    const got = (e: 'k1' | 'k2' | 'k3', clamp?: number) =>
      tf.tidy(() => klPerToken(tf.tensor2d([[logp]]), tf.tensor2d([[ref]]), e, clamp).dataSync()[0] as number);
    expect(got('k1')).toBeCloseTo(-x, 6);
    expect(got('k2')).toBeCloseTo((x * x) / 2, 6);
    expect(got('k3')).toBeCloseTo(2 - x - 1, 6);
    expect(klTokenReference(logp, ref, 'k3')).toBeCloseTo(2 - x - 1, 12);
    expect(got('k3', 0.1)).toBeCloseTo(0.1, 6);
  });

  it('k3 is non-negative and zero at equality; clamp bounds extreme values', () => {
    const rng = Rng.fromSeed(3);
    const a = Array.from({ length: 3 }, () => Array.from({ length: 5 }, () => -rng.next() * 6));
    const r = Array.from({ length: 3 }, () => Array.from({ length: 5 }, () => -rng.next() * 6));
    for (const e of ['k1', 'k2', 'k3'] as const) {
      for (const clamp of [undefined, 10, 0.5]) {
        const got = tf.tidy(() => klPerToken(tf.tensor2d(a), tf.tensor2d(r), e, clamp).arraySync());
        got.forEach((row, i) =>
          row.forEach((v, t) => expectClose(v, klTokenReference(a[i]?.[t] ?? 0, r[i]?.[t] ?? 0, e, clamp))),
        );
        if (e === 'k3') for (const v of got.flat()) expect(v).toBeGreaterThanOrEqual(-1e-6);
      }
    }
    const same = tf.tidy(() => klPerToken(tf.tensor2d(a), tf.tensor2d(a), 'k3').arraySync());
    for (const v of same.flat()) expect(Math.abs(v)).toBeLessThan(1e-6);
    const extreme = tf.tidy(() => klPerToken(tf.tensor2d([[-100]]), tf.tensor2d([[0]]), 'k3', 10).dataSync()[0]);
    expect(extreme).toBe(10);
  });
});
