import * as tf from '@tensorflow/tfjs-core';
import type { Policy } from '../policy/policy';

function allFinite(tensors: readonly tf.Tensor[]): boolean {
  const floats = tensors.filter((t) => t.dtype === 'float32');
  if (floats.length === 0) return true;
  return tf.tidy(
    () =>
      tf
        .stack(floats.map((t) => tf.all(tf.isFinite(t))))
        .all()
        .dataSync()[0] === 1,
  );
}

/**
 * What in the training state holds NaN or Inf: `'policy weights'`, `'optimizer state'`, or
 * undefined when everything is finite. One reduction per tensor list (the weights stay on device),
 * so it is cheap enough to run at every checkpoint and resume.
 */
export async function nonFiniteState(policy: Policy, optimizer?: tf.Optimizer): Promise<string | undefined> {
  if (!allFinite(policy.trainableVariables())) return 'policy weights';
  if (!optimizer) return undefined;
  const weights = await optimizer.getWeights();
  try {
    // Slot tensors are the optimizer's own variables; only the `iter` entry is a fresh tensor.
    if (!allFinite(weights.filter((w) => w.name !== 'iter').map((w) => w.tensor))) return 'optimizer state';
  } finally {
    for (const w of weights) if (w.name === 'iter') w.tensor.dispose();
  }
  return undefined;
}
