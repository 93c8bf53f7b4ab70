import { describe, expect, it } from 'vitest';
import { compactAnswer, normalizeAnswer } from './normalize-answer';

describe('normalizeAnswer', () => {
  it.each([
    ['\\left( 3, \\frac{\\pi}{2} \\right)', '( 3, \\frac{\\pi}{2} )'],
    ['\\dfrac{17}{50}', '\\frac{17}{50}'],
    ['\\frac 34', '\\frac{3}{4}'],
    ['90^\\circ', '90'],
    ['50\\%', '50'],
    ['\\$32,\\!348', '32348'],
    ['11,\\! 111,\\! 111,\\! 100', '11111111100'],
    ['5.4 \\text{ cents}', '5.4'],
    ['864 \\mbox{ inches}^2', '864'],
    ['\\text{Evelyn}', 'Evelyn'],
    ['x \\in [-2,7]', '[-2,7]'],
    ['42.', '42'],
    ['$42$', '42'],
    ['1234 dollars', '1234'],
    ['204_5', '204_{5}'],
    ['x^2', 'x^{2}'],
    ['2^10', '2^{10}'],
    ['3 \\text{ or } 4', '3 , 4'],
    ['y \\leq 3', 'y \\le 3'],
    ['y<=3', 'y \\le 3'],
    ['x >= -1', 'x \\ge -1'],
    ['t \\geqslant 0', 't \\ge 0'],
    ['a != b', 'a \\ne b'],
    ['a \\neq b', 'a \\ne b'],
    ['p \\lt q', 'p < q'],
    ['x \\le \\left| y \\right|', 'x \\le | y |'],
    ['\\cfrac{2}{5}', '\\frac{2}{5}'],
    ['\\cfrac[l]{1}{2}', '\\frac{1}{2}'],
    ['21,456', '21456'],
    ['21, 456', '21, 456'],
    ['1{,}000', '1000'],
    ['10,\\! 080', '10080'],
    ['x<1 \\lor x>4', 'x<1 , x>4'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeAnswer(raw)).toBe(expected);
  });

  it('keeps matrix row breaks', () => {
    expect(compactAnswer('\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}')).toBe('\\begin{pmatrix}1\\\\2\\end{pmatrix}');
  });

  it('leaves lists with commas alone', () => {
    expect(compactAnswer('3, 5, 7')).toBe('3,5,7');
    expect(compactAnswer('1,-2')).toBe('1,-2');
  });

  it('is idempotent on its output', () => {
    for (const raw of ['\\frac12', '\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]', '15\\mbox{ cm}^2', '\\$18.90']) {
      const once = normalizeAnswer(raw);
      expect(normalizeAnswer(once)).toBe(once);
    }
  });

  it('handles long and hostile input quickly', () => {
    expect(normalizeAnswer('{'.repeat(3000))).toBe('{'.repeat(3000));
    expect(normalizeAnswer(`5 ${'a'.repeat(1500)}!`).length).toBeGreaterThan(0);
  });
});
