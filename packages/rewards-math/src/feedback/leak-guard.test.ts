import { describe, expect, it } from 'vitest';
import { containsGold, guardLeak, REDACTION } from './leak-guard';

describe('leak guard', () => {
  it('matches the gold as a whole number token, not inside a longer number', () => {
    expect(containsGold('the result is 33.', '33')).toBe(true);
    expect(containsGold('12+21=33', '33')).toBe(true);
    expect(containsGold('133 and 330 and 33.5 and 3.3', '33')).toBe(false);
    expect(containsGold('it is 1,234 in total', '1234')).toBe(true);
    expect(containsGold('it is 33.0', '33')).toBe(true);
    expect(containsGold('it is -5', '5')).toBe(true);
    expect(containsGold('it is 0.5', '\\frac{1}{2}')).toBe(true);
  });

  it('ignores ordered-list markers at the start of a line', () => {
    expect(containsGold('Fix steps:\n1. Redo it.\n2. Check it.', '1')).toBe(false);
    expect(containsGold('Fix steps:\n1. Add 1.', '1')).toBe(true);
  });

  it('matches non-numeric golds as substrings', () => {
    expect(containsGold('maybe x^2+1 works', 'x^2+1')).toBe(true);
    expect(containsGold('the answer is \\text{Evelyn}', '\\text{Evelyn}')).toBe(true);
    expect(containsGold('Evelyn wins', '\\text{Evelyn}')).toBe(true);
  });

  it('redacts every occurrence and counts them', () => {
    const r = guardLeak('12+21=33, so 33.', '33');
    expect(r).toEqual({ text: `12+21=${REDACTION}, so ${REDACTION}.`, redactions: 2 });
    expect(guardLeak('nothing here', '33')).toEqual({ text: 'nothing here', redactions: 0 });
  });
});
