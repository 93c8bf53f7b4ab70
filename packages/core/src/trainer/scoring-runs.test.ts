import { describe, expect, it } from 'vitest';
import { makeRollout } from '../testing/fixtures';
import { SCORING_CHUNK, SCORING_SPREAD, scoringChunk, scoringOrder, scoringRuns, scoringSpread } from './scoring-runs';

// Row length = prompt (3 ids unless given) + completion.
const r = (completion: number, temperature = 1, prompt = 3) =>
  makeRollout('x'.repeat(completion), { temperature, promptIds: Array.from({ length: prompt }, () => 1) });

describe('scoringOrder and scoringRuns', () => {
  it('orders by first-seen temperature, then by length, ties in their order', () => {
    const rollouts = [r(5, 1.2), r(2, 1), r(7, 1.2), r(2, 1.2), r(5, 1.2)];
    expect(scoringOrder(rollouts, [0, 1, 2, 3, 4])).toEqual([3, 0, 4, 2, 1]);
    // A subset keeps the same rules (indices stay indices into `rollouts`).
    expect(scoringOrder(rollouts, [4, 2, 0])).toEqual([4, 0, 2]);
  });

  it('splits a run where the temperature changes or a row is over 1.5x the run first row', () => {
    // lengths 10 10 15 | 16 | 400 at temperature 1, then 10 at temperature 0.5
    const rollouts = [r(7), r(7), r(12), r(13), r(10, 1, 390), r(7, 0.5)];
    const rows = scoringOrder(rollouts, [0, 1, 2, 3, 4, 5]);
    expect(rows).toEqual([0, 1, 2, 3, 4, 5]);
    expect(scoringRuns(rollouts, rows)).toEqual([
      { temperature: 1, rows: [0, 1, 2] },
      { temperature: 1, rows: [3] },
      { temperature: 1, rows: [4] },
      { temperature: 0.5, rows: [5] },
    ]);
    // spread Infinity: runs of equal temperature only (the old behaviour).
    expect(scoringRuns(rollouts, rows, Number.POSITIVE_INFINITY)).toEqual([
      { temperature: 1, rows: [0, 1, 2, 3, 4] },
      { temperature: 0.5, rows: [5] },
    ]);
  });

  it('a policy that packs rows needs no length bands', () => {
    expect(scoringSpread({ packsRows: true })).toBe(Number.POSITIVE_INFINITY);
    expect(scoringSpread({ packsRows: false })).toBe(SCORING_SPREAD);
    expect(scoringSpread({})).toBe(SCORING_SPREAD);
    const rollouts = [r(7), r(10, 1, 390), r(7, 0.5)];
    expect(scoringRuns(rollouts, [0, 1, 2], scoringSpread({ packsRows: true }))).toEqual([
      { temperature: 1, rows: [0, 1] },
      { temperature: 0.5, rows: [2] },
    ]);
  });

  it('scoring calls: the minibatch size, else all rows when the policy packs them, else 64', () => {
    expect(scoringChunk({ packsRows: true }, 32, 128)).toBe(32);
    expect(scoringChunk({ packsRows: false }, 32, 128)).toBe(32);
    expect(scoringChunk({ packsRows: true }, 0, 128)).toBe(128);
    expect(scoringChunk({ packsRows: true }, 0, 0)).toBe(1);
    expect(scoringChunk({}, 0, 128)).toBe(SCORING_CHUNK);
  });
});
