import * as tf from '@tensorflow/tfjs';
import { Rng, shapeRewardsWithKl } from '@trellis/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ReinforcePpInput, type ReinforcePpOptions, reinforcePpAdvantages } from './reinforce-pp-advantages';
import { reinforcePpAdvantagesTensor } from './reinforce-pp-advantages-tensor';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function pad(rows: readonly (readonly number[])[], width: number): number[][] {
  return rows.map((r) => Array.from({ length: width }, (_, t) => r[t] ?? 0));
}

type Rows = readonly (readonly number[])[];

/** The KL-in-reward penalty `klCoef * k1(old, ref)` the trainer hands REINFORCE++ (core's shaping). */
function withKl(input: { rewards: readonly number[]; masks: Rows }, old: Rows, ref: Rows, klCoef: number) {
  return shapeRewardsWithKl(input.rewards, old, ref, input.masks, { estimator: 'k1', coef: klCoef }).penalty;
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
        ...(input.tokenPenalty ? { tokenPenalty: tf.tensor2d(pad(input.tokenPenalty, width)) } : {}),
      },
      options,
    ).arraySync(),
  );
  return out.map((row, i) => row.slice(0, input.masks[i]?.length ?? 0));
}

const handBase = {
  rewards: [1, 0],
  groupIndex: [0, 0],
  masks: [
    [1, 1, 0],
    [1, 0, 1],
  ],
};
const handOld = [
  [-1, -2, -3],
  [-1, -1, -1],
];
const handRef = [
  [-1.5, -2, -1],
  [-0.5, -1, -2],
];
const handInput: ReinforcePpInput = { ...handBase, tokenPenalty: withKl(handBase, handOld, handRef, 0.1) };

describe('reinforcePpAdvantages', () => {
  it('folds k1 into token rewards, sums future rewards and whitens over trained tokens (hand-computed)', () => {
    const std = Math.sqrt(1.105 / 4);
    const want = [
      [0.5 / std, 0.55 / std, 0],
      [-0.5 / std, 0, -0.55 / std],
    ];
    const opts = { baseline: false, epsilon: 0 };
    const got = reinforcePpAdvantages(handInput, opts);
    got.advantages.forEach((row, i) => row.forEach((v, t) => expect(v).toBeCloseTo(want[i]?.[t] as number, 9)));
    expect(got.metrics.return_mean).toBeCloseTo(0.45, 12);
    expect(got.metrics.penalty_mean).toBeCloseTo((0.1 * (0.5 + 0 - 0.5 + 1)) / 4, 12);
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
      const opts = { baseline, epsilon: 0 };
      reinforcePpAdvantages(input, opts).advantages.forEach((row, i) =>
        row.forEach((v, t) => expect(v).toBeCloseTo(want[i]?.[t] as number, 9)),
      );
      viaTensor(input, opts).forEach((row, i) => row.forEach((v, t) => expect(v).toBeCloseTo(want[i]?.[t] as number, 5)));
    }
  });

  it('masked tokens get 0 and carry no KL; all-equal outcomes without KL give 0', () => {
    const scrambled = {
      ...handBase,
      tokenPenalty: [
        [0.05, 0, 9.9],
        [-0.05, 4.2, 0.1],
      ],
    };
    const opts = { baseline: false, epsilon: 1e-8 };
    expect(reinforcePpAdvantages(scrambled, opts).advantages).toEqual(reinforcePpAdvantages(handInput, opts).advantages);
    const flat = reinforcePpAdvantages({ ...handBase, rewards: [2, 2] }, { baseline: true, epsilon: 1e-8 });
    for (const v of flat.advantages.flat()) expect(v).toBe(0);
  });

  it('tensor and reference agree on random ragged batches', () => {
    const rng = Rng.fromSeed(9);
    for (let trial = 0; trial < 8; trial++) {
      const n = 1 + rng.int(8);
      const lengths = Array.from({ length: n }, () => 1 + rng.int(9));
      const rows = (f: () => number) => lengths.map((l) => Array.from({ length: l }, f));
      const base = {
        rewards: lengths.map(() => (rng.next() < 0.5 ? 1 : 0) + rng.next() * 0.2),
        groupIndex: lengths.map((_, i) => Math.floor(i / 3)),
        masks: rows(() => (rng.next() < 0.8 ? 1 : 0)),
      };
      const input: ReinforcePpInput = {
        ...base,
        tokenPenalty: withKl(
          base,
          rows(() => -rng.next() * 3),
          rows(() => -rng.next() * 3),
          rng.next() * 0.2,
        ),
      };
      for (const baseline of [false, true]) {
        const opts = { baseline, epsilon: 1e-8 };
        const want = reinforcePpAdvantages(input, opts).advantages;
        viaTensor(input, opts).forEach((row, i) => row.forEach((v, t) => expect(v).toBeCloseTo(want[i]?.[t] as number, 3)));
      }
    }
  });
});
