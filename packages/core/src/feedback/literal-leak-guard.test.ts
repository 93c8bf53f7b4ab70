import { describe, expect, it } from 'vitest';
import { LiteralLeakGuard } from './literal-leak-guard';

const scan = (text: string, answers: string[]) => new LiteralLeakGuard().scan(text, answers);

describe('LiteralLeakGuard', () => {
  it('finds the answer as a whole token, case-insensitively', () => {
    expect(scan('so x = 3.', ['3'])).toEqual({ text: 'so x = [redacted].', leaks: 1 });
    expect(scan('Paris, then PARIS', ['Paris'])).toEqual({ text: '[redacted], then [redacted]', leaks: 2 });
    expect(scan('\\frac{1}{2} and \\frac{1}{2}x', ['\\frac{1}{2}'])).toEqual({
      text: '[redacted] and [redacted]x',
      leaks: 2,
    });
  });

  it('does not find it inside longer numbers or words', () => {
    expect(scan('13 and 3.5 and 3,000 and x3', ['3']).leaks).toBe(0);
    expect(scan('Parisian', ['Paris']).leaks).toBe(0);
  });

  it('ignores blank answers and checks every answer', () => {
    expect(scan('7 and 9', ['', ' ', '9', '7'])).toEqual({ text: '[redacted] and [redacted]', leaks: 2 });
  });
});
