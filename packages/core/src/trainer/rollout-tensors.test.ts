import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRollout } from '../testing/fixtures';
import { advantageRows, buildAdvantageInput, maxCompletionLength, paddedTensor } from './rollout-tensors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rollout = (id: string, groupId: string, subGroup: string, lossMask: number[], reward = 0) =>
  makeRollout('x'.repeat(lossMask.length), { id, groupId, subGroup, lossMask, reward });

describe('buildAdvantageInput', () => {
  const rollouts = [
    rollout('a', 'g-b', 'none', [1, 1, 1], 1),
    rollout('b', 'g-a', 'none', [0, 1, 1, 1], 0),
    rollout('c', 'g-b', 'reflection', [1, 0], 0.5),
    rollout('d', 'g-c', 'none', [0, 0, 1, 1, 0], 0),
    rollout('e', 'g-a', 'none', [1], 1),
    rollout('f', 'g-b', 'none', [1, 1], 0),
  ];

  it('assigns dense group and sub-group indices in first-seen order', () => {
    const input = buildAdvantageInput(rollouts, [], undefined, undefined);
    expect(input.rewards).toEqual([1, 0, 0.5, 0, 1, 0]);
    expect(input.groupIndex).toEqual([0, 1, 0, 2, 1, 0]);
    expect(input.numGroups).toBe(3);
    expect(input.subGroupIndex).toEqual([0, 1, 2, 3, 1, 0]);
  });

  it('keeps equal sub-group names in different groups apart', () => {
    const input = buildAdvantageInput(
      [rollout('a', 'g0', 'x', [1]), rollout('b', 'g1', 'x', [1]), rollout('c', 'g0', 'x', [1])],
      [],
      undefined,
      undefined,
    );
    expect(input.subGroupIndex).toEqual([0, 1, 0]);
  });

  it('takes lengths and masks from the loss masks', () => {
    const input = buildAdvantageInput(rollouts, [], undefined, undefined);
    expect(input.lengths).toEqual([3, 3, 1, 2, 1, 2]);
    expect(input.masks).toEqual(rollouts.map((r) => r.lossMask));
  });

  const old = [[-1, -2, -3], [-100, -1, -1, -1], [-0.5, -100], [-100, -100, -2, -4, -100], [-3], [-1, -1]];
  const ref = old.map((row) => row.map((v) => v / 2));

  it('adds masked old sequence log-prob sums and means only when required', () => {
    const input = buildAdvantageInput(rollouts, ['oldSeqLogProbs'], old, ref);
    expect(input.oldSeqLogProbSum).toEqual([-6, -3, -0.5, -6, -3, -2]);
    expect(input.oldSeqLogProbMean).toEqual([-2, -1, -0.5, -3, -3, -1]);
    expect(input.oldLogProbs).toBeUndefined();
    expect(input.refLogProbs).toBeUndefined();
  });

  it('a fully masked rollout has length 0 and mean 0 (no division by zero)', () => {
    const input = buildAdvantageInput([rollout('z', 'g', '', [0, 0])], ['oldSeqLogProbs'], [[-1, -2]], undefined);
    expect(input.lengths).toEqual([0]);
    expect(input.oldSeqLogProbSum).toEqual([0]);
    expect(input.oldSeqLogProbMean).toEqual([0]);
  });

  it('adds per-token old and reference log-probs only when required', () => {
    const none = buildAdvantageInput(rollouts, [], old, ref);
    expect(none.oldSeqLogProbSum).toBeUndefined();
    expect(none.oldSeqLogProbMean).toBeUndefined();
    expect(none.oldLogProbs).toBeUndefined();
    expect(none.refLogProbs).toBeUndefined();

    const all = buildAdvantageInput(rollouts, ['oldLogProbs', 'refLogProbs'], old, ref);
    expect(all.oldLogProbs).toEqual(old);
    expect(all.refLogProbs).toEqual(ref);
    expect(all.oldSeqLogProbSum).toBeUndefined();
  });
});

describe('advantageRows', () => {
  const rollouts = [rollout('a', 'g', '', [0, 1, 1]), rollout('b', 'g', '', [1, 0]), rollout('c', 'g', '', [1, 1, 1, 1])];

  it('broadcasts per-sequence advantages onto trained tokens only', () => {
    expect(advantageRows({ perSequence: [2, -1, 0.5] }, rollouts)).toEqual([
      [0, 2, 2],
      [-1, 0],
      [0.5, 0.5, 0.5, 0.5],
    ]);
  });

  it('passes per-token advantages through with masked tokens zeroed and missing tokens 0', () => {
    const perToken = [
      [9, 1, 2],
      [3, 9],
      [1, 2],
    ];
    expect(advantageRows({ perToken }, rollouts)).toEqual([
      [0, 1, 2],
      [3, 0],
      [1, 2, 0, 0],
    ]);
  });

  it('prefers per-token rows when both are given', () => {
    expect(advantageRows({ perToken: [[1, 1]], perSequence: [5] }, [rollout('a', 'g', '', [1, 1])])).toEqual([[1, 1]]);
  });

  it('throws when the estimator returned nothing for a rollout', () => {
    expect(() => advantageRows({}, rollouts)).toThrow(/returned nothing for rollout 0/);
    expect(() => advantageRows({ perSequence: [1, 2] }, rollouts)).toThrow(/returned nothing for rollout 2/);
  });
});

describe('paddedTensor', () => {
  it('right-pads rows to width with the fill value as float32 [rows, width]', () => {
    const t = paddedTensor([[1, 2, 3], [4], []], 4, -1);
    expect(t.shape).toEqual([3, 4]);
    expect(t.dtype).toBe('float32');
    expect(t.arraySync()).toEqual([
      [1, 2, 3, -1],
      [4, -1, -1, -1],
      [-1, -1, -1, -1],
    ]);
    t.dispose();
  });

  it('pads with 0 by default and truncates rows longer than width', () => {
    const t = paddedTensor([[1, 2, 3, 4], [5]], 2);
    expect(t.arraySync()).toEqual([
      [1, 2],
      [5, 0],
    ]);
    t.dispose();
  });

  it('creates exactly one tensor', () => {
    const before = tf.memory().numTensors;
    const t = paddedTensor([[0.5]], 3);
    expect(tf.memory().numTensors).toBe(before + 1);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('maxCompletionLength', () => {
  it('is the longest completion', () => {
    expect(maxCompletionLength([makeRollout('ab'), makeRollout('abcde'), makeRollout('a')])).toBe(5);
  });

  it('is at least 1, so tensors never have a zero width', () => {
    expect(maxCompletionLength([])).toBe(1);
    expect(maxCompletionLength([makeRollout('')])).toBe(1);
  });
});
