import { groupMembers, meanOf, unbiasedStd } from '@trellis/core';

/** Options of the group-normalised advantage. */
export interface GrpoAdvantageOptions {
  /** Divide by the group's unbiased reward std (GRPO); `false` = mean-centring only (Dr. GRPO). */
  readonly normalizeStd: boolean;
  /**
   * Added to the group's variance under the square root (reward units squared): the divisor is
   * `sqrt(var + epsilon)`, the verl / OpenRLHF whitening convention, so a near-constant group
   * (spread far below `sqrt(epsilon)`) keeps advantages near 0.
   */
  readonly epsilon: number;
}

/**
 * GRPO advantage per rollout (plain-array reference, float64):
 * `A_i = (r_i - mean_g r) / sqrt(var_g r + epsilon)` with the unbiased variance (n - 1, as verl),
 * or `A_i = r_i - mean_g r` when `normalizeStd` is false (Dr. GRPO). A group of one gets 0
 * (verl instead passes its raw reward through). verl's GRPO adds its epsilon to the std instead;
 * on 0/1 rewards in groups of G the two differ by under `G * epsilon / 2` relative (4e-6 for
 * G = 8), but on a near-constant group (rewards
 * shaped by a KL penalty, spread ~1e-6) `std + 1e-6` turns rounding noise into advantages of
 * order 1 while `sqrt(var + 1e-6)` gives ~1e-3.
 *
 * @param rewards `[N]` total reward per rollout.
 * @param groupIndex `[N]` group id per rollout.
 */
export function grpoAdvantages(
  rewards: readonly number[],
  groupIndex: readonly number[],
  options: GrpoAdvantageOptions,
): number[] {
  const out = rewards.map(() => 0);
  for (const rows of groupMembers(groupIndex)) {
    if (rows.length < 2) continue;
    const values = rows.map((i) => rewards[i] as number);
    const mean = meanOf(values);
    const scale = options.normalizeStd ? unbiasedStd(values, mean, options.epsilon) : 1;
    for (const i of rows) out[i] = ((rewards[i] as number) - mean) / scale;
  }
  return out;
}
