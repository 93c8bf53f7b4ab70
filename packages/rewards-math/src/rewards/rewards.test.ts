import { describeRewardConformance, makeProblem, makeRollout } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { FormatReward } from './format-reward';
import { MathAccuracyReward } from './math-accuracy-reward';

describeRewardConformance('math-accuracy', {
  create: () => new MathAccuracyReward({}),
  cases: [
    { completion: '2 + 3 = 5\n\\boxed{5}', score: 1 },
    { completion: '\\boxed{6}', score: 0 },
    { completion: 'so the answer is 5.', score: 1 },
    { completion: 'no number at all', score: 0 },
    { problem: makeProblem({ answer: '\\frac{1}{2}' }), completion: 'It is $\\boxed{0.5}$.', score: 1 },
    { problem: makeProblem({ answer: '(3,4]' }), completion: '\\boxed{(3,4)}', score: 0 },
    { problem: makeProblem({ answer: '18' }), completion: 'Janet makes 9 * 2 = 18.\n#### 18', score: 1 },
  ],
});

describeRewardConformance('format', {
  create: () => new FormatReward({}),
  cases: [
    { completion: '\\boxed{5}', score: 1 },
    { completion: '\\boxed{5} or \\boxed{6}', score: 0 },
    { completion: 'five', score: 0 },
  ],
});

describe('math-accuracy components', () => {
  it('reports has_answer, boxed, timed_out and the accepting layer', () => {
    const r = new MathAccuracyReward({});
    expect(r.score({ problem: makeProblem({ answer: '\\frac12' }), rollout: makeRollout('\\boxed{0.5}') })).toEqual({
      score: 1,
      components: {
        has_answer: 1,
        boxed: 1,
        timed_out: 0,
        method_string: 0,
        method_numeric: 1,
        method_symbolic: 0,
        method_structural: 0,
        method_choice: 0,
      },
      answer: '0.5',
    });
    const none = new MathAccuracyReward({ fallback: 'none' }).score({ problem: makeProblem(), rollout: makeRollout('it is 5') });
    expect(none.score).toBe(0);
    expect(none.components?.has_answer).toBe(0);
    expect(none.answer).toBeUndefined();
  });

  it('returns the extracted answer in compact form for majority voting', () => {
    const r = new MathAccuracyReward({});
    const out = r.score({ problem: makeProblem({ answer: '12' }), rollout: makeRollout('so \\boxed{ 12 }.') });
    expect(out.score).toBe(1);
    expect(out.answer).toBe('12');
  });
});

describe('format reward options', () => {
  it('checks box count, box at end and required tags in order', () => {
    const score = (options: object, text: string) =>
      new FormatReward(options).score({ problem: makeProblem(), rollout: makeRollout(text) });
    expect(score({ boxed: 'at-least-one' }, '\\boxed{1} \\boxed{2}').score).toBe(1);
    expect(score({ boxed: 'any' }, 'none').score).toBe(1);
    expect(score({ boxedAtEnd: true }, '7*3=21\n\\boxed{21}').score).toBe(1);
    expect(score({ boxedAtEnd: true }, '\\boxed{21} and more').score).toBe(0);
    expect(score({ boxedAtEnd: true }, 'so $\\boxed{\\frac{1}{2}}$.').score).toBe(1);
    const tags = { requiredTags: ['think', 'answer'] };
    expect(score(tags, '<think>x</think><answer>\\boxed{1}</answer>').score).toBe(1);
    expect(score(tags, '<answer>\\boxed{1}</answer><think>x</think>').score).toBe(0);
    expect(score(tags, '<think>x</think><think>y</think><answer>\\boxed{1}</answer>').score).toBe(0);
    const partial = score({ ...tags, partialCredit: true }, '\\boxed{1}');
    expect(partial.score).toBeCloseTo(2 / 3, 10);
    expect(partial.components).toEqual({ boxed_count: 1, boxed_ok: 1, end_ok: 1, tags_ok: 0 });
  });
});
