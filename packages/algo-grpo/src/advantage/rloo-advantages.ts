import { groupMembers } from '@trellis/core';

/**
 * RLOO advantage per rollout (plain-array reference, float64): the leave-one-out baseline
 * `A_i = r_i - mean_{j != i} r_j = G / (G - 1) * (r_i - mean r)`; a group of one gets 0.
 *
 * @param rewards `[N]` total reward per rollout.
 * @param groupIndex `[N]` group id per rollout.
 */
export function rlooAdvantages(rewards: readonly number[], groupIndex: readonly number[]): number[] {
  const out = rewards.map(() => 0);
  for (const rows of groupMembers(groupIndex)) {
    const n = rows.length;
    if (n < 2) continue;
    const total = rows.reduce((a, i) => a + (rewards[i] as number), 0);
    for (const i of rows) {
      const r = rewards[i] as number;
      out[i] = r - (total - r) / (n - 1);
    }
  }
  return out;
}
