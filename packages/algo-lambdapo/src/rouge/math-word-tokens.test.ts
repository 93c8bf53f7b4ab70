import { describe, expect, it } from 'vitest';
import { mathWordTokens } from './math-word-tokens';

const tok = (s: string) => mathWordTokens(s).tokens;

describe('mathWordTokens', () => {
  it('keeps numbers and operators of a short arithmetic solution', () => {
    expect(tok('7*3=21\n12+21=33\n\\boxed{33}')).toEqual(['7', '*', '3', '=', '21', '12', '+', '21', '=', '33', 'boxed', '33']);
  });

  it('lower-cases words and drops punctuation and GSM8K calculator annotations', () => {
    expect(tok('Natalia sold 48/2 = <<48/2=24>>24 clips in May.')).toEqual([
      'natalia',
      'sold',
      '48',
      '/',
      '2',
      '=',
      '24',
      'clips',
      'in',
      'may',
    ]);
  });

  it('normalises LaTeX and Unicode operators', () => {
    expect(tok('$\\frac{1}{2} \\times 3 − 1 \\div 4 · 2 × 5$')).toEqual([
      'frac',
      '1',
      '2',
      '*',
      '3',
      '-',
      '1',
      '/',
      '4',
      '*',
      '2',
      '*',
      '5',
    ]);
    expect(tok('\\timesx')).toEqual(['timesx']);
  });

  it('splits letters from digits and reads thousands groups and decimals as one number', () => {
    expect(tok('2x+3y^2')).toEqual(['2', 'x', '+', '3', 'y', '^', '2']);
    expect(tok('$1,000.50 or 3,4 or 0.25.')).toEqual(['1000.50', 'or', '3', '4', 'or', '0.25']);
    expect(tok('Étape: π ≤ 4')).toEqual(['étape', 'π', '≤', '4']);
  });

  it('caps the token count and says so', () => {
    expect(mathWordTokens('a b c d', 2)).toEqual({ tokens: ['a', 'b'], truncated: true });
    expect(mathWordTokens('a b', 2)).toEqual({ tokens: ['a', 'b'], truncated: false });
    expect(mathWordTokens('', 2)).toEqual({ tokens: [], truncated: false });
  });
});
