import { describe, expect, it } from 'vitest';
import { denseIndex } from './dense-index';
import { groupLayout } from './group-layout';
import { groupMembers } from './group-members';

describe('denseIndex', () => {
  it('numbers keys 0..count-1 in first-seen order', () => {
    expect(denseIndex(['b', 'a', 'b', 'c', 'a'])).toEqual({ index: [0, 1, 0, 2, 1], count: 3 });
    expect(denseIndex([7, 3, 7])).toEqual({ index: [0, 1, 0], count: 2 });
    expect(denseIndex([])).toEqual({ index: [], count: 0 });
  });
});

describe('groupLayout', () => {
  it('lists members by group id with their slots; empty groups allowed', () => {
    const layout = groupLayout([2, 0, 2, 2, 0], 4);
    expect(layout.members).toEqual([[1, 4], [], [0, 2, 3], []]);
    expect([...layout.slot]).toEqual([0, 0, 1, 2, 1]);
    expect(layout.maxSize).toBe(3);
    expect(layout.numGroups).toBe(4);
    expect(groupLayout([], 0)).toMatchObject({ maxSize: 0, members: [] });
  });

  it('rejects indices outside [0, numGroups) and non-integers', () => {
    expect(() => groupLayout([0, 2], 2)).toThrow(/groupIndex\[1\] = 2 is not an integer in \[0, 2\)/);
    expect(() => groupLayout([0.5], 2)).toThrow(RangeError);
    expect(() => groupLayout([-1], 2)).toThrow(RangeError);
  });
});

describe('groupMembers', () => {
  it('groups rows in first-seen group order, rows in batch order, for any labels', () => {
    expect(groupMembers([5, 1, 5, 9, 1])).toEqual([[0, 2], [1, 4], [3]]);
    expect(groupMembers([0, 0, 1])).toEqual([[0, 1], [2]]);
    expect(groupMembers([])).toEqual([]);
  });
});
