import { groupMembers, meanOf, unbiasedStd } from '@trellis/core';

/** Options of the group-normalised advantage. */
export interface GrpoAdvantageOptions {
  /** Divide by the group's unbiased reward std (GRPO); `false` = mean-centring only (Dr. GRPO). */
  readonly normalizeStd: boolean;
  /** Added to the std before dividing (reward units). */
  readonly epsilon: number;
}

/**
 * GRPO advantage per rollout (plain-array reference, float64):
 * `A_i = (r_i - mean_g r) / (std_g r + epsilon)` with the unbiased std (n - 1, as verl), or
 * `A_i = r_i - mean_g r` when `normalizeStd` is false (Dr. GRPO). A group of one gets 0
 * (verl instead passes its raw reward through).
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
    const scale = options.normalizeStd ? unbiasedStd(values, mean) + options.epsilon : 1;
    for (const i of rows) out[i] = ((rewards[i] as number) - mean) / scale;
  }
  return out;
}
