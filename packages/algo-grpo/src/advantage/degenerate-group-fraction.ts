import { groupMembers } from '@trellis/core';

/**
 * Fraction of groups whose rewards are all equal (within `tolerance`) or that hold one rollout:
 * those groups carry no learning signal for group-relative estimators.
 */
export function degenerateGroupFraction(rewards: readonly number[], groupIndex: readonly number[], tolerance = 1e-9): number {
  const groups = groupMembers(groupIndex);
  if (!groups.length) return 0;
  const flat = groups.filter((rows) => {
    const values = rows.map((i) => rewards[i] as number);
    return Math.max(...values) - Math.min(...values) <= tolerance;
  });
  return flat.length / groups.length;
}
