/** Row indices of each group, in first-seen order: `groupIndex[i]` names row i's group. */
export function groupMembers(groupIndex: readonly number[]): number[][] {
  const byGroup = new Map<number, number[]>();
  groupIndex.forEach((g, i) => {
    const rows = byGroup.get(g);
    if (rows) rows.push(i);
    else byGroup.set(g, [i]);
  });
  return [...byGroup.values()];
}
