import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LambdaPoParams } from './lambdapo-options';
import { lambdaPoReference } from './lambdapo-reference';
import { lambdaPoTensor } from './lambdapo-tensor';

// A degenerate batch: every reward within ~1e-6 of its group's (all correct, a tiny shaped term).
// The normalisations divide by sqrt(var(A) + eps) (epsilon on the variance, as verl / OpenRLHF
// whiten), so the ~1e-6 pairwise advantages stay ~1e-3 instead of being stretched to order 1.

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const OFFSETS = [0, 0.8e-6, -1e-6, 0.3e-6, -0.4e-6, 1e-6];
const rewards = [...OFFSETS.map((d) => 1 + d), ...OFFSETS.map((d) => 0.5 - d)];
const scores = rewards.map((_, i) => -0.3 - 0.07 * ((i * 5) % 6));
const groupIndex = rewards.map((_, i) => Math.floor(i / 6));

/** `x / sqrt(unbiased var(x) + eps)`, written out independently. */
function scaled(xs: readonly number[], eps: number): number[] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return xs.map((x) => x / Math.sqrt(variance + eps));
}

const maxAbs = (xs: readonly number[]) => Math.max(...xs.map(Math.abs));

describe('lambdapo normalisations on near-constant rewards', () => {
  const none: LambdaPoParams = { tau: 0.1, weightMode: 'attenuate', normalize: 'none', eps: 1e-6 };
  const raw = lambdaPoReference(rewards, scores, groupIndex, 2, none).advantages;

  it('raw pairwise advantages are ~1e-6 (the degenerate input)', () => {
    expect(maxAbs(raw)).toBeLessThan(2e-6);
    expect(maxAbs(raw)).toBeGreaterThan(1e-7);
  });

  for (const normalize of ['group-std', 'batch-std'] as const) {
    it(`${normalize}: A / sqrt(var + 1e-6), bounded by 2e-3, reference and tensor`, () => {
      const params = { ...none, normalize };
      const want =
        normalize === 'group-std' ? [...scaled(raw.slice(0, 6), 1e-6), ...scaled(raw.slice(6), 1e-6)] : scaled(raw, 1e-6);
      const ref = lambdaPoReference(rewards, scores, groupIndex, 2, params).advantages;
      ref.forEach((a, i) => expect(a).toBeCloseTo(want[i] as number, 12));
      expect(maxAbs(ref)).toBeLessThan(2e-3);
      // the old `std + eps` divisor would have given order-1 advantages here
      const std = Math.sqrt(raw.slice(0, 6).reduce((a, x) => a + x * x, 0) / 5);
      expect(maxAbs(raw.slice(0, 6)) / (std + 1e-6)).toBeGreaterThan(0.3);
      const tensor = lambdaPoTensor(rewards, scores, groupIndex, 2, params).advantages;
      tensor.forEach((a, i) => expect(Math.abs(a - (want[i] as number)), `row ${i}`).toBeLessThan(1e-5));
      expect(maxAbs(tensor)).toBeLessThan(2e-3);
    });
  }
});
