import type { Rollout } from '../records/rollout';

/**
 * A run's longest row may cost at most this many times its first (shortest) row. `logProbs` pads
 * every row of a call to the call's longest prompt + completion, so mixing a bare problem with one
 * behind a few hundred characters of context makes the short rows pay the long row's length, in
 * time and in memory (see BENCHMARKS.md, "length-bucketed scoring").
 */
export const SCORING_SPREAD = 1.5;

/** The length spread a policy's `logProbs` calls should keep: none needed when it packs rows. */
export function scoringSpread(policy: { readonly packsRows?: boolean }): number {
  return policy.packsRows === true ? Number.POSITIVE_INFINITY : SCORING_SPREAD;
}

/** Rows per forward-only scoring call (old and reference log-probs) of a padding policy. */
export const SCORING_CHUNK = 64;

/**
 * Rows per forward-only scoring call. With a minibatch size, that size. Otherwise a policy that
 * packs rows scores all `rows` in one call: it computes no padding and a call without a gradient
 * tape holds less than the update's own single call over the same rows, while every extra call is
 * one more synchronisation with its worker threads. A padding policy keeps {@link SCORING_CHUNK}.
 */
export function scoringChunk(policy: { readonly packsRows?: boolean }, minibatchSize: number, rows: number): number {
  if (minibatchSize > 0) return minibatchSize;
  return policy.packsRows === true ? Math.max(1, rows) : SCORING_CHUNK;
}

function rowLength(r: Rollout): number {
  return r.promptIds.length + r.completionIds.length;
}

/**
 * `rows` (indices into `rollouts`) in scoring order: equal temperatures adjacent (first-seen
 * temperature first), then shortest prompt + completion first; ties keep their order. Row order
 * inside a minibatch does not change its loss, so the trainer may score in this order.
 */
export function scoringOrder(rollouts: readonly Rollout[], rows: readonly number[]): number[] {
  const rank = new Map<number, number>();
  for (const i of rows) {
    const t = (rollouts[i] as Rollout).temperature;
    if (!rank.has(t)) rank.set(t, rank.size);
  }
  const key = (i: number) => rank.get((rollouts[i] as Rollout).temperature) as number;
  return rows
    .map((row, at) => ({ row, at }))
    .sort(
      (a, b) =>
        key(a.row) - key(b.row) || rowLength(rollouts[a.row] as Rollout) - rowLength(rollouts[b.row] as Rollout) || a.at - b.at,
    )
    .map((x) => x.row);
}

/**
 * Consecutive runs of `rows` that can share one `logProbs` call: one sampling temperature, and
 * lengths within `spread` of the run's first row. Give it `rows` in {@link scoringOrder} so that
 * each temperature and each length band is one run; the runs keep `rows`' order.
 */
export function scoringRuns(
  rollouts: readonly Rollout[],
  rows: readonly number[],
  spread = SCORING_SPREAD,
): { temperature: number; rows: number[] }[] {
  const runs: { temperature: number; rows: number[]; first: number }[] = [];
  for (const i of rows) {
    const r = rollouts[i] as Rollout;
    const last = runs[runs.length - 1];
    if (last && last.temperature === r.temperature && rowLength(r) <= spread * last.first) last.rows.push(i);
    else runs.push({ temperature: r.temperature, rows: [i], first: Math.max(1, rowLength(r)) });
  }
  return runs.map(({ temperature, rows: rs }) => ({ temperature, rows: rs }));
}
