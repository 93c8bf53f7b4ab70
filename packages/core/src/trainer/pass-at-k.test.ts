import { describe, expect, it } from 'vitest';
import { majorityCorrect, passAtK } from './pass-at-k';

function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let out = 1n;
  for (let i = 1; i <= k; i++) out = (out * BigInt(n - k + i)) / BigInt(i);
  return out;
}

/** 1 - C(n-c, k) / C(n, k), exact up to 1e-30 before the final conversion. */
function exactPassAtK(n: number, c: number, k: number): number {
  const scale = 10n ** 30n;
  const ratio = (binomial(n - c, k) * scale) / binomial(n, k);
  return 1 - Number(ratio) / 1e30;
}

describe('passAtK', () => {
  it('matches the exact combinatorial formula for every (n, c, k) with n <= 30', () => {
    for (let n = 1; n <= 30; n++) {
      for (let c = 0; c <= n; c++) {
        for (let k = 1; k <= n; k++) {
          expect(Math.abs(passAtK(n, c, k) - exactPassAtK(n, c, k)), `n=${n} c=${c} k=${k}`).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('matches the exact formula for large n, where the binomials overflow doubles', () => {
    for (const [n, c, k] of [
      [200, 1, 1],
      [200, 3, 10],
      [200, 50, 100],
      [500, 7, 64],
      [1000, 1, 999],
      [1000, 999, 1],
      [1100, 10, 500],
    ] as const) {
      expect(Math.abs(passAtK(n, c, k) - exactPassAtK(n, c, k)), `n=${n} c=${c} k=${k}`).toBeLessThan(1e-12);
    }
  });

  it('is pass@1 = c/n', () => {
    expect(passAtK(8, 3, 1)).toBeCloseTo(3 / 8, 15);
    expect(passAtK(16, 0, 1)).toBe(0);
  });

  it('is 0 with no correct sample and 1 with all correct', () => {
    for (const k of [1, 2, 5]) {
      expect(passAtK(5, 0, k)).toBe(0);
      expect(passAtK(5, 5, k)).toBe(1);
    }
  });

  it('at k = n is 1 as soon as one sample is correct', () => {
    expect(passAtK(4, 0, 4)).toBe(0);
    expect(passAtK(4, 1, 4)).toBe(1);
    expect(passAtK(4, 3, 4)).toBe(1);
  });

  it('throws when k > n', () => {
    expect(() => passAtK(3, 1, 4)).toThrow(RangeError);
    expect(() => passAtK(0, 0, 1)).toThrow(/at least 1 samples, got 0/);
  });
});

describe('majorityCorrect', () => {
  it('is correct when the most frequent answer has a correct sample', () => {
    expect(majorityCorrect(['5', '4', '5'], [true, false, true])).toBe(true);
    expect(majorityCorrect(['4', '4', '5'], [false, false, true])).toBe(false);
  });

  it('breaks ties by first occurrence', () => {
    expect(majorityCorrect(['4', '5', '5', '4'], [false, true, true, false])).toBe(false);
    expect(majorityCorrect(['5', '4', '4', '5'], [true, false, false, true])).toBe(true);
    expect(majorityCorrect(['a', 'b', 'c'], [false, true, true])).toBe(false);
  });

  it('ignores samples without an answer', () => {
    expect(majorityCorrect([undefined, undefined, undefined, '5'], [false, false, false, true])).toBe(true);
    expect(majorityCorrect([undefined, '4', undefined, '5', '4'], [true, false, true, true, false])).toBe(false);
    expect(majorityCorrect([undefined, undefined], [true, true])).toBe(false);
    expect(majorityCorrect([], [])).toBe(false);
  });

  it('counts the answer as correct when any sample with it is correct', () => {
    expect(majorityCorrect(['5', '5', '3'], [false, true, false])).toBe(true);
  });
});
