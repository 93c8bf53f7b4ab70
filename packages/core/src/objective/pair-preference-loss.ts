import * as tf from '@tensorflow/tfjs-core';

/** How a sequence's log-likelihood is formed from its trained tokens' log-probs. */
export const SEQUENCE_LOG_PROB_NORMS = ['mean', 'sum'] as const;
export type SequenceLogProbNorm = (typeof SEQUENCE_LOG_PROB_NORMS)[number];

/** Settings of the DPO-style pair loss (MulFeRL's FCO, arXiv 2601.22900, uses tau 0.005, margin 0, mean). */
export interface PairPreferenceOptions {
  /** Inverse temperature tau on the margin (> 0). */
  readonly tau: number;
  /** Margin m subtracted from Delta before the sigmoid. */
  readonly margin: number;
  /** `mean`: ell = masked mean log-prob (length-normalised); `sum`: masked sum. */
  readonly norm: SequenceLogProbNorm;
  /** lambda, multiplying `loss` (default 1; `unweighted` is the loss before it). */
  readonly weight?: number;
}

/** Row indices of pairs in the `[B, T]` tensors. */
export interface PairRows {
  readonly chosen: readonly number[];
  readonly rejected: readonly number[];
}

/** The (unweighted) pair loss and its diagnostics, all scalars; the caller owns them. */
export interface PairPreferenceTensors {
  /** `lambda * -mean_p log sigmoid(tau (Delta_p - m))`; 0 without pairs. */
  readonly loss: tf.Scalar;
  /** The loss before the weight. */
  readonly unweighted: tf.Scalar;
  /** Number of pairs P. */
  readonly pairs: tf.Scalar;
  /** Mean Delta over pairs (0 without pairs). */
  readonly deltaMean: tf.Scalar;
  /** Fraction of pairs with Delta > m. */
  readonly accuracy: tf.Scalar;
}

/**
 * DPO-style preference loss over sequence log-likelihoods against a reference policy:
 * `ell(o) = Σ_t mask_t log pi(o_t) [/ Σ_t mask_t]`, `Delta = [ell_theta(c) - ell_ref(c)] -
 * [ell_theta(r) - ell_ref(r)]`, `L = -mean_p log sigmoid(tau (Delta - m))`. Plain-array twin:
 * `pairPreferenceLossReference`.
 *
 * @param logProbs `[B, T]` current log-probs (differentiable).
 * @param refLogProbs `[B, T]` reference log-probs (constant).
 * @param mask `[B, T]` 1 = token counts toward ell.
 */
export function pairPreferenceLoss(
  logProbs: tf.Tensor2D,
  refLogProbs: tf.Tensor2D,
  mask: tf.Tensor2D,
  pairs: PairRows,
  options: PairPreferenceOptions,
): PairPreferenceTensors {
  if (pairs.chosen.length !== pairs.rejected.length) throw new Error('pairPreferenceLoss: chosen and rejected differ in length');
  return tf.tidy(() => {
    const weight = options.weight ?? 1;
    const P = pairs.chosen.length;
    if (P === 0) {
      return {
        loss: tf.scalar(0),
        unweighted: tf.scalar(0),
        pairs: tf.scalar(0),
        deltaMean: tf.scalar(0),
        accuracy: tf.scalar(0),
      };
    }
    const denom = options.norm === 'mean' ? tf.maximum(tf.sum(mask, 1), 1) : tf.onesLike(tf.sum(mask, 1));
    const ratio = tf.div(tf.sum(tf.mul(tf.sub(logProbs, refLogProbs), mask), 1), denom) as tf.Tensor1D;
    // Delta as a [P, B] selection matmul (+1 at chosen, -1 at rejected), not a gather: the wasm
    // backend has no UnsortedSegmentSum, the kernel of gather's gradient, so a gather here
    // crashed the first update that had a pair ("Kernel 'UnsortedSegmentSum' not registered").
    const B = ratio.shape[0];
    for (const i of [...pairs.chosen, ...pairs.rejected]) {
      if (!Number.isInteger(i) || i < 0 || i >= B)
        throw new Error(`pairPreferenceLoss: pair row ${i} is not a row of the ${B}-row batch`);
    }
    const select = new Float32Array(P * B);
    for (let p = 0; p < P; p++) {
      const c = p * B + (pairs.chosen[p] as number);
      const r = p * B + (pairs.rejected[p] as number);
      select[c] = (select[c] as number) + 1;
      select[r] = (select[r] as number) - 1;
    }
    const delta = tf.reshape(tf.matMul(tf.tensor2d(select, [P, B]), tf.reshape(ratio, [B, 1])), [P]) as tf.Tensor1D;
    const shifted = tf.sub(delta, options.margin);
    // -log sigmoid(x) = softplus(-x); tf.logSigmoid's custom gradient breaks inside a tidy.
    const unweighted = tf.mean(tf.softplus(tf.neg(tf.mul(shifted, options.tau)))) as tf.Scalar;
    return {
      loss: tf.mul(unweighted, weight) as tf.Scalar,
      unweighted,
      pairs: tf.scalar(P),
      deltaMean: tf.mean(delta) as tf.Scalar,
      accuracy: tf.mean(tf.cast(tf.greater(shifted, 0), 'float32')) as tf.Scalar,
    };
  });
}
