import { describe, expect, it } from 'vitest';
import type { GenerationResult } from '../records/generation';
import { makeProblem } from '../testing/fixtures';
import { rolloutFromResult } from './rollout-from-result';

const result = (completionIds: number[], prefillLength: number, text = 'text'): GenerationResult => ({
  promptIds: [1, 2],
  completionIds,
  text,
  logProbs: completionIds.map((_, t) => -0.1 * (t + 1)),
  prefillLength,
  temperature: 0.7,
  finishReason: 'stop',
});

describe('rolloutFromResult', () => {
  const problem = makeProblem({ id: 'prob-7' });

  it('masks out exactly the prefilled tokens', () => {
    const at = { id: 'r', groupId: 'g', prefill: 'te' };
    expect(rolloutFromResult(problem, result([5, 6, 7, 8, 9], 2), at).lossMask).toEqual([0, 0, 1, 1, 1]);
    expect(rolloutFromResult(problem, result([5, 6, 7], 0), { id: 'r', groupId: 'g' }).lossMask).toEqual([1, 1, 1]);
    expect(rolloutFromResult(problem, result([5, 6, 7], 3), at).lossMask).toEqual([0, 0, 0]);
    expect(rolloutFromResult(problem, result([], 0), { id: 'r', groupId: 'g' }).lossMask).toEqual([]);
  });

  it('copies the generation and fills defaults for an unscored first-turn rollout', () => {
    const res = result([5, 6], 1);
    const r = rolloutFromResult(problem, res, { id: 'r1', groupId: 'g1', prefill: 't' });
    expect(r).toEqual({
      id: 'r1',
      problemId: 'prob-7',
      groupId: 'g1',
      subGroup: '',
      turn: 0,
      contextKind: 'none',
      promptIds: [1, 2],
      completionIds: [5, 6],
      completionText: 'ext',
      prefill: 't',
      prefillLength: 1,
      lossMask: [0, 1],
      behaviourLogProbs: res.logProbs,
      temperature: 0.7,
      finishReason: 'stop',
      rewardComponents: {},
      reward: 0,
    });
    expect('context' in r).toBe(false);
  });

  it('keeps the placement fields when given', () => {
    const r = rolloutFromResult(problem, result([5], 0), {
      id: 'r2',
      groupId: 'g2',
      subGroup: 'reflection',
      turn: 2,
      contextKind: 'reflection',
      context: 'Earlier you forgot to carry the 1.',
    });
    expect(r).toMatchObject({
      subGroup: 'reflection',
      turn: 2,
      contextKind: 'reflection',
      context: 'Earlier you forgot to carry the 1.',
    });
  });

  it('keeps the prefill out of completionText: by the request prefill, else by decoding the generated tokens', () => {
    const res = result([7, 8, 9, 10], 2, '<f>x</f>\n 42');
    const r = rolloutFromResult(problem, res, { id: 'r', groupId: 'g', prefill: '<f>x</f>\n' });
    expect(r.completionText).toBe(' 42');
    expect(r.prefill).toBe('<f>x</f>\n');
    const decoded = rolloutFromResult(problem, res, {
      id: 'r',
      groupId: 'g',
      prefill: '<F>X</F>\n',
      decode: (ids) => ids.map((i) => String.fromCharCode(90 + i)).join(''),
    });
    expect(decoded.completionText).toBe('cd');
    expect(decoded.prefill).toBe('<F>X</F>\n');
    expect(() => rolloutFromResult(problem, res, { id: 'r9', groupId: 'g' })).toThrow(
      /rollout r9: the result has 2 prefill tokens/,
    );
  });

  it('marks a pair-only rollout', () => {
    expect(rolloutFromResult(problem, result([5], 0), { id: 'r', groupId: 'g', policyGradient: false }).policyGradient).toBe(
      false,
    );
    expect('policyGradient' in rolloutFromResult(problem, result([5], 0), { id: 'r', groupId: 'g' })).toBe(false);
  });
});
