import { describe, expect, it } from 'vitest';
import { Rational } from '../rational/rational';
import { evaluateTokens, evaluationSteps, formatStep, formatTokens, nextOperatorIndex, parseArithmetic } from './expression';

const value = (s: string) => evaluateTokens(parseArithmetic(s) ?? [])?.toString();

describe('arithmetic expressions', () => {
  it('parses and evaluates exactly with precedence and parentheses', () => {
    expect(value('12+7*3')).toBe('33');
    expect(value('(12+7)*3')).toBe('57');
    expect(value('10-3+2')).toBe('9');
    expect(value('7/2')).toBe('7/2');
    expect(value('5-(-9)')).toBe('14');
    expect(value('-9*4')).toBe('-36');
    expect(value('1,234+1')).toBe('1235');
    expect(value('.5*4')).toBe('2');
    expect(value('3 \\times 4')).toBe('12');
    expect(value('1/0')).toBeUndefined();
  });

  it('rejects malformed input', () => {
    for (const s of ['', '1+', '*2', '(1+2', '1+2)', '1++2', 'x+1', '-(3)']) expect(parseArithmetic(s), s).toBeUndefined();
  });

  it('formats canonically', () => {
    expect(formatTokens(parseArithmetic('5 - (-9) * ( 2 + 3 )') ?? [])).toBe('5-(-9)*(2+3)');
    expect(formatStep(Rational.of(5), '-', Rational.of(-9), Rational.of(14))).toBe('5-(-9)=14');
  });

  it('picks the next operation in the standard order', () => {
    const t = parseArithmetic('1+2*(3-4/2)') ?? [];
    expect(t[nextOperatorIndex(t) ?? -1]).toEqual({ kind: 'op', op: '/' });
    const steps = evaluationSteps(t) ?? [];
    expect(steps.map((s) => formatStep(s.left, s.op, s.right, s.result))).toEqual(['4/2=2', '3-2=1', '2*1=2', '1+2=3']);
    expect(evaluationSteps(parseArithmetic('7') ?? [])).toEqual([]);
  });
});
