import { Rng } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { extractAnswer } from '../extract/extract-answer';
import { checkSolution } from '../feedback/check-solution';
import { gradeAnswer } from '../grade/grade-answer';
import { ARITHMETIC_ALPHABET } from './arithmetic-alphabet';
import { ArithmeticTask } from './arithmetic-task';
import { evaluateTokens, parseArithmetic } from './expression';
import { splitOf } from './split-of';

describe('arithmetic task', () => {
  it('is deterministic under a seed', () => {
    const a = new ArithmeticTask({}).sample('train', 50, Rng.fromSeed(9));
    const b = new ArithmeticTask({}).sample('train', 50, Rng.fromSeed(9));
    expect(b).toEqual(a);
    expect(new ArithmeticTask({}).list('test', 100)).toEqual(new ArithmeticTask({}).list('test', 100));
    expect(new ArithmeticTask({ seed: 5 }).list('test', 20)).not.toEqual(new ArithmeticTask({}).list('test', 20));
  });

  it('keeps train and test disjoint by construction', () => {
    const task = new ArithmeticTask({});
    const test = new Set(task.list('test', 500).map((p) => p.question));
    expect(test.size).toBe(500);
    const train = task.sample('train', 5000, Rng.fromSeed(1));
    for (const p of train) {
      expect(test.has(p.question)).toBe(false);
      expect(splitOf(p.question, task.options.testFraction)).toBe('train');
      expect(p.split).toBe('train');
    }
    for (const p of task.sample('test', 200, Rng.fromSeed(2))) expect(splitOf(p.question, 0.1)).toBe('test');
  });

  it('keeps splits disjoint on a tiny expression space too', () => {
    const task = new ArithmeticTask({ minSteps: 1, maxSteps: 1, maxDigits: 1, operators: ['+'], testFraction: 0.3 });
    const test = task.list('test', 1000);
    const train = task.list('train', 1000);
    expect(test.length + train.length).toBe(81);
    const testSet = new Set(test.map((p) => p.question));
    expect(train.some((p) => testSet.has(p.question))).toBe(false);
  });

  it('writes one checkable step per line ending in \\boxed{} and its reference solutions grade 100% correct', () => {
    const task = new ArithmeticTask({});
    const problems = [...task.list('test', 500), ...task.sample('train', 2000, Rng.fromSeed(4))];
    for (const p of problems) {
      expect(p.prompt).toBe(`${p.question}=?\n`);
      expect(evaluateTokens(parseArithmetic(p.question) ?? [])?.toString()).toBe(p.answer);
      const lines = (p.solution ?? '').split('\n');
      expect(lines[lines.length - 1]).toBe(`\\boxed{${p.answer}}`);
      expect(lines.length - 1).toBe(p.meta?.steps);
      const ex = extractAnswer(p.solution ?? '');
      expect(ex.found && gradeAnswer(p.answer, ex.answer).correct).toBe(true);
      expect(checkSolution(p.solution ?? '', p.question).error).toBeUndefined();
      for (const ch of p.prompt + (p.solution ?? '')) expect(ARITHMETIC_ALPHABET).toContain(ch);
    }
  });

  it('respects its difficulty knobs', () => {
    const task = new ArithmeticTask({
      minSteps: 4,
      maxSteps: 4,
      minDigits: 1,
      maxDigits: 1,
      operators: ['*', '+'],
      parentheses: 1,
      maxIntermediate: 5000,
    });
    for (const p of task.sample('train', 200, Rng.fromSeed(3))) {
      expect(p.meta?.steps).toBe(4);
      expect(p.question).toMatch(/^[0-9*+()]+$/);
      for (const n of p.question.match(/\d+/g) ?? []) expect(n.length).toBe(1);
      expect(Number(p.answer)).toBeLessThanOrEqual(5000);
    }
    const withDivision = new ArithmeticTask({ operators: ['/', '+'], minSteps: 2, maxSteps: 2 });
    for (const p of withDivision.sample('train', 100, Rng.fromSeed(6))) expect(Number.isInteger(Number(p.answer))).toBe(true);
    const negatives = new ArithmeticTask({ operators: ['-'], allowNegative: true, minSteps: 3, maxSteps: 3 });
    const answers = negatives.sample('train', 300, Rng.fromSeed(8)).map((p) => Number(p.answer));
    expect(answers.some((a) => a < 0)).toBe(true);
    const some = negatives.sample('train', 300, Rng.fromSeed(8));
    for (const p of some) expect(checkSolution(p.solution ?? '', p.question).error).toBeUndefined();
  });

  it('defaults stay short for a character-level model', () => {
    const ps = new ArithmeticTask({}).sample('train', 1000, Rng.fromSeed(11));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(ps.map((p) => p.prompt.length))).toBeLessThan(25);
    expect(Math.max(...ps.map((p) => (p.solution ?? '').length))).toBeLessThanOrEqual(60);
    expect(new Set(ps.map((p) => p.meta?.steps))).toEqual(new Set([2, 3]));
  });

  it('rejects a prompt template with characters outside the alphabet', () => {
    expect(() => new ArithmeticTask({ promptTemplate: 'Q: {question}' })).toThrow(/ARITHMETIC_ALPHABET/);
    expect(() => new ArithmeticTask({ promptTemplate: '{question}=\n' })).not.toThrow();
  });

  it('reports unbounded size and stable ids', () => {
    const task = new ArithmeticTask({});
    expect(task.size('train')).toBeUndefined();
    const [p] = task.list('test', 1);
    expect(p?.id).toMatch(/^arith-test-[0-9a-f]{16}$/);
  });
});
