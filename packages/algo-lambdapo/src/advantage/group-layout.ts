/** Where each rollout sits once the flat batch is arranged group by group. */
export interface GroupLayout {
  readonly numGroups: number;
  /** Largest group size (0 for an empty batch). */
  readonly maxSize: number;
  /** `members[g]`: batch indices of group g's rollouts, in batch order. */
  readonly members: readonly (readonly number[])[];
  /** `slot[i]`: position of rollout i inside its group (0-based). */
  readonly slot: Int32Array;
}

/**
 * Arrange rollouts by group. `groupIndex[i]` must be an integer in `[0, numGroups)`; groups may
 * have different sizes (or be empty). Throws on an out-of-range index.
 */
export function groupLayout(groupIndex: readonly number[], numGroups: number): GroupLayout {
  const members: number[][] = Array.from({ length: numGroups }, () => []);
  const slot = new Int32Array(groupIndex.length);
  groupIndex.forEach((g, i) => {
    const list = members[g];
    if (!Number.isInteger(g) || list === undefined) {
      throw new RangeError(`groupIndex[${i}] = ${g} is not an integer in [0, ${numGroups})`);
    }
    slot[i] = list.length;
    list.push(i);
  });
  const maxSize = members.reduce((m, list) => Math.max(m, list.length), 0);
  return { numGroups, maxSize, members, slot };
}
