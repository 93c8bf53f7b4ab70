import { describeRewardConformance, makeProblem, makeRollout } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { rougeLOptions } from './rouge-l-options';
import { RougeLReward } from './rouge-l-reward';

const make = (options: Record<string, unknown> = {}) => new RougeLReward(rougeLOptions.parse(options));
const score = (reward: RougeLReward, completion: string, ...solution: [string?]) =>
  reward.score({
    problem: makeProblem(solution.length ? { solution: solution[0] } : {}),
    rollout: makeRollout(completion),
  });

describeRewardConformance('rouge-l', {
  create: () => make(),
  cases: [
    { completion: '2 + 3 = 5\n\\boxed{5}', score: 1 },
    // [the sum 2 + 3 = 5] vs [2 + 3 = 5]: P = 5/7, R = 1, F = 10/12
    { completion: 'The sum: 2 + 3 = 5. \\boxed{5}', score: 10 / 12 },
    { completion: '\\boxed{5}', score: 0 },
    { completion: 'I do not know', score: 0 },
    { problem: makeProblem({ solution: undefined }), completion: '2 + 3 = 5', score: 0 },
  ],
});

describe('RougeLReward', () => {
  it('logs precision, recall, f and missing_reference', () => {
    const out = score(make(), 'The sum: 2 + 3 = 5. \\boxed{5}');
    expect(Object.keys(out.components ?? {}).sort()).toEqual(['f', 'missing_reference', 'precision', 'recall', 'truncated']);
    expect(out.components).toMatchObject({ recall: 1, missing_reference: 0, truncated: 0 });
    expect(out.components?.precision).toBeCloseTo(5 / 7, 12);
    expect(out.components?.f).toBeCloseTo(10 / 12, 12);
    expect(out.score).toBe(out.components?.f);
  });

  it('scores 0 and counts a missing (or token-free) reference', () => {
    for (const solution of [undefined, '', '  \n', '\\boxed{5}']) {
      const out = score(make(), '2 + 3 = 5', solution);
      expect(out.score).toBe(0);
      expect(out.components?.missing_reference).toBe(1);
    }
  });

  it('compares the whole completion or reference when asked', () => {
    expect(score(make({ completionPart: 'whole' }), '2 + 3 = 5 \\boxed{5}').score).toBeCloseTo((2 * 5) / 12, 12);
    expect(score(make({ completionPart: 'whole', referencePart: 'whole' }), '2 + 3 = 5 \\boxed{5}').score).toBe(1);
  });

  it('uses a custom answer pattern', () => {
    const gsm = make({ answerPattern: '^####' });
    const solution = 'She sold 48/2 = <<48/2=24>>24 clips.\n#### 24';
    expect(score(gsm, 'she sold 48 / 2 = 24 clips\n#### 25', solution).score).toBe(1);
    expect(score(make(), 'she sold 48 / 2 = 24 clips\n#### 25', solution).score).toBeLessThan(1);
    expect(rougeLOptions.safeParse({ answerPattern: '(' }).success).toBe(false);
  });

  it('applies F-beta and the token caps', () => {
    // candidate [1 2 3 4] vs reference [1 2]: P = 1/2, R = 1; F_2 = 5 * 0.5 / (2 + 1)
    expect(score(make({ beta: 2 }), '1 2 3 4', '1 2').score).toBeCloseTo(2.5 / 3, 12);
    const capped = score(make({ maxCompletionTokens: 2 }), '1 2 3 4', '1 2');
    expect(capped.score).toBe(1);
    expect(capped.components?.truncated).toBe(1);
    expect(score(make({ maxReferenceTokens: 1 }), '1 2', '1 2').components).toMatchObject({ precision: 0.5, recall: 1 });
  });

  it('handles 4k-token completions and references', () => {
    const long = Array.from({ length: 5000 }, (_, i) => `${i % 97} + ${i % 13} =`).join(' ');
    const out = score(make(), long, long);
    expect(out.score).toBe(1);
    expect(out.components?.truncated).toBe(1);
  });
});
