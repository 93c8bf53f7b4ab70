import { describe, expect, it } from 'vitest';
import { countBoxed, extractAnswer } from './extract-answer';

const answer = (text: string, options = {}) => {
  const got = extractAnswer(text, options);
  return got.found ? got.answer : undefined;
};

describe('extractAnswer', () => {
  it('takes the last \\boxed{} by brace counting, with nested braces', () => {
    expect(answer('so \\boxed{3} then \\boxed{\\frac{1}{2}}.')).toBe('\\frac{1}{2}');
    expect(answer('\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}')).toBe('\\left( 3, \\frac{\\pi}{2} \\right)');
    expect(answer('\\boxed{\\text{(B)}}')).toBe('\\text{(B)}');
    expect(answer('x \\boxed{ \\{1,2\\} } y')).toBe('\\{1,2\\}');
  });

  it('reports the raw span and its position', () => {
    const text = 'The sum is \\boxed{42}.';
    const got = extractAnswer(text);
    expect(got).toEqual({ found: true, answer: '42', start: 18, end: 20, source: 'boxed' });
    if (got.found) expect(text.slice(got.start, got.end)).toBe('42');
  });

  it('reads \\fbox, \\framebox and \\boxed without braces', () => {
    expect(answer('\\fbox{7}')).toBe('7');
    expect(answer('or $\\framebox{204}$ minutes')).toBe('204');
    expect(answer('so $\\boxed 5$.')).toBe('5');
    expect(answer('\\boxed 12\nmore')).toBe('12');
  });

  it('skips an unclosed or empty last box and falls back to an earlier one', () => {
    expect(answer('\\boxed{3} and then \\boxed{4', { fallback: 'none' })).toBe('3');
    expect(answer('\\boxed{9} \\boxed{}', { fallback: 'none' })).toBe('9');
    expect(answer('\\boxed{\\boxed{\\boxed{}}}', { fallback: 'none' })).toBe('\\boxed{}');
    expect(extractAnswer('\\boxed{', { fallback: 'none' })).toEqual({ found: false });
  });

  it('does not mistake \\boxedx or similar commands for a box', () => {
    expect(answer('\\boxedfoo{3} 7', { fallback: 'none' })).toBeUndefined();
  });

  it('reads GSM8K #### answers', () => {
    const got = extractAnswer('He makes 9 * 2 = <<9*2=18>>18.\n#### 18');
    expect(got).toMatchObject({ found: true, answer: '18', source: 'gsm8k' });
    expect(answer('#### 1,450,000')).toBe('1,450,000');
  });

  it('reads "The answer is ..." and "Answer: ..."', () => {
    expect(extractAnswer('So the answer is 3.5. Done')).toMatchObject({ answer: '3.5', source: 'answer-is' });
    expect(answer('The final answer is $\\frac{1}{2}$.')).toBe('\\frac{1}{2}');
    expect(answer('Answer: 12 apples\nbye')).toBe('12 apples');
  });

  it('prefers boxed over #### over "answer is"', () => {
    expect(answer('The answer is 1.\n#### 2\n\\boxed{3}')).toBe('3');
    expect(answer('The answer is 1.\n#### 2')).toBe('2');
  });

  it('falls back to the last number (configurable)', () => {
    expect(extractAnswer('12 + 30 = 42')).toMatchObject({ answer: '42', source: 'last-number' });
    expect(answer('it costs $1,234.50 total')).toBe('1,234.50');
    expect(answer('about -3/4 of it')).toBe('-3/4');
    expect(extractAnswer('12 + 30 = 42', { fallback: 'none' })).toEqual({ found: false });
    expect(extractAnswer('no digits here')).toEqual({ found: false });
  });

  it('can switch layers off', () => {
    expect(answer('\\boxed{3} #### 4', { boxed: false })).toBe('4');
    expect(answer('#### 4\nthe answer is 5', { gsm8k: false })).toBe('5');
  });

  it('stays linear on hostile input', () => {
    const text = '\\boxed{'.repeat(20000) + 'x'.repeat(20000);
    expect(extractAnswer(text, { fallback: 'none' })).toEqual({ found: false });
    expect(countBoxed(text)).toBe(0);
  });

  it('counts well-formed boxes', () => {
    expect(countBoxed('\\boxed{1} and \\fbox{2} and \\boxed{')).toBe(2);
    expect(countBoxed('none')).toBe(0);
  });

  it('joins the boxes of the final sentence into a set or tuple (option), never across steps or lines', () => {
    const text = 'so $x = \\boxed{-3}$ and $x = \\boxed{4}$.';
    const got = extractAnswer(text);
    expect(got).toMatchObject({ found: true, answer: '\\{-3, 4\\}', source: 'boxed' });
    if (got.found) expect(text.slice(got.start, got.end)).toBe('-3}$ and $x = \\boxed{4');
    expect(answer(text, { multipleBoxes: 'tuple' })).toBe('(-3, 4)');
    expect(answer(text, { multipleBoxes: 'last' })).toBe('4');
    expect(answer('\\boxed{2}, \\boxed{2}')).toBe('2');
    expect(answer('\\boxed{1} so \\boxed{2}')).toBe('2');
    expect(answer('\\boxed{1}, hence \\boxed{2}')).toBe('2');
    expect(answer('\\boxed{1}. And \\boxed{2}')).toBe('2');
    expect(answer('\\boxed{1} and\n\\boxed{2}')).toBe('2');
    expect(answer(`\\boxed{1}, ${'x'.repeat(130)} and \\boxed{2}`)).toBe('2');
  });

  it('reads the last math span in prose when nothing explicit is there (unless lastMath is false or fallback is none)', () => {
    expect(extractAnswer('The vertex is $(1, -2)$, then we stop.')).toMatchObject({ answer: '(1, -2)', source: 'math' });
    expect(answer('Here \\(a = 1\\) and \\[ b = \\frac{3}{2} \\]')).toBe('b = \\frac{3}{2}');
    expect(answer('so $$4 \\cdot 5 = 20.$$')).toBe('20');
    expect(answer('Adding, $x + 1 = 20$')).toBe('x + 1 = 20');
    expect(answer('It is $3 per pound and $2 per bag')).toBe('2');
    expect(answer('The vertex is $(1, -2)$.', { lastMath: false })).toBe('-2');
    expect(extractAnswer('The vertex is $(1, -2)$.', { fallback: 'none' })).toEqual({ found: false });
    expect(answer('A = \\begin{bmatrix} 1 & 0 \\\\ 0 & 1 \\end{bmatrix} is the identity')).toBe(
      '\\begin{bmatrix} 1 & 0 \\\\ 0 & 1 \\end{bmatrix}',
    );
  });

  it('searches the answer sentence for its math and drops filler and explanations', () => {
    expect(answer('Answer: therefore $x = 2$, which checks.')).toBe('x = 2');
    expect(answer('The final answer is $$\\frac{1}{6}$$ I think')).toBe('\\frac{1}{6}');
    expect(answer('The answer is simply 14 since 7 + 7 = 14.')).toBe('14');
    expect(answer('**Final answer:** 9**')).toBe('9');
  });

  it('takes numbers standing on their own only', () => {
    expect(answer('Option AB4C', { lastMath: false })).toBeUndefined();
    expect(answer('cell C7 holds 12kg')).toBe('12');
    expect(answer('so 5x and then 3')).toBe('3');
    expect(answer('values 3,4')).toBe('4');
    expect(answer('total 1,234.50')).toBe('1,234.50');
  });

  it('stays linear on hostile spans and box runs', () => {
    const prose = '$costs and more$ '.repeat(20000);
    const t0 = performance.now();
    expect(extractAnswer(prose)).toEqual({ found: false });
    expect(extractAnswer('\\(a b c d\\)'.repeat(20000)).found).toBe(true);
    expect(extractAnswer('\\('.repeat(30000)).found).toBe(false);
    const boxes = extractAnswer(Array.from({ length: 5000 }, (_, i) => `\\boxed{${i}}`).join(', '));
    expect(boxes.found && boxes.answer.split(',').length).toBe(16);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
