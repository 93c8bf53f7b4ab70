import {
  add,
  exp,
  greater,
  max,
  min,
  mul,
  type Scalar,
  scalar,
  sub,
  sum,
  type Tensor2D,
  tidy,
  where,
  zerosLike,
} from '@tensorflow/tfjs-core';
import type { LossWithMetrics } from '../policy/policy';
import { type AggregationMode, aggregateTokens, maskedMean } from './aggregation';
import { clippedSurrogate, type SurrogateOptions } from './clipped-surrogate';
import { type KlEstimator, klPerToken } from './kl-estimators';
import type { ObjectiveInput } from './policy-objective';

/** A KL-to-reference penalty added to the loss. */
export interface KlLossOptions {
  readonly estimator: KlEstimator;
  /** beta: the loss gains `beta * agg(KL_t)`. */
  readonly coef: number;
  /** Optional clamp of the per-token estimate (see `klPerToken`). */
  readonly clamp?: number;
}

/** Everything `policyLoss` needs besides the tensors. */
export interface PolicyLossOptions extends SurrogateOptions {
  readonly aggregation: AggregationMode;
  /** `T_max` (tokens) for `seq-mean-token-sum-norm`; default: the padded width `T`. */
  readonly maxLength?: number;
  /** KL penalty in the loss (needs `refLogProbs`); absent = none. */
  readonly kl?: KlLossOptions;
  /** Entropy bonus: the loss gains `-entropyCoef * agg(entropy)`; needs `input.entropy` when > 0. */
  readonly entropyCoef: number;
}

/**
 * The shared policy-gradient loss for one minibatch:
 * `loss = agg(l_clip) + beta * agg(KL_t) - entropyCoef * agg(H_t)` with every `agg` the same
 * aggregation mode. Tensors at masked positions are ignored (replaced by 0 before any op, so
 * `-Infinity` padding cannot leak NaN into gradients).
 *
 * Metrics (scalars, owned by the caller):
 * - `pg_loss`: `agg(l_clip)`;
 * - `clip_frac`, `clip_frac_low`, `clip_frac_high`: fraction of trained tokens where the clip
 *   binds (either side / the `1 - epsLow` side with A < 0 / the `1 + epsHigh` side with A > 0);
 * - `dual_clip_frac` (dual clip on): fraction of trained tokens bounded by `-c * A`;
 * - `approx_kl`: mean over trained tokens of `k3` of the policy change,
 *   `exp(y) - y - 1` with `y = log pi_theta - log pi_old`, which estimates `KL(pi_old || pi_theta)`
 *   on samples from `pi_old` (non-negative, about `0.5 * mean(y^2)` for small changes);
 * - `ratio_mean`, `ratio_min`, `ratio_max`: over trained tokens, of the ratio in use (1 if none);
 * - `kl`: `agg(KL_t)` with the configured estimator (k3 for monitoring when no KL is in the loss
 *   but `refLogProbs` are given); so `loss = pg_loss + beta * kl - entropyCoef * entropy`;
 * - `entropy`: `agg(H_t)` when `input.entropy` is given.
 */
export function policyLoss(input: ObjectiveInput, options: PolicyLossOptions): LossWithMetrics {
  if (options.kl && !input.refLogProbs) {
    throw new Error('policyLoss: a KL term is in the loss but no refLogProbs were given (the objective requires refLogProbs)');
  }
  if (options.entropyCoef > 0 && !input.entropy) {
    throw new Error(`policyLoss: entropyCoef is ${options.entropyCoef} but the trainer supplied no per-token entropy`);
  }
  const out = tidy(() => {
    const mask = input.mask;
    const trained = greater(mask, 0);
    const clean = (t: Tensor2D) => where(trained, t, zerosLike(t));
    const logProbs = clean(input.logProbs);
    const oldLogProbs = clean(input.oldLogProbs);
    const agg = (t: Tensor2D) => aggregateTokens(t, mask, options.aggregation, options.maxLength);

    const terms = clippedSurrogate(logProbs, oldLogProbs, clean(input.advantages), mask, options);
    const pgLoss = agg(terms.tokenLoss);
    let loss: Scalar = pgLoss;
    const metrics: Record<string, Scalar> = { pg_loss: pgLoss };

    const lowFrac = maskedMean(terms.clippedLow, mask);
    const highFrac = maskedMean(terms.clippedHigh, mask);
    metrics.clip_frac = add(lowFrac, highFrac);
    metrics.clip_frac_low = lowFrac;
    metrics.clip_frac_high = highFrac;
    if (options.dualClip > 0) metrics.dual_clip_frac = maskedMean(terms.dualClipped, mask);

    const y = sub(logProbs, oldLogProbs);
    metrics.approx_kl = maskedMean(sub(sub(exp(y), y), 1), mask);
    const anyTrained = greater(sum(mask), 0);
    const big = scalar(Number.MAX_VALUE);
    metrics.ratio_mean = where(anyTrained, maskedMean(terms.ratio, mask), scalar(1));
    metrics.ratio_min = where(anyTrained, min<Scalar>(where(trained, terms.ratio, add(zerosLike(mask), big))), scalar(1));
    metrics.ratio_max = where(anyTrained, max<Scalar>(where(trained, terms.ratio, sub(zerosLike(mask), big))), scalar(1));

    if (input.refLogProbs) {
      const kl = options.kl ?? { estimator: 'k3' as const, coef: 0 };
      const klValue = agg(klPerToken(logProbs, clean(input.refLogProbs), kl.estimator, kl.clamp));
      metrics.kl = klValue;
      if (options.kl) loss = add(loss, mul(klValue, options.kl.coef));
    }
    if (input.entropy) {
      const entropy = agg(clean(input.entropy));
      metrics.entropy = entropy;
      if (options.entropyCoef > 0) loss = sub(loss, mul(entropy, options.entropyCoef));
    }
    return { loss, metrics };
  });
  return out as LossWithMetrics;
}
