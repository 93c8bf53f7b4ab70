import type { MetricsRecord } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { aggregateByStep, seriesOf } from './aggregate';

describe('aggregateByStep', () => {
  it('averages the seeds that have each step, with a sample std where >= 2 do', () => {
    const a = [
      { step: 1, value: 1, wall: 10 },
      { step: 2, value: 2, wall: 20 },
      { step: 3, value: 3, wall: 30 },
    ];
    const b = [
      { step: 2, value: 6, wall: 26 },
      { step: 1, value: 3, wall: 12 },
    ];
    const c = [{ step: 1, value: 5, wall: 14 }];
    const out = aggregateByStep([a, b, c]);
    // step 1: values 1, 3, 5 -> mean 3, std sqrt((4 + 0 + 4) / 2) = 2, wall (10 + 12 + 14) / 3 = 12
    // step 2: values 2, 6 -> mean 4, std sqrt((4 + 4) / 1) = 2 sqrt 2, wall 23
    // step 3: one seed -> no std
    expect(out.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(out[0]).toEqual({ step: 1, n: 3, mean: 3, std: 2, wall: 12 });
    expect(out[1]?.n).toBe(2);
    expect(out[1]?.mean).toBe(4);
    expect(out[1]?.std).toBeCloseTo(2 * Math.SQRT2, 12);
    expect(out[1]?.wall).toBe(23);
    expect(out[2]).toEqual({ step: 3, n: 1, mean: 3, std: null, wall: 30 });
  });

  it('gives std 0 for equal values and nothing for no series', () => {
    const p = (value: number) => [{ step: 0, value, wall: 0 }];
    expect(aggregateByStep([p(0.5), p(0.5)])[0]?.std).toBe(0);
    expect(aggregateByStep([])).toEqual([]);
  });
});

describe('seriesOf', () => {
  const rec = (kind: MetricsRecord['kind'], step: number, values: Record<string, number>): MetricsRecord => ({
    kind,
    step,
    time: 0,
    values,
  });

  it('takes the finite values of one metric in step order, the last record of a step winning', () => {
    const records = [
      rec('eval', 0, { 'eval/accuracy': 0.1 }),
      rec('step', 1, { 'reward/total': 1 }),
      rec('eval', 4, { 'eval/accuracy': 0.2 }),
      rec('eval', 4, { 'eval/accuracy': 0.3 }),
      rec('eval', 8, { 'eval/accuracy': Number.NaN }),
    ];
    const s = seriesOf({ records, wall: [0, 1, 2, 3, 4] }, 'eval/accuracy');
    expect(s).toEqual([
      { step: 0, value: 0.1, wall: 0 },
      { step: 4, value: 0.3, wall: 3 },
    ]);
  });
});
