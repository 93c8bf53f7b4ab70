import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairPreferenceLoss } from './pair-preference-loss';
import { pairPreferenceLossReference } from './pair-preference-reference';

// The wasm backend (the default policy's) lacks kernels the cpu backend has; the pair loss once
// used gather, whose gradient (UnsortedSegmentSum) wasm does not have, and crashed the first
// multi-turn update that formed a pair. This runs the loss and its gradient on wasm itself.
let previous = '';
beforeAll(async () => {
  previous = tf.getBackend();
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
  await tf.setBackend('wasm');
});
afterAll(async () => {
  if (previous) await tf.setBackend(previous);
});

describe('pairPreferenceLoss on the wasm backend', () => {
  it('computes the loss and its gradient, equal to the plain-array reference', () => {
    const input = {
      logProbs: [
        [-1, -2, -0.5],
        [-3, -1, -2],
        [-0.7, -0.2, -1.1],
      ],
      refLogProbs: [
        [-1.5, -2.5, -0.5],
        [-2, -1, -1],
        [-0.9, -0.3, -1],
      ],
      mask: [
        [1, 1, 0],
        [1, 0, 1],
        [1, 1, 1],
      ],
    };
    const pairs = { chosen: [0, 2], rejected: [1, 1] };
    const options = { tau: 0.5, margin: 0.1, norm: 'mean' as const, weight: 0.3 };
    expect(tf.getBackend()).toBe('wasm');
    const got = tf.tidy(() => {
      const ref = tf.tensor2d(input.refLogProbs);
      const mask = tf.tensor2d(input.mask);
      const { value, grad } = tf.valueAndGrad((lp: tf.Tensor2D) => pairPreferenceLoss(lp, ref, mask, pairs, options).loss)(
        tf.tensor2d(input.logProbs),
      );
      return { loss: value.dataSync()[0] as number, gradient: grad.arraySync() as number[][] };
    });
    const want = pairPreferenceLossReference(input, pairs, options);
    expect(got.loss).toBeCloseTo(want.loss, 6);
    want.gradient.forEach((row, i) => row.forEach((g, t) => expect(got.gradient[i]?.[t]).toBeCloseTo(g, 6)));
    const tensors = [tf.tensor2d(input.logProbs), tf.tensor2d(input.refLogProbs), tf.tensor2d(input.mask)] as const;
    expect(() => pairPreferenceLoss(...tensors, { chosen: [3], rejected: [0] }, options)).toThrow(
      /pair row 3 is not a row of the 3-row batch/,
    );
    tf.dispose([...tensors]);
  });
});
