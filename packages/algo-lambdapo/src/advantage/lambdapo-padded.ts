import * as tf from '@tensorflow/tfjs-core';
import type { LambdaPoParams } from './lambdapo-options';

/** Tensor outputs of `lambdaPoPadded`. */
export interface LambdaPoPaddedOutput {
  /** `[numGroups, Gmax]` advantages; 0 at padded slots and in groups of one. */
  readonly advantages: tf.Tensor2D;
  /** Scalar: number of decisive pairs (same group, r_i > r_j). */
  readonly pairs: tf.Scalar;
  /** Scalar: sum of `w_ij` over decisive pairs. */
  readonly weightSum: tf.Scalar;
  /** Scalar: decisive pairs where the old policy scores the better response higher. */
  readonly agree: tf.Scalar;
}

/**
 * `sqrt(var + eps)` with the unbiased variance along `axis` over masked entries (variance 0 when
 * fewer than two), keeping dims: epsilon on the variance, as verl / OpenRLHF whiten.
 */
function maskedScale(x: tf.Tensor, mask: tf.Tensor, eps: number, axis?: number): tf.Tensor {
  const keep = axis !== undefined;
  const count = tf.sum(mask, axis, keep);
  const mean = tf.div(tf.sum(tf.mul(x, mask), axis, keep), tf.maximum(count, 1));
  const sq = tf.sum(tf.mul(tf.square(tf.sub(x, mean)), mask), axis, keep);
  return tf.sqrt(tf.add(tf.div(sq, tf.maximum(tf.sub(count, 1), 1)), eps));
}

/**
 * LambdaPO on padded groups, vectorised as `[numGroups, Gmax, Gmax]` pair tensors (no per-pair
 * loop): `A_i = 1/(G_g - 1) sum_j mask_j (r_i - r_j) w_ij`, then the optional normalisation.
 * Call inside `tf.tidy` (intermediates are not disposed here).
 *
 * @param rewards `[numGroups, Gmax]` rewards (any per-group offset cancels; centre them for precision).
 * @param scores `[numGroups, Gmax]` finite old-policy sequence scores (per-group offset cancels).
 * @param mask `[numGroups, Gmax]` 1 for a real rollout, 0 for padding.
 */
export function lambdaPoPadded(
  rewards: tf.Tensor2D,
  scores: tf.Tensor2D,
  mask: tf.Tensor2D,
  params: LambdaPoParams,
): LambdaPoPaddedOutput {
  const dr = tf.sub(tf.expandDims(rewards, 2), tf.expandDims(rewards, 1));
  const ds = tf.sub(tf.expandDims(scores, 2), tf.expandDims(scores, 1));
  const pairMask = tf.mul(tf.expandDims(mask, 2), tf.expandDims(mask, 1));
  const direction = (params.weightMode === 'attenuate' ? -1 : 1) / params.tau;
  const w = tf.sigmoid(tf.mul(tf.mul(tf.sign(dr), ds), direction));
  const summed = tf.sum(tf.mul(tf.mul(dr, w), pairMask), 2);
  const size = tf.sum(mask, 1, true);
  let advantages: tf.Tensor = tf.div(summed, tf.maximum(tf.sub(size, 1), 1));
  if (params.normalize === 'group-std') {
    advantages = tf.div(advantages, maskedScale(advantages, mask, params.eps, 1));
  } else if (params.normalize === 'batch-std') {
    advantages = tf.div(advantages, maskedScale(advantages, mask, params.eps));
  }
  const decisive = tf.mul(tf.cast(tf.greater(dr, 0), 'float32'), pairMask);
  return {
    advantages: tf.mul(advantages, mask) as tf.Tensor2D,
    pairs: tf.sum(decisive),
    weightSum: tf.sum(tf.mul(w, decisive)),
    agree: tf.sum(tf.mul(decisive, tf.cast(tf.greater(ds, 0), 'float32'))),
  };
}
