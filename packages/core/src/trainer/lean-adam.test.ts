import '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng/rng';
import { LeanAdamOptimizer } from './lean-adam';

const require = createRequire(import.meta.url);

function variables(seed: number, prefix: string): tf.Variable[] {
  const rng = Rng.fromSeed(seed);
  return [[40, 30], [7], [300, 11]].map((shape, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tf.variable(
      tf.tensor(
        Float32Array.from({ length: n }, () => rng.normal()),
        shape,
      ),
      true,
      `${prefix}-${i}`,
    );
  });
}

/** Gradients as `applyGradients` takes them (typed as variables by tfjs; plain tensors work). */
function grads(vars: tf.Variable[], step: number): Record<string, tf.Variable> {
  const rng = Rng.fromSeed(100 + step);
  const out: Record<string, tf.Tensor> = {};
  for (const v of vars)
    out[v.name] = tf.tensor(
      Float32Array.from({ length: v.size }, () => rng.normal() * 3),
      v.shape,
    );
  return out as unknown as Record<string, tf.Variable>;
}

describe.each(['cpu', 'wasm'])('LeanAdamOptimizer on %s', (backend) => {
  beforeAll(async () => {
    if (backend === 'wasm')
      setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
    await tf.setBackend(backend);
  });

  it("gives tfjs Adam's numbers exactly, in the tensor path and the JS path, with flat numTensors", async () => {
    const a = variables(1, `adam-${backend}`);
    const b = variables(1, `lean-${backend}`);
    const reference = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
    // Threshold 100: the [40, 30] and [300, 11] variables take the JS path, [7] the tensor path.
    const lean = new LeanAdamOptimizer(0.01, 0.9, 0.999, 1e-8, 100);
    let before = 0;
    for (let step = 0; step < 6; step++) {
      const lr = 0.01 * (1 - step / 10);
      (reference as unknown as { learningRate: number }).learningRate = lr;
      (lean as unknown as { learningRate: number }).learningRate = lr;
      const ga = grads(a, step);
      const gb = grads(b, step);
      reference.applyGradients(ga);
      lean.applyGradients(gb);
      tf.dispose([...Object.values(ga), ...Object.values(gb)]);
      if (step === 1) before = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(before);
    a.forEach((v, i) => expect(Array.from((b[i] as tf.Variable).dataSync())).toEqual(Array.from(v.dataSync())));
    const [wa, wb] = [await reference.getWeights(), await lean.getWeights()];
    expect(wb.map((w) => w.name)).toEqual(wa.map((w) => w.name.replace(`adam-${backend}-`, `lean-${backend}-`)));
    wa.forEach((w, i) =>
      expect(Array.from((wb[i] as { tensor: tf.Tensor }).tensor.dataSync())).toEqual(Array.from(w.tensor.dataSync())),
    );
    expect(lean.iterations).toBe(6);
    reference.dispose();
    lean.dispose();
    tf.dispose([...a, ...b]);
  });
});
