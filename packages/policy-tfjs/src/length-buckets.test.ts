import { describe, expect, it } from 'vitest';
import { lengthBuckets } from './length-buckets';

describe('lengthBuckets', () => {
  it('groups rows of similar length, shortest first, each index once', () => {
    // costs with maxNewTokens 10: 20 380 21 22 370 30 -> [20 21 22 30] then [370 380]
    expect(lengthBuckets([10, 370, 11, 12, 360, 20], 64, 10)).toEqual([
      [0, 2, 3, 5],
      [4, 1],
    ]);
  });

  it('closes a batch at maxBatch rows and keeps request order among equal lengths', () => {
    expect(lengthBuckets([5, 5, 5, 5, 5], 2, 0)).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('spread 1.5 is inclusive: a cost of exactly 1.5x stays in the batch', () => {
    expect(lengthBuckets([10, 15, 16], 64, 0)).toEqual([[0, 1], [2]]);
    expect(lengthBuckets([], 64, 0)).toEqual([]);
    // Infinity: request order, chunks of maxBatch.
    expect(lengthBuckets([10, 370, 11], 2, 10, Number.POSITIVE_INFINITY)).toEqual([[0, 1], [2]]);
  });

  it('rejects a bad maxBatch or spread', () => {
    expect(() => lengthBuckets([1], 0, 0)).toThrow(/maxBatch must be a positive integer, got 0/);
    expect(() => lengthBuckets([1], 4, 0, 0.5)).toThrow(/spread must be >= 1, got 0.5/);
  });
});
