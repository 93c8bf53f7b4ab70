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
 * Arrange rollouts by dense group id: `members[g]` lists group g's rows in batch order and
 * `slot[i]` is row i's position in its group (e.g. its column in a `[numGroups, maxSize]` padded
 * tensor). Groups may have different sizes, or be empty.
 *
 * @param groupIndex `[N]` group of each row, integers in `[0, numGroups)`.
 * @param numGroups number of groups (`members.length`).
 * @throws RangeError when an index is not an integer in `[0, numGroups)`.
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
