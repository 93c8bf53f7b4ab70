import { describe, expect, it } from 'vitest';
import { packUnits, pairUnits } from './minibatch-units';

describe('pairUnits', () => {
  it('joins the rows of each pair, chains pairs that share a row, leaves the rest alone', () => {
    expect(
      pairUnits(7, [
        [4, 1],
        [5, 6],
        [6, 2],
      ]),
    ).toEqual([[0], [1, 4], [2, 5, 6], [3]]);
    expect(pairUnits(3, [])).toEqual([[0], [1], [2]]);
    expect(pairUnits(0, [])).toEqual([]);
  });

  it('rejects a pair outside the rows', () => {
    expect(() => pairUnits(2, [[0, 2]])).toThrow(/pair \(0, 2\) is outside rows 0..1/);
  });
});

describe('packUnits', () => {
  it('fills minibatches up to size without splitting a unit; every row once', () => {
    const units = [[0], [1, 4], [2, 5, 6], [3]];
    expect(packUnits(units, 3)).toEqual([[0, 1, 4], [2, 5, 6], [3]]);
    expect(packUnits(units, 2)).toEqual([[0], [1, 4], [2, 5, 6], [3]]);
    expect(packUnits(units, 100)).toEqual([[0, 1, 4, 2, 5, 6, 3]]);
    expect(packUnits([[0], [1], [2]], 2)).toEqual([[0, 1], [2]]);
    expect(() => packUnits(units, 0)).toThrow(/size must be at least 1/);
  });
});
