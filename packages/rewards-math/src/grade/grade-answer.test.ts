import { describe, expect, it } from 'vitest';
import { gradeAnswer } from './grade-answer';
import { GRADE_CASES } from './grade-cases';

describe('gradeAnswer: hand-written table', () => {
  it('has at least 150 cases covering every category', () => {
    expect(GRADE_CASES.length).toBeGreaterThanOrEqual(150);
    const categories = new Set(GRADE_CASES.map((c) => c.category));
    for (const k of ['string', 'numeric', 'symbolic', 'structural', 'choice', 'negative'])
      expect(categories.has(k as never)).toBe(true);
  });

  it.each(GRADE_CASES.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const got = gradeAnswer(c.gold, c.pred);
    expect(got.correct, `${JSON.stringify(c.gold)} vs ${JSON.stringify(c.pred)} -> ${JSON.stringify(got)}`).toBe(c.expected);
    if (c.method) expect(got.method, `${JSON.stringify(c.gold)} vs ${JSON.stringify(c.pred)}`).toBe(c.method);
    expect(got.timedOut).toBeUndefined();
  });
});

describe('gradeAnswer: bounded work', () => {
  it('stops at the deadline: an expired budget gives timedOut after the cheap string layer', () => {
    expect(gradeAnswer('(x+1)^2', 'x^2+2x+1', { timeoutMs: 0 })).toEqual({ correct: false, method: 'none', timedOut: true });
    expect(gradeAnswer('\\frac12', '\\frac{1}{2}', { timeoutMs: 0 })).toEqual({ correct: true, method: 'string' });
  });

  it('returns a verdict on pathological inputs (size caps, no exponent blow-ups, no unbounded CAS calls)', () => {
    const poly = Array.from({ length: 60 }, (_, i) => `x^{${i}}`).join('+');
    const cases: [string, string][] = [
      [poly, `${poly}+1`],
      ['(x+1)^{1000000}', '(1+x)^{1000000}'],
      ['10^{10^{10^{10}}}', '2'],
      ['\\binom{1000000000}{500000000}', '5'],
      ['9!!!!', '3'],
      [`${'{'.repeat(400)}1${'}'.repeat(400)}`, '1'],
      [`${'('.repeat(300)}x${')'.repeat(300)}`, 'x'],
      [
        `\\{${Array.from({ length: 40 }, (_, i) => `\\sqrt{${i}}+x^{${i}}`).join(',')}\\}`,
        `\\{${Array.from({ length: 40 }, (_, i) => `x^{${i}}+\\sqrt{${i}}`).join(',')}\\}`,
      ],
      ['x'.repeat(5000), 'x'.repeat(4999)],
      ['1e99999', '1e99998'],
    ];
    for (const [gold, pred] of cases) {
      const got = gradeAnswer(gold, pred);
      expect(got.timedOut, gold.slice(0, 40)).toBeUndefined();
    }
    expect(gradeAnswer('\\binom{1000000000}{500000000}', '5').correct).toBe(false);
    expect(gradeAnswer(`1${'0'.repeat(900)}`, `1${'0'.repeat(899)}1`)).toEqual({ correct: false, method: 'numeric' });
  });
});
