import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { describe, expect, it } from 'vitest';
import { sampleStats } from './sample-stats';
import { referenceTwoSidedP, referenceWelch } from './test-support';
import { welchTest } from './welch';

describe('sampleStats', () => {
  it('gives mean, sample std and the 95% t interval of a textbook sample', () => {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample variance 32 / 7.
    const s = sampleStats([2, 4, 4, 4, 5, 5, 7, 9]);
    const std = Math.sqrt(32 / 7);
    const half = (2.364624251592785 * std) / Math.sqrt(8); // t(0.975, 7) = 2.3646 (tables)
    expect(s.n).toBe(8);
    expect(s.mean).toBe(5);
    expect(s.std).toBeCloseTo(std, 12);
    expect(s.ciLow).toBeCloseTo(5 - half, 9);
    expect(s.ciHigh).toBeCloseTo(5 + half, 9);
  });

  it('uses the t quantiles of the tables', () => {
    // Two-sided 95% critical values of Student's t, as printed in statistics tables.
    const table: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [4, 2.776],
      [9, 2.262],
      [29, 2.045],
    ];
    for (const [df, t] of table) expect(tQuantile(0.975, df)).toBeCloseTo(t, 3);
    // and the reference tail of a t at its quantile is 5%
    for (const [df] of table) expect(referenceTwoSidedP(tQuantile(0.975, df), df)).toBeCloseTo(0.05, 6);
  });

  it('has no std or interval below 2 values', () => {
    expect(sampleStats([])).toEqual({ n: 0, mean: null, std: null, ciLow: null, ciHigh: null });
    expect(sampleStats([0.4])).toEqual({ n: 1, mean: 0.4, std: null, ciLow: null, ciHigh: null });
  });

  it('takes another level', () => {
    const s = sampleStats([1, 2, 3], 0.9);
    // t(0.95, 2) = 2.920, std 1
    expect(s.ciHigh! - 2).toBeCloseTo(2.919985580355516 / Math.sqrt(3), 9);
  });
});

describe('welchTest', () => {
  it('matches the closed form of a t with 2 degrees of freedom', () => {
    // x = 1, 3 and y = 4, 6: variances 2 and 2, se sqrt(2), t = -3 / sqrt 2, Welch df exactly 2;
    // for df = 2 the two-sided p is 1 - |t| / sqrt(2 + t^2).
    const r = welchTest([1, 3], [4, 6])!;
    const t = -3 / Math.SQRT2;
    expect(r.diff).toBe(-3);
    expect(r.statistic).toBeCloseTo(t, 12);
    expect(r.df).toBeCloseTo(2, 9);
    expect(r.pValue).toBeCloseTo(1 - Math.abs(t) / Math.sqrt(2 + t * t), 9);
  });

  it('matches the Welch-Satterthwaite formulas and a direct tail integral for unequal samples', () => {
    const x = [0.62, 0.58, 0.71, 0.66, 0.6];
    const y = [0.5, 0.57, 0.44];
    const r = welchTest(x, y)!;
    const ref = referenceWelch(x, y);
    expect(r.statistic).toBeCloseTo(ref.t, 10);
    expect(r.df).toBeCloseTo(ref.df, 10);
    expect(Number.isInteger(ref.df)).toBe(false);
    expect(r.pValue).toBeCloseTo(referenceTwoSidedP(ref.t, ref.df), 7);
    // the test is symmetric
    expect(welchTest(y, x)!.pValue).toBeCloseTo(r.pValue, 12);
  });

  it('is undefined with fewer than 2 values on a side, or no variance at all', () => {
    expect(welchTest([1], [2, 3])).toBeUndefined();
    expect(welchTest([1, 2], [])).toBeUndefined();
    expect(welchTest([1, 1], [2, 2])).toBeUndefined();
  });
});
