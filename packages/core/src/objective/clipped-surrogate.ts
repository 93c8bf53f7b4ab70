import {
  cast,
  clipByValue,
  div,
  exp,
  expandDims,
  greater,
  less,
  logicalAnd,
  maximum,
  minimum,
  mul,
  neg,
  onesLike,
  sub,
  sum,
  type Tensor2D,
  tidy,
  where,
} from '@tensorflow/tfjs-core';

/** Which importance ratio the surrogate clips. */
export const RATIO_KINDS = ['token', 'sequence'] as const;

export type RatioKind = (typeof RATIO_KINDS)[number];

/** Bound on the (token or sequence) log-ratio before `exp`, for numerical safety. */
export const LOG_RATIO_BOUND = 20;

/** Options of the clipped surrogate. */
export interface SurrogateOptions {
  /**
   * `token`: `rho_it = exp(log pi_theta - log pi_old)` per token (PPO/GRPO/DAPO).
   * `sequence`: `s_i = exp(mean_t (log pi_theta - log pi_old))` over row i's trained tokens,
   * shared by all its tokens (GSPO).
   */
  readonly ratio: RatioKind;
  /** Lower clip width: the ratio is clipped below at `1 - epsLow`. */
  readonly epsLow: number;
  /** Upper clip width: the ratio is clipped above at `1 + epsHigh`. */
  readonly epsHigh: number;
  /** Dual-clip constant `c > 1` bounding the loss of negative-advantage tokens at `-c * A`; 0 = off. */
  readonly dualClip: number;
}

/** Per-token pieces of the surrogate, all `[B, T]` and 0 at masked positions (except `ratio`). */
export interface SurrogateTerms {
  /**
   * Per-token loss to minimise: `max(-A * r, -A * clip(r, 1 - epsLow, 1 + epsHigh))`, and with
   * dual clip, for `A < 0`, `min(that, -c * A)`. Multiplied by the mask.
   */
  readonly tokenLoss: Tensor2D;
  /** The ratio in use (`rho_it`, or `s_i` broadcast over the row). */
  readonly ratio: Tensor2D;
  /** 1 where the lower clip binds (`A < 0`, `r < 1 - epsLow`): zero gradient. */
  readonly clippedLow: Tensor2D;
  /** 1 where the upper clip binds (`A > 0`, `r > 1 + epsHigh`): zero gradient. */
  readonly clippedHigh: Tensor2D;
  /** 1 where the dual-clip bound binds (`A < 0`, `r > c` roughly): zero gradient. */
  readonly dualClipped: Tensor2D;
}

/**
 * PPO clipped surrogate as a per-token loss (sign: a loss to minimise, i.e. the negated
 * objective). Inputs must already be 0 at masked positions.
 *
 * @param logProbs `[B, T]` log pi_theta (differentiable).
 * @param oldLogProbs `[B, T]` log pi_old (constant).
 * @param advantages `[B, T]` advantages broadcast to tokens.
 * @param mask `[B, T]` 1 = trained token.
 */
export function clippedSurrogate(
  logProbs: Tensor2D,
  oldLogProbs: Tensor2D,
  advantages: Tensor2D,
  mask: Tensor2D,
  options: SurrogateOptions,
): SurrogateTerms {
  return tidy(() => {
    const tokenLogRatio: Tensor2D = mul(sub(logProbs, oldLogProbs), mask);
    let logRatio: Tensor2D;
    if (options.ratio === 'token') {
      logRatio = clipByValue(tokenLogRatio, -LOG_RATIO_BOUND, LOG_RATIO_BOUND);
    } else {
      const seq = div(sum(tokenLogRatio, 1), maximum(sum(mask, 1), 1));
      const bounded = clipByValue(seq, -LOG_RATIO_BOUND, LOG_RATIO_BOUND);
      logRatio = mul(expandDims(bounded, 1), onesLike(mask));
    }
    const ratio = exp(logRatio);
    const negAdv = neg(advantages);
    const unclipped = mul(negAdv, ratio);
    const clipped = mul(negAdv, clipByValue(ratio, 1 - options.epsLow, 1 + options.epsHigh));
    let loss: Tensor2D = maximum(unclipped, clipped);
    const clipActive = greater(clipped, unclipped);
    const isNeg = less(advantages, 0);
    const toMask = (b: Tensor2D): Tensor2D => mul(cast(b, 'float32'), mask);
    let dualClipped: Tensor2D = mul(mask, 0);
    if (options.dualClip > 0) {
      const bound = mul(negAdv, options.dualClip);
      dualClipped = toMask(logicalAnd(isNeg, greater(loss, bound)));
      loss = where(isNeg, minimum<Tensor2D>(loss, bound), loss);
    }
    return {
      tokenLoss: mul<Tensor2D>(loss, mask),
      ratio,
      clippedLow: toMask(logicalAnd(clipActive, isNeg)),
      clippedHigh: toMask(logicalAnd(clipActive, greater(advantages, 0))),
      dualClipped,
    };
  });
}
