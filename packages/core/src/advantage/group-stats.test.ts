import { describe, expect, it } from 'vitest';
import { meanOf, populationStd, unbiasedStd } from './group-stats';

describe('group statistics', () => {
  const xs = [1, 0, 0, 1];

  it('meanOf is the arithmetic mean, 0 for an empty list', () => {
    expect(meanOf(xs)).toBe(0.5);
    expect(meanOf([3])).toBe(3);
    expect(meanOf([])).toBe(0);
  });

  it('unbiasedStd divides by n - 1; 0 below two values', () => {
    expect(unbiasedStd(xs)).toBe(Math.sqrt(1 / 3));
    expect(unbiasedStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 15);
    expect(unbiasedStd([5])).toBe(0);
    expect(unbiasedStd([])).toBe(0);
    expect(unbiasedStd([2, 2, 2])).toBe(0);
  });

  it('populationStd divides by n; 0 for an empty list', () => {
    expect(populationStd([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(populationStd([5])).toBe(0);
    expect(populationStd([])).toBe(0);
  });

  it('accept a precomputed mean and give the same bits as the inline formula', () => {
    const values = [0.1, 0.7, -0.3, 1e-9, 2.5];
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sq = values.reduce((a, x) => a + (x - mean) ** 2, 0);
    expect(meanOf(values)).toBe(mean);
    expect(unbiasedStd(values, mean)).toBe(Math.sqrt(sq / 4));
    expect(unbiasedStd(values)).toBe(Math.sqrt(sq / 4));
    expect(populationStd(values)).toBe(Math.sqrt(sq / 5));
  });
});

describe('group statistics: epsilon on the variance', () => {
  it('adds varianceEpsilon under the square root, not to the std', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(populationStd(xs, meanOf(xs), 0.25)).toBe(Math.sqrt(4 + 0.25));
    expect(unbiasedStd(xs, meanOf(xs), 1e-6)).toBe(Math.sqrt(32 / 7 + 1e-6));
    expect(unbiasedStd([5], 5, 1e-6)).toBe(Math.sqrt(1e-6));
    expect(populationStd([], 0, 1e-8)).toBe(Math.sqrt(1e-8));
  });

  it('keeps a near-constant sample (spread 1e-6) near 0 after dividing, where std + eps gives unit size', () => {
    const xs = [1, 1 + 1e-6, 1 - 1e-6, 1 + 0.5e-6, 1, 1 - 0.5e-6];
    const mean = meanOf(xs);
    const onVariance = xs.map((x) => (x - mean) / populationStd(xs, mean, 1e-8));
    const onStd = xs.map((x) => (x - mean) / (populationStd(xs, mean) + 1e-8));
    expect(Math.max(...onVariance.map(Math.abs))).toBeLessThan(0.011);
    expect(Math.max(...onVariance.map(Math.abs))).toBeGreaterThan(0.009);
    expect(Math.max(...onStd.map(Math.abs))).toBeGreaterThan(1);
  });
});
