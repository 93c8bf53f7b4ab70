import { describe, expect, it } from 'vitest';
import type { AdvantageInput } from '../advantage/advantage-estimator';
import { Rng } from '../rng/rng';
import { advantageInputOf, randomAdvantageInput, rowsOfGroup, selectRows } from './advantage-inputs';

describe('advantage conformance inputs', () => {
  it('advantageInputOf: groups of the given sizes, dense sub-groups, per-row fields of matching length', () => {
    const input = advantageInputOf(Rng.fromSeed(1), [3, 1, 2], { subGroups: 2 });
    expect(input.groupIndex).toEqual([0, 0, 0, 1, 2, 2]);
    expect(input.numGroups).toBe(3);
    // Row j of a group is in sub-group j % 2 of that group; ids dense in first-seen order.
    expect(input.subGroupIndex).toEqual([0, 1, 0, 2, 3, 4]);
    for (const key of ['rewards', 'lengths', 'masks', 'oldLogProbs', 'refLogProbs', 'oldSeqLogProbSum'] as const) {
      expect(input[key], key).toHaveLength(6);
    }
    input.masks.forEach((m, i) => expect(m).toHaveLength(input.lengths[i] as number));
  });

  it('randomAdvantageInput is the equal-size case (sub-group = group)', () => {
    const input = randomAdvantageInput(Rng.fromSeed(2), 2, 3);
    expect(input).toEqual(advantageInputOf(Rng.fromSeed(2), [3, 3]));
    expect(input.subGroupIndex).toEqual(input.groupIndex);
  });

  it('selectRows: rows follow their fields; group and sub-group ids are made dense again', () => {
    const input = advantageInputOf(Rng.fromSeed(3), [2, 3], { subGroups: 2 });
    const rows = rowsOfGroup(input, 1);
    expect(rows).toEqual([2, 3, 4]);
    const alone = selectRows(input, rows);
    expect(alone.groupIndex).toEqual([0, 0, 0]);
    expect(alone.numGroups).toBe(1);
    expect(alone.subGroupIndex).toEqual([0, 1, 0]);
    expect(alone.rewards).toEqual(rows.map((r) => input.rewards[r]));
    expect(alone.oldLogProbs).toEqual(rows.map((r) => input.oldLogProbs?.[r]));
    const swapped = selectRows(input, [4, 0, 3, 1, 2]);
    expect(swapped.groupIndex).toEqual([0, 1, 0, 1, 0]);
    expect(swapped.lengths).toEqual([4, 0, 3, 1, 2].map((r) => input.lengths[r]));
  });

  it('"alone" tells a group-independent estimator from one that normalises over the batch', () => {
    const input = advantageInputOf(Rng.fromSeed(4), [3, 3]);
    const batchMean = (x: AdvantageInput) => {
      const m = x.rewards.reduce((a, b) => a + b, 0) / x.rewards.length;
      return x.rewards.map((r) => r - m);
    };
    const groupMean = (x: AdvantageInput) =>
      x.rewards.map((r, i) => {
        const rows = rowsOfGroup(x, x.groupIndex[i] as number);
        return r - rows.reduce((a, j) => a + (x.rewards[j] as number), 0) / rows.length;
      });
    const rows = rowsOfGroup(input, 0);
    expect(groupMean(selectRows(input, rows))).toEqual(rows.map((r) => groupMean(input)[r]));
    expect(batchMean(selectRows(input, rows))).not.toEqual(rows.map((r) => batchMean(input)[r]));
  });
});
