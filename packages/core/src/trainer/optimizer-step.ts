import * as tf from '@tensorflow/tfjs-core';

/** Outcome of one optimizer step. */
export interface OptimizerStepResult {
  /** Global L2 norm of the gradients before clipping. */
  readonly gradNorm: number;
  /** False when the norm was NaN/Inf: nothing was applied. */
  readonly applied: boolean;
}

/**
 * Clip gradients to `maxNorm` by global L2 norm (0 = no clipping) and apply them, unless the norm
 * is not finite. Disposes `grads`.
 */
export function clipAndApply(optimizer: tf.Optimizer, grads: tf.NamedTensorMap, maxNorm: number): OptimizerStepResult {
  const list = Object.values(grads);
  try {
    const normT = tf.tidy(() => tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))));
    const gradNorm = (normT.dataSync()[0] as number) ?? Number.NaN;
    normT.dispose();
    if (!Number.isFinite(gradNorm)) return { gradNorm, applied: false };
    if (maxNorm > 0 && gradNorm > maxNorm) {
      const scale = maxNorm / gradNorm;
      const scaled = tf.tidy(() => {
        const out: tf.NamedTensorMap = {};
        for (const [k, g] of Object.entries(grads)) out[k] = tf.mul(g, scale);
        return out;
      });
      optimizer.applyGradients(scaled);
      tf.dispose(Object.values(scaled));
    } else {
      optimizer.applyGradients(grads);
    }
    return { gradNorm, applied: true };
  } finally {
    tf.dispose(list);
  }
}
