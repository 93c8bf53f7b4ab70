import { groupMembers } from './group-members';

type Rows = readonly (readonly number[])[];

/** Per-rollout inputs of REINFORCE++ (rows of `masks` and `tokenPenalty` align). */
export interface ReinforcePpInput {
  /** `[N]` outcome (total) reward per rollout, before any KL penalty. */
  readonly rewards: readonly number[];
  /** `[N]` group id per rollout (used by the baseline variant). */
  readonly groupIndex: readonly number[];
  /** `[N][T_i]` loss mask per token: 1 = trained. */
  readonly masks: Rows;
  /**
   * `[N][T_i]` KL penalty per token, `beta * KL_t` (core's `shapeRewardsWithKl`, from
   * `objective.kl.placement: reward`); subtracted from each trained token's reward. Absent = none.
   */
  readonly tokenPenalty?: Rows;
}

/** Options of the REINFORCE++ advantage. */
export interface ReinforcePpOptions {
  /** Subtract the group mean of outcome rewards first (REINFORCE++-baseline). */
  readonly baseline: boolean;
  /** Added to the global token variance under the square root when whitening (verl / OpenRLHF: 1e-8). */
  readonly epsilon: number;
}

/** Advantages plus diagnostics (before whitening). */
export interface ReinforcePpResult {
  /** `[N][T_i]` whitened advantages, 0 at masked tokens. */
  readonly advantages: number[][];
  /** Mean and (population) std of the returns over trained tokens, mean per-token KL penalty. */
  readonly metrics: { return_mean: number; return_std: number; penalty_mean: number };
}

/**
 * REINFORCE++ per-token advantages (plain-array reference, float64):
 * 1. outcome `o_i = r_i` (or `r_i - mean_g r` with `baseline`; a group of one then gives 0);
 * 2. token rewards on trained tokens `u_it = -penalty_it` (the KL in the reward, when given), plus
 *    `o_i` at the last trained token;
 * 3. return `G_it = Σ_{s >= t} u_is` over trained tokens (gamma 1);
 * 4. whiten over every trained token of the batch: `A = (G - mean) / sqrt(var + epsilon)` with the
 *    population variance (verl's `masked_whiten`, OpenRLHF's `rsqrt(var + eps)`): a near-constant
 *    batch keeps advantages near 0 instead of unit-size noise. Masked tokens get 0.
 */
export function reinforcePpAdvantages(input: ReinforcePpInput, options: ReinforcePpOptions): ReinforcePpResult {
  const { rewards, masks } = input;
  const outcome = rewards.map((r) => r);
  if (options.baseline) {
    for (const rows of groupMembers(input.groupIndex)) {
      const mean = rows.reduce((a, i) => a + (rewards[i] as number), 0) / rows.length;
      for (const i of rows) outcome[i] = (rewards[i] as number) - mean;
    }
  }
  let klSum = 0;
  const returns = masks.map((mask, i) => {
    const row = mask.map(() => 0);
    let last = -1;
    mask.forEach((m, t) => {
      if (m > 0) last = t;
    });
    let acc = 0;
    for (let t = mask.length - 1; t >= 0; t--) {
      if (!((mask[t] as number) > 0)) continue;
      let u = t === last ? (outcome[i] as number) : 0;
      if (input.tokenPenalty) {
        const p = input.tokenPenalty[i]?.[t] ?? 0;
        klSum += p;
        u -= p;
      }
      acc += u;
      row[t] = acc;
    }
    return row;
  });
  let count = 0;
  let total = 0;
  returns.forEach((row, i) =>
    row.forEach((g, t) => {
      if (!((masks[i]?.[t] ?? 0) > 0)) return;
      count++;
      total += g;
    }),
  );
  const mean = count ? total / count : 0;
  let sq = 0;
  returns.forEach((row, i) =>
    row.forEach((g, t) => {
      if ((masks[i]?.[t] ?? 0) > 0) sq += (g - mean) ** 2;
    }),
  );
  const variance = count ? sq / count : 0;
  const scale = Math.sqrt(variance + options.epsilon);
  const advantages = returns.map((row, i) => row.map((g, t) => ((masks[i]?.[t] ?? 0) > 0 ? (g - mean) / scale : 0)));
  return { advantages, metrics: { return_mean: mean, return_std: Math.sqrt(variance), penalty_mean: count ? klSum / count : 0 } };
}
