import { denseIndex } from './dense-index';
import { groupLayout } from './group-layout';

/**
 * Row indices of each group, groups in first-seen order, rows in batch order: `groupIndex[i]`
 * names row i's group (any numbers; they need not be dense). Same as
 * `groupLayout(denseIndex(groupIndex).index, count).members`.
 *
 * @param groupIndex `[N]` group label per row.
 * @returns one list of row indices per distinct label (none for an empty batch).
 */
export function groupMembers(groupIndex: readonly number[]): readonly (readonly number[])[] {
  const { index, count } = denseIndex(groupIndex);
  return groupLayout(index, count).members;
}
