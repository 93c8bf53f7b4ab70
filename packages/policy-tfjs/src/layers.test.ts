import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './init-backend';
import { gelu } from './layers';

beforeAll(async () => {
  await initBackend('wasm');
});

/** PyTorch's `gelu(x, approximate='tanh')`, written out with tanh, differentiated by tfjs. */
function referenceGelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

function expectClose(actual: tf.Tensor, expected: Float32Array): void {
  const got = actual.dataSync();
  got.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 5));
}

describe('gelu', () => {
  const values = [-9, -4, -2.5, -1, -0.3, 0, 0.01, 0.7, 1.5, 3, 8];
  const x = () => tf.tensor2d(values.concat(values.map((v) => v / 3)), [2, values.length]);

  it('matches the tanh formula, with and without a gradient tape', () => {
    const input = x();
    const expected = referenceGelu(input).dataSync() as Float32Array;
    const plain = gelu(input);
    expectClose(plain, expected);
    const taped = tf.grad((t: tf.Tensor) => {
      const y = gelu(t);
      expectClose(y, expected);
      return tf.sum(y);
    });
    tf.dispose([taped(input), plain, input]);
  });

  it('hand-written gradient equals autodiff of the tanh formula', () => {
    const input = x();
    const upstream = tf.randomNormal(input.shape, 0, 1, 'float32', 3);
    const mine = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gelu(t), upstream)))(input);
    const ref = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(referenceGelu(t), upstream)))(input);
    const diff = tf.max(tf.abs(tf.sub(mine, ref))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([input, upstream, mine, ref]);
  });

  it('keeps numTensors flat across taped calls', () => {
    const input = x();
    const step = () => tf.dispose(tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(input));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
  });
});
