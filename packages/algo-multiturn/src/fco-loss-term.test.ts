import { pairPreferenceLossReference } from '@trellis/core';
import { ensureTfBackend, lossTermValues } from '@trellis/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { FcoLossTerm } from './fco-loss-term';

beforeAll(ensureTfBackend);

// Row 0 (chosen, a regenerated answer whose first token is a masked prefill): trained log-probs
// [-1, -2] vs reference [-1.5, -2.5]: ell difference 0.5. Row 1 (rejected base answer): [-3] vs
// [-2]: -1. Delta = 1.5.
const rows = {
  logProbs: [
    [-9, -1, -2],
    [-3, -1, -1],
  ],
  refLogProbs: [
    [-4, -1.5, -2.5],
    [-2, -1, -1],
  ],
  mask: [
    [0, 1, 1],
    [1, 0, 0],
  ],
  pairs: [[0, 1] as const],
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('FCO loss term', () => {
  it('has the release defaults: tau 0.005, m 0, lambda 0.01, mean log-probs, the reference policy', () => {
    const term = new FcoLossTerm();
    expect(term.options).toEqual({ tau: 0.005, margin: 0, weight: 0.01, norm: 'mean', pairKind: 'fco' });
    expect(term.requires).toEqual(['refLogProbs']);
  });

  it('matches hand-computed loss, Delta and gradient (sign and size), and the plain-array reference', () => {
    const term = new FcoLossTerm({ tau: 0.5, margin: 0.5, weight: 0.1 });
    const got = lossTermValues(term, rows, 'fco');
    // x = tau (Delta - m) = 0.5; L = lambda * -log sigmoid(0.5).
    expect(got.loss).toBeCloseTo(0.1 * Math.log1p(Math.exp(-0.5)), 6);
    expect(got.metrics.fco_loss).toBeCloseTo(Math.log1p(Math.exp(-0.5)), 6);
    expect(got.metrics.delta_mean).toBeCloseTo(1.5, 5);
    expect(got.metrics.accuracy).toBe(1);
    expect(got.metrics.pairs).toBe(1);
    const dDelta = -0.1 * 0.5 * sigmoid(-0.5);
    const expected = [
      [0, dDelta / 2, dDelta / 2],
      [-dDelta, 0, 0],
    ];
    got.gradient.forEach((row, i) => row.forEach((g, t) => expect(g).toBeCloseTo(expected[i]?.[t] as number, 7)));
    // Pushing the chosen answer up and the rejected one down lowers the loss.
    expect(got.gradient[0]?.[1]).toBeLessThan(0);
    expect(got.gradient[1]?.[0]).toBeGreaterThan(0);
    const ref = pairPreferenceLossReference(
      rows,
      { chosen: [0], rejected: [1] },
      { tau: 0.5, margin: 0.5, norm: 'mean', weight: 0.1 },
    );
    expect(got.loss).toBeCloseTo(ref.loss, 7);
    ref.gradient.forEach((row, i) => row.forEach((g, t) => expect(got.gradient[i]?.[t]).toBeCloseTo(g, 7)));
  });

  it('with summed log-probs (the older release) uses ell = masked sum', () => {
    const got = lossTermValues(new FcoLossTerm({ norm: 'sum', tau: 1, weight: 1 }), rows, 'fco');
    expect(got.metrics.delta_mean).toBeCloseTo(2, 5);
    expect(got.loss).toBeCloseTo(Math.log1p(Math.exp(-2)), 6);
  });

  it('trains only pairs of its kind; without any it adds nothing and reports no diagnostics', () => {
    const got = lossTermValues(new FcoLossTerm(), rows, 'other');
    expect(got.loss).toBe(0);
    expect(got.metrics).toEqual({});
    expect(got.gradient.flat().every((g) => g === 0)).toBe(true);
  });

  it('refuses to run without reference log-probs', () => {
    const term = new FcoLossTerm();
    (term as unknown as { requires: string[] }).requires = [];
    expect(() => lossTermValues(term, rows, 'fco')).toThrow(/no reference log-probs/);
  });

  it('rejects bad options, naming the key', () => {
    expect(() => new FcoLossTerm({ tau: 0 })).toThrow(/tau/);
    expect(() => new FcoLossTerm({ norm: 'max' as never })).toThrow(/norm/);
    expect(() => new FcoLossTerm({ lambda: 1 } as never)).toThrow(/lambda/);
  });
});
