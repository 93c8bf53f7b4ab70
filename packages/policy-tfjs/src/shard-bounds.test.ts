import { describe, expect, it } from 'vitest';
import { shardBounds } from './parallel-log-probs';

const batchOf = (lengths: readonly number[]) => ({
  promptIds: lengths.map(() => [1, 2]),
  completionIds: lengths.map((n) => Array.from({ length: n - 2 }, () => 3)),
});

describe('shardBounds', () => {
  it('packed: balances tokens, so the shorter rows at the front go to this thread in greater number', () => {
    // 8 rows sorted by length, 10 .. 80 tokens (360 in all): half the tokens is 180
    const b = batchOf([10, 20, 30, 40, 50, 60, 70, 80]);
    const at = shardBounds(b, 1, 0.5, true);
    expect(at).toEqual([5, 8]); // 150 / 210 tokens (rows 0-4 | 5-7); an equal row split gives 100 / 260
  });

  it('padded: splits by rows, as every row costs the same', () => {
    const b = batchOf([10, 20, 30, 40, 50, 60, 70, 80]);
    expect(shardBounds(b, 1, 0.5, false)).toEqual([4, 8]);
    expect(shardBounds(b, 3, 0.75, false)).toEqual([2, 4, 6, 8]);
  });

  it('every shard keeps at least one row', () => {
    expect(shardBounds(batchOf([100, 3, 3]), 2, 0.5, true)).toEqual([1, 2, 3]);
    expect(shardBounds(batchOf([3, 3, 100]), 2, 0.5, true)).toEqual([1, 2, 3]);
    expect(shardBounds(batchOf([5, 5]), 1, 0.99, true)).toEqual([1, 2]);
  });
});
