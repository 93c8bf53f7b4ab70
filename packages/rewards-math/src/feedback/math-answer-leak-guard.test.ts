import { REDACTED } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { MathAnswerLeakGuard } from './math-answer-leak-guard';
import { numberWordSpans } from './number-words';

const guard = new MathAnswerLeakGuard();
const leaks = (text: string, gold: string) => guard.scan(text, [gold]).leaks;
const redacted = (text: string, gold: string) => guard.scan(text, [gold]).text;

describe('math-answer leak guard', () => {
  it('finds a numeric gold in every equivalent written form', () => {
    for (const text of [
      'so it is 30',
      'it is 30.0 in all',
      'it is 30.00',
      'it is +30',
      'it is -30',
      'it costs $30.',
      '\\boxed{30}',
      '\\boxed{ 30 }',
      'x = 30',
      '24+6=30',
      '3e1',
      '3 \\times 10^{1}',
      'thirty',
      'Thirty apples',
      '60/2',
      '\\frac{60}{2}',
      '\\boxed{\\dfrac{90}{3}}',
      '30 dollars',
      '30kg',
    ]) {
      expect(leaks(text, '30'), text).toBeGreaterThan(0);
    }
    expect(leaks('twenty-four', '24')).toBe(1);
    expect(leaks('twenty four hours', '24')).toBe(1);
    expect(leaks('one hundred and five', '105')).toBe(1);
    expect(leaks('two thousand three hundred', '2300')).toBe(1);
    expect(leaks('it is 1,234 in total', '1234')).toBe(1);
    expect(leaks('it is 1234 in total', '1,234')).toBe(1);
    expect(leaks('30 thousand', '30000')).toBe(1);
    expect(leaks('about 2.5 million', '2500000')).toBe(1);
  });

  it('treats fractions, decimals and percents of equal value as the same gold', () => {
    expect(leaks('it is 0.5', '\\frac{1}{2}')).toBe(1);
    expect(leaks('it is .5', '1/2')).toBe(1);
    expect(leaks('it is 1/2', '0.5')).toBe(1);
    expect(leaks('it is 2/4', '0.5')).toBe(1);
    expect(leaks('it is \\frac{1}{2}', '0.5')).toBe(1);
    expect(leaks('it is \\frac12', '0.5')).toBe(1);
    expect(leaks('it is 1\\frac{1}{2}', '3/2')).toBe(1);
    expect(leaks('it is 1 1/2', '1.5')).toBe(1);
    expect(leaks('about 0.33 or 0.333', '1/3')).toBe(2);
    expect(leaks('about 0.3', '1/3')).toBe(0);
    expect(leaks('it is 25%', '25\\%')).toBe(1);
    expect(leaks('it is 25 percent', '25%')).toBe(1);
    expect(leaks('it is 0.25', '25%')).toBe(1);
    expect(leaks('it is 25%', '0.25')).toBe(1);
    expect(leaks('it is 25', '0.25')).toBe(0);
  });

  it('does not count numbers inside longer ones, other values, or list markers', () => {
    expect(leaks('133 and 330 and 33.5 and 3.3 and 0.33', '33')).toBe(0);
    expect(leaks('a 20*.25 share', '25')).toBe(0);
    expect(leaks('24+6 is the sum', '30')).toBe(0);
    expect(leaks('Fix steps:\n1. Redo it.\n2) Check it.', '1')).toBe(0);
    expect(leaks('Fix steps:\n1. Add 1.', '1')).toBe(1);
    expect(leaks('twenty-four', '20')).toBe(0);
    expect(leaks('someone', '1')).toBe(0);
    expect(leaks('the third line', '3')).toBe(0);
    expect(leaks('48/2/2', '24')).toBe(0);
  });

  it('finds LaTeX and text golds through their normalised forms', () => {
    expect(leaks('maybe x^2+1 works', 'x^2+1')).toBe(1);
    expect(leaks('the answer is \\text{Evelyn}', '\\text{Evelyn}')).toBeGreaterThan(0);
    expect(leaks('evelyn wins', '\\text{Evelyn}')).toBe(1);
    expect(leaks('so \\boxed{\\frac{\\sqrt{3}}{2}}', '\\dfrac{\\sqrt3}{2}')).toBe(1);
    expect(leaks('we get $(1,2)$ here', '(1, 2)')).toBe(1);
    expect(leaks('so y = 2x+1', '1+2x')).toBe(1);
    expect(leaks('Evelyns', 'Evelyn')).toBe(0);
  });

  it('redacts each leaked span once, counting spans, for every answer given', () => {
    expect(guard.scan('12+21=33, so \\boxed{33}.', ['33'])).toEqual({
      text: `12+21=${REDACTED}, so \\boxed{${REDACTED}}.`,
      leaks: 2,
    });
    expect(guard.scan('thirty or 30.0 or 12', ['30', '12'])).toEqual({
      text: `${REDACTED} or ${REDACTED} or ${REDACTED}`,
      leaks: 3,
    });
    expect(guard.scan('nothing here', ['33'])).toEqual({ text: 'nothing here', leaks: 0 });
    expect(guard.scan('33', [])).toEqual({ text: '33', leaks: 0 });
    expect(redacted('Line: 24+6=30.', '30')).toBe(`Line: 24+6=${REDACTED}.`);
  });

  it('is fast on long texts', () => {
    const text = 'She has 12 + 30 = 43 apples and twenty-four pears; 1/2 of 48 is 24. '.repeat(400);
    const started = performance.now();
    for (let i = 0; i < 20; i++) guard.scan(text, ['42']);
    expect((performance.now() - started) / 20).toBeLessThan(50);
  });
});

describe('number words', () => {
  it('reads cardinal numbers, longest first', () => {
    const read = (t: string) => numberWordSpans(t).map((s) => [t.slice(s.start, s.end), Number(s.value)]);
    expect(read('twenty-four and one hundred and five')).toEqual([
      ['twenty-four', 24],
      ['one hundred and five', 105],
    ]);
    expect(read('one two three')).toEqual([
      ['one', 1],
      ['two', 2],
      ['three', 3],
    ]);
    expect(read('Thirty Thousand Five Hundred Twelve')).toEqual([['Thirty Thousand Five Hundred Twelve', 30512]]);
    expect(read('thirty thirty')).toEqual([
      ['thirty', 30],
      ['thirty', 30],
    ]);
    expect(read('a hundred, the third, someone, dozen')).toEqual([]);
    expect(read('one hundred and apples')).toEqual([['one hundred', 100]]);
  });
});
