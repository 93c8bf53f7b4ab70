import type { AggregationMode } from './aggregation';
import { LOG_RATIO_BOUND, type SurrogateOptions } from './clipped-surrogate';
import { KL_LOG_RATIO_BOUND, type KlEstimator } from './kl-estimators';
import type { PolicyLossOptions } from './policy-loss';

type Matrix = readonly (readonly number[])[];

/** Plain-array counterpart of `ObjectiveInput` (rows may have any equal-or-shorter lengths). */
export interface PlainObjectiveInput {
  readonly logProbs: Matrix;
  readonly oldLogProbs: Matrix;
  readonly refLogProbs?: Matrix;
  readonly advantages: Matrix;
  readonly mask: Matrix;
  readonly entropy?: Matrix;
}

/** Plain-array result of `policyLossReference`. */
export interface PlainLoss {
  readonly loss: number;
  readonly metrics: Record<string, number>;
}

const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const at = (m: Matrix, i: number, t: number) => m[i]?.[t] ?? 0;
const on = (mask: Matrix, i: number, t: number) => at(mask, i, t) > 0;
const mapTokens = (mask: Matrix, f: (i: number, t: number) => number): number[][] =>
  mask.map((row, i) => row.map((_, t) => (on(mask, i, t) ? f(i, t) : 0)));

/** Reference of `aggregateTokens` (see `AGGREGATION_MODES` for the formulas). */
export function aggregateTokensReference(values: Matrix, mask: Matrix, mode: AggregationMode, maxLength?: number): number {
  let total = 0;
  let count = 0;
  let rows = 0;
  let rowMeans = 0;
  let width = 0;
  mask.forEach((row, i) => {
    width = Math.max(width, row.length);
    let s = 0;
    let c = 0;
    row.forEach((_, t) => {
      if (!on(mask, i, t)) return;
      s += at(values, i, t);
      c++;
    });
    total += s;
    count += c;
    if (c > 0) {
      rows++;
      rowMeans += s / c;
    }
  });
  const n = Math.max(rows, 1);
  switch (mode) {
    case 'token-mean':
      return total / Math.max(count, 1);
    case 'seq-mean-token-mean':
      return rowMeans / n;
    case 'seq-mean-token-sum':
      return total / n;
    case 'seq-mean-token-sum-norm':
      return total / (n * Math.max(maxLength ?? width, 1));
  }
}

/** Reference of `klPerToken` for one token: `x = refLogProb - logProb`. */
export function klTokenReference(logProb: number, refLogProb: number, estimator: KlEstimator, clamp?: number): number {
  let x = refLogProb - logProb;
  if (clamp !== undefined) x = clip(x, -KL_LOG_RATIO_BOUND, KL_LOG_RATIO_BOUND);
  const k = estimator === 'k1' ? -x : estimator === 'k2' ? (x * x) / 2 : Math.exp(x) - x - 1;
  return clamp === undefined ? k : clip(k, -clamp, clamp);
}

/** Reference of `clippedSurrogate`: per-token loss, ratio and clip indicators (0 at masked tokens). */
export function clippedSurrogateReference(
  logProbs: Matrix,
  oldLogProbs: Matrix,
  advantages: Matrix,
  mask: Matrix,
  options: SurrogateOptions,
): { tokenLoss: number[][]; ratio: number[][]; clippedLow: number[][]; clippedHigh: number[][]; dualClipped: number[][] } {
  const seqRatio = mask.map((row, i) => {
    let s = 0;
    let c = 0;
    row.forEach((_, t) => {
      if (!on(mask, i, t)) return;
      s += at(logProbs, i, t) - at(oldLogProbs, i, t);
      c++;
    });
    return Math.exp(clip(s / Math.max(c, 1), -LOG_RATIO_BOUND, LOG_RATIO_BOUND));
  });
  const ratioAt = (i: number, t: number) =>
    options.ratio === 'sequence'
      ? (seqRatio[i] ?? 1)
      : Math.exp(clip(at(logProbs, i, t) - at(oldLogProbs, i, t), -LOG_RATIO_BOUND, LOG_RATIO_BOUND));
  const parts = (i: number, t: number) => {
    const a = at(advantages, i, t);
    const r = ratioAt(i, t);
    const unclipped = -a * r;
    const clipped = -a * clip(r, 1 - options.epsLow, 1 + options.epsHigh);
    const base = Math.max(unclipped, clipped);
    const bound = -a * options.dualClip;
    const dual = options.dualClip > 0 && a < 0 && base > bound;
    return { a, loss: dual ? bound : base, active: clipped > unclipped, dual };
  };
  return {
    tokenLoss: mapTokens(mask, (i, t) => parts(i, t).loss),
    ratio: mask.map((row, i) => row.map((_, t) => (on(mask, i, t) ? ratioAt(i, t) : 1))),
    clippedLow: mapTokens(mask, (i, t) => {
      const p = parts(i, t);
      return p.active && p.a < 0 ? 1 : 0;
    }),
    clippedHigh: mapTokens(mask, (i, t) => {
      const p = parts(i, t);
      return p.active && p.a > 0 ? 1 : 0;
    }),
    dualClipped: mapTokens(mask, (i, t) => (parts(i, t).dual ? 1 : 0)),
  };
}

/** Reference of `policyLoss`, in float64, with the same metrics. */
export function policyLossReference(input: PlainObjectiveInput, options: PolicyLossOptions): PlainLoss {
  const { mask } = input;
  const agg = (m: Matrix) => aggregateTokensReference(m, mask, options.aggregation, options.maxLength);
  const mean = (m: Matrix) => aggregateTokensReference(m, mask, 'token-mean');
  const terms = clippedSurrogateReference(input.logProbs, input.oldLogProbs, input.advantages, mask, options);
  const pgLoss = agg(terms.tokenLoss);
  let loss = pgLoss;
  const low = mean(terms.clippedLow);
  const high = mean(terms.clippedHigh);
  const metrics: Record<string, number> = { pg_loss: pgLoss, clip_frac: low + high, clip_frac_low: low, clip_frac_high: high };
  if (options.dualClip > 0) metrics.dual_clip_frac = mean(terms.dualClipped);
  metrics.approx_kl = mean(
    mapTokens(mask, (i, t) => {
      const y = at(input.logProbs, i, t) - at(input.oldLogProbs, i, t);
      return Math.exp(y) - y - 1;
    }),
  );
  const ratios = terms.ratio.flatMap((row, i) => row.filter((_, t) => on(mask, i, t)));
  metrics.ratio_mean = ratios.length ? ratios.reduce((a, b) => a + b, 0) / ratios.length : 1;
  metrics.ratio_min = ratios.length ? Math.min(...ratios) : 1;
  metrics.ratio_max = ratios.length ? Math.max(...ratios) : 1;
  const ref = input.refLogProbs;
  if (ref) {
    const kl = options.kl ?? { estimator: 'k3' as const, coef: 0 };
    metrics.kl = agg(
      mapTokens(mask, (i, t) => klTokenReference(at(input.logProbs, i, t), at(ref, i, t), kl.estimator, kl.clamp)),
    );
    if (options.kl) loss += options.kl.coef * metrics.kl;
  }
  if (input.entropy) {
    metrics.entropy = agg(input.entropy);
    loss -= options.entropyCoef * metrics.entropy;
  }
  return { loss, metrics };
}
