import { Rng } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import type { LambdaPoParams } from './lambdapo-options';
import { lambdaPoReference } from './lambdapo-reference';

const base: LambdaPoParams = { tau: 0.1, weightMode: 'attenuate', normalize: 'none', eps: 1e-6 };
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function randomBatch(rng: Rng, sizes: readonly number[]) {
  const groupIndex = sizes.flatMap((s, g) => Array.from({ length: s }, () => g));
  return {
    groupIndex,
    rewards: groupIndex.map(() => (rng.next() < 0.5 ? 1 : 0) + 0.3 * rng.next()),
    scores: groupIndex.map(() => -2 * rng.next()),
  };
}

describe('lambdaPoReference', () => {
  it('reproduces the worked vector of ALGORITHMS.md section 3', () => {
    const { advantages } = lambdaPoReference([1, 1, 0, 0], [-0.2, -0.5, -0.3, -0.6], [0, 0, 0, 0], 1, base);
    const expected = [0.0956, 0.3832, -0.3832, -0.0956];
    advantages.forEach((a, i) => expect(a).toBeCloseTo(expected[i] as number, 4));
    expect(advantages[0]).toBeCloseTo((sigmoid(-1) + sigmoid(-4)) / 3, 12);
    expect(advantages[1]).toBeCloseTo((sigmoid(2) + sigmoid(-1)) / 3, 12);
  });

  it('confidence mode uses sigma(+...) on the same vector', () => {
    const { advantages } = lambdaPoReference([1, 1, 0, 0], [-0.2, -0.5, -0.3, -0.6], [0, 0, 0, 0], 1, {
      ...base,
      weightMode: 'confidence',
    });
    expect(advantages[0]).toBeCloseTo((sigmoid(1) + sigmoid(4)) / 3, 12);
    expect(advantages[1]).toBeCloseTo((sigmoid(-2) + sigmoid(1)) / 3, 12);
    expect(advantages[2]).toBeCloseTo(-(sigmoid(1) + sigmoid(-2)) / 3, 12);
  });

  it('sums to zero in every group, for every mode', () => {
    const rng = Rng.fromSeed(11);
    const sizes = [4, 7, 1, 2, 16, 5];
    const { groupIndex, rewards, scores } = randomBatch(rng, sizes);
    for (const weightMode of ['attenuate', 'confidence'] as const) {
      for (const normalize of ['none', 'group-std', 'batch-std'] as const) {
        const { advantages } = lambdaPoReference(rewards, scores, groupIndex, sizes.length, { ...base, weightMode, normalize });
        sizes.forEach((_, g) => {
          const sum = advantages.filter((_, i) => groupIndex[i] === g).reduce((a, b) => a + b, 0);
          expect(Math.abs(sum)).toBeLessThan(1e-9);
        });
      }
    }
  });

  it('gives 0 for all-equal rewards and for groups of one', () => {
    const scores = [-0.1, -0.9, -0.4, -0.3, -2];
    const { advantages, pairs } = lambdaPoReference([0.5, 0.5, 0.5, 0.5, 3], scores, [0, 0, 0, 0, 1], 2, {
      ...base,
      normalize: 'group-std',
    });
    expect(advantages).toEqual([0, 0, 0, 0, 0]);
    expect(pairs).toBe(0);
  });

  it('tends to G/(2(G-1)) (r - mean r) as tau grows', () => {
    const rng = Rng.fromSeed(12);
    for (const G of [2, 3, 8, 64]) {
      const { groupIndex, rewards, scores } = randomBatch(rng, [G]);
      const mean = rewards.reduce((a, b) => a + b, 0) / G;
      const limit = rewards.map((r) => (G / (2 * (G - 1))) * (r - mean));
      for (const tau of [Number.POSITIVE_INFINITY, 1e9]) {
        const { advantages } = lambdaPoReference(rewards, scores, groupIndex, 1, { ...base, tau });
        advantages.forEach((a, i) => expect(a).toBeCloseTo(limit[i] as number, 8));
      }
    }
  });

  it('attenuates pairs the old policy already ranks right and keeps the others', () => {
    const agree = lambdaPoReference([1, 0], [-0.1, -1], [0, 0], 1, base);
    const disagree = lambdaPoReference([1, 0], [-1, -0.1], [0, 0], 1, base);
    expect(agree.advantages[0]).toBeLessThan(0.01);
    expect(disagree.advantages[0]).toBeGreaterThan(0.99);
    expect(agree.agreement).toBe(1);
    expect(disagree.agreement).toBe(0);
    expect(agree.pairs).toBe(1);
  });

  it('group-std gives unit unbiased std per group; batch-std over the whole batch', () => {
    const rng = Rng.fromSeed(13);
    const sizes = [5, 9];
    const { groupIndex, rewards, scores } = randomBatch(rng, sizes);
    const std = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
    };
    const group = lambdaPoReference(rewards, scores, groupIndex, 2, { ...base, normalize: 'group-std', eps: 0 }).advantages;
    sizes.forEach((_, g) => expect(std(group.filter((_, i) => groupIndex[i] === g))).toBeCloseTo(1, 10));
    const batch = lambdaPoReference(rewards, scores, groupIndex, 2, { ...base, normalize: 'batch-std', eps: 0 }).advantages;
    expect(std(batch)).toBeCloseTo(1, 10);
    const raw = lambdaPoReference(rewards, scores, groupIndex, 2, base).advantages;
    batch.forEach((a, i) => expect(a / (raw[i] as number)).toBeCloseTo(1 / std(raw), 8));
  });

  it('rejects group indices outside [0, numGroups)', () => {
    expect(() => lambdaPoReference([1, 0], [0, 0], [0, 2], 2, base)).toThrow(/groupIndex\[1\]/);
  });
});
