import type { PairPreferenceOptions, PairRows } from './pair-preference-loss';

/** Plain-array inputs of {@link pairPreferenceLossReference}: rows of per-token values. */
export interface PlainPairInput {
  readonly logProbs: readonly (readonly number[])[];
  readonly refLogProbs: readonly (readonly number[])[];
  readonly mask: readonly (readonly number[])[];
}

/** The reference's outputs, including the analytic gradient of `loss` w.r.t. `logProbs`. */
export interface PlainPairLoss {
  /** Weighted loss (`options.weight`, default 1). */
  readonly loss: number;
  readonly unweighted: number;
  readonly deltas: number[];
  readonly deltaMean: number;
  readonly accuracy: number;
  /** `d loss / d logProbs[i][t]`, same shape as `logProbs`. */
  readonly gradient: number[][];
}

const logSigmoid = (x: number) => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * Plain-array reference of `pairPreferenceLoss` (same formula, one pair at a time), with the
 * gradient written out: `dL/dDelta_p = -lambda tau sigmoid(-tau (Delta_p - m)) / P`, and
 * `dDelta_p/dlogProbs[c][t] = mask[c][t] / n_c`, `dDelta_p/dlogProbs[r][t] = -mask[r][t] / n_r`
 * (`n` the trained-token count for `mean`, 1 for `sum`).
 */
export function pairPreferenceLossReference(
  input: PlainPairInput,
  pairs: PairRows,
  options: PairPreferenceOptions,
): PlainPairLoss {
  const norm = input.mask.map((row) =>
    options.norm === 'mean'
      ? Math.max(
          1,
          row.reduce((a, b) => a + b, 0),
        )
      : 1,
  );
  const ratio = input.logProbs.map(
    (row, i) =>
      row.reduce((a, lp, t) => a + (lp - (input.refLogProbs[i]?.[t] ?? 0)) * (input.mask[i]?.[t] ?? 0), 0) / (norm[i] as number),
  );
  const gradient = input.logProbs.map((row) => row.map(() => 0));
  const P = pairs.chosen.length;
  const deltas: number[] = [];
  let loss = 0;
  let wins = 0;
  for (let p = 0; p < P; p++) {
    const c = pairs.chosen[p] as number;
    const r = pairs.rejected[p] as number;
    const delta = (ratio[c] as number) - (ratio[r] as number);
    deltas.push(delta);
    const x = options.tau * (delta - options.margin);
    loss -= logSigmoid(x) / P;
    if (delta - options.margin > 0) wins++;
    const dDelta = (-(options.weight ?? 1) * options.tau * sigmoid(-x)) / P;
    for (const [row, sign] of [
      [c, 1],
      [r, -1],
    ] as const) {
      const g = gradient[row] as number[];
      g.forEach((_, t) => {
        g[t] = (g[t] as number) + (sign * dDelta * (input.mask[row]?.[t] ?? 0)) / (norm[row] as number);
      });
    }
  }
  return {
    loss: loss * (options.weight ?? 1),
    unweighted: loss,
    deltas,
    deltaMean: P ? deltas.reduce((a, b) => a + b, 0) / P : 0,
    accuracy: P ? wins / P : 0,
    gradient,
  };
}
