import { describe, expect, it } from 'vitest';
import { learningRateAt } from './lr-schedule';

const peak = 0.01;

describe('learningRateAt', () => {
  it('warms up linearly from peak/warmupSteps to peak', () => {
    const opts = { peak, warmupSteps: 4, totalSteps: 20, schedule: 'constant' as const };
    expect([0, 1, 2, 3].map((s) => learningRateAt(s, opts))).toEqual([0.0025, 0.005, 0.0075, 0.01]);
  });

  it('is constant at peak after warm-up with the constant schedule', () => {
    const opts = { peak, warmupSteps: 3, totalSteps: 10, schedule: 'constant' as const };
    for (let s = 3; s < 30; s++) expect(learningRateAt(s, opts)).toBe(peak);
  });

  it('starts at peak without warm-up', () => {
    expect(learningRateAt(0, { peak, warmupSteps: 0, totalSteps: 10, schedule: 'constant' })).toBe(peak);
    expect(learningRateAt(0, { peak, warmupSteps: 0, totalSteps: 10, schedule: 'cosine' })).toBe(peak);
  });

  it('decays with a cosine: peak after warm-up, half-way at the midpoint, ~0 at the end, monotone', () => {
    const opts = { peak, warmupSteps: 10, totalSteps: 110, schedule: 'cosine' as const };
    expect(learningRateAt(10, opts)).toBeCloseTo(peak, 12);
    expect(learningRateAt(60, opts)).toBeCloseTo(peak / 2, 12);
    expect(learningRateAt(109, opts)).toBeLessThan(peak * 1e-3);
    expect(learningRateAt(110, opts)).toBeCloseTo(0, 12);
    expect(learningRateAt(500, opts)).toBeCloseTo(0, 12);
    for (let s = 10; s < 120; s++) expect(learningRateAt(s + 1, opts)).toBeLessThanOrEqual(learningRateAt(s, opts));
  });

  it('reaches peak at the last warm-up step and continues smoothly into the cosine', () => {
    const opts = { peak, warmupSteps: 5, totalSteps: 50, schedule: 'cosine' as const };
    const lrs = Array.from({ length: 50 }, (_, s) => learningRateAt(s, opts));
    expect(lrs[4]).toBeCloseTo(peak, 12);
    expect(Math.max(...lrs)).toBeCloseTo(peak, 12);
    for (let s = 0; s < 4; s++) expect(lrs[s + 1]).toBeGreaterThan(lrs[s] as number);
  });

  it('cosine with warmupSteps = 0 follows 0.5 * peak * (1 + cos(pi * step / total))', () => {
    const opts = { peak, warmupSteps: 0, totalSteps: 8, schedule: 'cosine' as const };
    for (let s = 0; s <= 8; s++) expect(learningRateAt(s, opts)).toBeCloseTo(0.5 * peak * (1 + Math.cos((Math.PI * s) / 8)), 14);
  });

  it('stays finite when warm-up covers the whole run', () => {
    const opts = { peak, warmupSteps: 10, totalSteps: 10, schedule: 'cosine' as const };
    expect(learningRateAt(9, opts)).toBeCloseTo(peak, 12);
    expect(Number.isFinite(learningRateAt(10, opts))).toBe(true);
  });
});
