import { groupMembers, meanOf, unbiasedStd } from '@trellis/core';

/** How LANPO normalises rewards into advantages. */
export type Normalization = 'joint' | 'per-kind';

export interface LanpoAdvantageOptions {
  /**
   * `joint`: over the whole group (from-scratch and feedback-aware samples together, GRPO's
   * formula); `per-kind`: separately within each context kind of the group (the sub-group).
   */
  readonly normalization: Normalization;
  /** Divide by the unbiased std of the normalisation set (false: mean-centring only). */
  readonly normalizeStd: boolean;
  /** Added to the variance under the square root (reward units squared). */
  readonly epsilon: number;
}

/**
 * LANPO advantage per rollout (plain arrays, float64): `A_i = (r_i - mean_S r) / sqrt(var_S r +
 * epsilon)` where S is the rollout's group (`joint`) or its group's sub-group of the same context
 * kind (`per-kind`), unbiased variance; a set of one sample gets 0.
 *
 * @param rewards `[N]` total reward per rollout.
 * @param groupIndex `[N]` dense group index.
 * @param subGroupIndex `[N]` dense index of (group, context kind).
 */
export function lanpoAdvantages(
  rewards: readonly number[],
  groupIndex: readonly number[],
  subGroupIndex: readonly number[],
  options: LanpoAdvantageOptions,
): number[] {
  const sets = options.normalization === 'joint' ? groupIndex : subGroupIndex;
  const out = rewards.map(() => 0);
  for (const rows of groupMembers(sets)) {
    if (rows.length < 2) continue;
    const values = rows.map((i) => rewards[i] as number);
    const mean = meanOf(values);
    const scale = options.normalizeStd ? unbiasedStd(values, mean, options.epsilon) : 1;
    for (const i of rows) out[i] = ((rewards[i] as number) - mean) / scale;
  }
  return out;
}
