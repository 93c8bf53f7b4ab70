import * as tf from '@tensorflow/tfjs';
import { Rng } from '@trellis/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ReinforcePpInput, type ReinforcePpOptions, reinforcePpAdvantages } from './reinforce-pp-advantages';
import { reinforcePpAdvantagesTensor } from './reinforce-pp-advantages-tensor';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function pad(rows: readonly (readonly number[])[], width: number): number[][] {
  return rows.map((r) => Array.from({ length: width }, (_, t) => r[t] ?? 0));
}

function viaTensor(input: ReinforcePpInput, options: ReinforcePpOptions): number[][] {
  const width = Math.max(1, ...input.masks.map((m) => m.length));
  const numGroups = Math.max(...input.groupIndex) + 1;
  const out = tf.tidy(() =>
    reinforcePpAdvantagesTensor(
      {
        rewards: tf.tensor1d([...input.rewards]),
        groupIndex: tf.tensor1d([...input.groupIndex], 'int32'),
        numGroups,
        mask: tf.tensor2d(pad(input.masks, width)),
        ...(input.oldLogProbs ? { oldLogProbs: tf.tensor2d(pad(input.oldLogProbs, width)) } : {}),
        ...(input.refLogProbs ? { refLogProbs: tf.tensor2d(pad(input.refLogProbs, width)) } : {}),
      },
      options,
    ).arraySync(),
  );
  return out.map((row, i) => row.slice(0, input.masks[i]?.length ?? 0));
}

const handInput: ReinforcePpInput = {
  rewards: [1, 0],
  groupIndex: [0, 0],
  masks: [
    [1, 1, 0],
    [1, 0, 1],
  ],
  oldLogProbs: [
    [-1, -2, -3],
    [-1, -1, -1],
  ],
  refLogProbs: [
    [-1.5, -2, -1],
    [-0.5, -1, -2],
  ],
};

describe('reinforcePpAdvantages', () => {
  it('folds k1 into token rewards, sums future rewards and whitens over trained tokens (hand-computed)', () => {
    const std = Math.sqrt(1.105 / 4);
    const want = [
      [0.5 / std, 0.55 / std, 0],
      [-0.5 / std, 0, -0.55 / std],
    ];
    const opts = { klCoef: 0.1, baseline: false, epsilon: 0 };
    const got = reinforcePpAdvantages(handInput, opts);
    got.advantages.forEach((row, i) => row.forEach((v, t) => expect(v).toBeCloseTo(want[i]?.[t] as number, 9)));
    expect(got.metrics.return_mean).toBeCloseTo(0.45, 12);
    expect(got.metrics.kl_mean).toBeCloseTo((0.5 + 0 - 0.5 + 1) / 4, 12);
    viaTensor(handInput, opts).forEach((row, i) => row.forEach((v, t) => expect(v).toBeCloseTo(want[i]?.[t] as number, 5)));
  });

  it('baseline variant subtracts the group mean first (hand-computed, klCoef 0, a group of one)', () => {
    const input: ReinforcePpInput = {
      rewards: [1, 0, 5],
      groupIndex: [0, 0, 1],
      masks: [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
    };
    const b = Math.sqrt(6) / 2;
    const withBaseline = [
      [b, b],
      [-b, -b],
      [0, 0],
    ];
    const s = Math.sqrt(28 / 6);
    const plain = [
      [-1 / s, -1 / s],
      [-2 / s, -2 / s],
      [3 / s, 3 / s],
    ];
    for (const [baseline, want] of [
      [true, withBaseline],
      [false, plain],
    ] as const) {
      const opts = { klCoef: 0, baseline, epsilon: 0 };
      reinforcePpAdvantages(input, opts).advantages.forEach((row, i) =>
        row.forEach((v, t) => expect(v).toBeCloseTo(want[i]?.[t] as number, 9)),
      );
      viaTensor(input, opts).forEach((row, i) => row.forEach((v, t) => expect(v).toBeCloseTo(want[i]?.[t] as number, 5)));
    }
  });

  it('masked tokens get 0 and carry no KL; all-equal outcomes without KL give 0', () => {
    const scrambled = {
      ...handInput,
      oldLogProbs: [
        [-1, -2, 99],
        [-1, 42, -1],
      ],
      refLogProbs: [
        [-1.5, -2, -7],
        [-0.5, -3, -2],
      ],
    };
    const opts = { klCoef: 0.1, baseline: false, epsilon: 1e-8 };
    expect(reinforcePpAdvantages(scrambled, opts).advantages).toEqual(reinforcePpAdvantages(handInput, opts).advantages);
    const flat = reinforcePpAdvantages({ ...handInput, rewards: [2, 2] }, { klCoef: 0, baseline: true, epsilon: 1e-8 });
    for (const v of flat.advantages.flat()) expect(v).toBe(0);
  });

  it('refuses a KL coefficient without log-probs', () => {
    const bare = { rewards: [1], groupIndex: [0], masks: [[1]] };
    expect(() => reinforcePpAdvantages(bare, { klCoef: 0.1, baseline: false, epsilon: 1e-8 })).toThrow(/oldLogProbs/);
  });

  it('tensor and reference agree on random ragged batches', () => {
    const rng = Rng.fromSeed(9);
    for (let trial = 0; trial < 8; trial++) {
      const n = 1 + rng.int(8);
      const lengths = Array.from({ length: n }, () => 1 + rng.int(9));
      const rows = (f: () => number) => lengths.map((l) => Array.from({ length: l }, f));
      const input: ReinforcePpInput = {
        rewards: lengths.map(() => (rng.next() < 0.5 ? 1 : 0) + rng.next() * 0.2),
        groupIndex: lengths.map((_, i) => Math.floor(i / 3)),
        masks: rows(() => (rng.next() < 0.8 ? 1 : 0)),
        oldLogProbs: rows(() => -rng.next() * 3),
        refLogProbs: rows(() => -rng.next() * 3),
      };
      for (const baseline of [false, true]) {
        const opts = { klCoef: rng.next() * 0.2, baseline, epsilon: 1e-8 };
        const want = reinforcePpAdvantages(input, opts).advantages;
        viaTensor(input, opts).forEach((row, i) => row.forEach((v, t) => expect(v).toBeCloseTo(want[i]?.[t] as number, 3)));
      }
    }
  });
});
