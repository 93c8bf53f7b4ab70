import { Rng } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { checkSolution } from '../feedback/check-solution';
import { MathAnswerLeakGuard } from '../feedback/math-answer-leak-guard';
import { ARITHMETIC_FORMATS, type ArithmeticFormat } from './arithmetic-format-names';
import { drawFormat, shapeOf } from './arithmetic-formats';
import { ArithmeticTask } from './arithmetic-task';

const N = 150;
const examples = (format: ArithmeticFormat) =>
  new ArithmeticTask({ pretrainFormats: { [format]: 1 } }).supervised('train', N, Rng.fromSeed(7));
/** The `arithmetic` prompt is the last two lines' `question=?\n`: the context is what comes before it. */
const contextOf = (prompt: string, question: string) => prompt.slice(0, prompt.lastIndexOf(`${question}=?\n`));
const VERDICT = /\b(correct|incorrect|wrong answer|right answer|reward|score|verdict|answer is)\b/i;

const guard = new MathAnswerLeakGuard();

describe('arithmetic pretraining formats', () => {
  const plain = new ArithmeticTask({}).sample('train', 1, Rng.fromSeed(1));
  it('default weights give the plain prompt and the reference solution', () => {
    const [e] = new ArithmeticTask({}).supervised('train', 1, Rng.fromSeed(1));
    expect(e).toEqual({ problemId: plain[0]?.id, format: 'plain', prompt: plain[0]?.prompt, target: plain[0]?.solution });
  });

  for (const format of ARITHMETIC_FORMATS) {
    it(`${format}: well-formed, target is the reference solution, no label or gold answer in the context`, () => {
      for (const e of examples(format)) {
        expect(e.format).toBe(format);
        expect(e.prompt).toMatch(/^[\n\x20-\x7e]*$/);
        // The problem's own `question=?` line is the last one in the prompt.
        const question = [...e.prompt.matchAll(/(?:^|\n)([\d+\-*/()]+)=\?\n/g)].pop()?.[1] as string;
        expect(question, e.prompt).toBeDefined();
        const target = format === 'turn-first' ? e.target.replace(/^<feedback>\n<\/feedback>\n/, '') : e.target;
        expect(checkSolution(target, question).error, `${format}: ${target}`).toBeUndefined();
        const gold = /\\boxed\{([^}]*)\}$/.exec(target)?.[1] as string;
        const context = contextOf(e.prompt, question);
        const after = e.prompt.slice(e.prompt.lastIndexOf(`${question}=?\n`) + question.length + 3);
        expect(context + after).not.toMatch(VERDICT);
        if (format === 'plain') expect(e.prompt).toBe(`${question}=?\n`);
        if (format.startsWith('feedback') || format.startsWith('principles') || format.startsWith('turn')) {
          // No gold answer anywhere in the context (feedback, principles, prefilled block).
          expect(guard.scan(context + after, [gold]).leaks, `${format} leaks ${gold}: ${context}${after}`).toBe(0);
        }
        if (format.startsWith('feedback')) expect(context).toMatch(/^<feedback>\n[\s\S]+\n<\/feedback>\n$/);
        if (format.startsWith('principles')) expect(context).not.toMatch(/\d/);
        if (format === 'turn-first') expect(e.target.startsWith('<feedback>\n</feedback>\n')).toBe(true);
        if (format === 'turn-regen')
          expect(after).toMatch(/^Begin with a <feedback> block\.\n<feedback>\n[\s\S]+\n<\/feedback>\n$/);
        if (format === 'attempt' || format === 'attempt-other') expect(context).toMatch(/^Attempt 1:\n[\s\S]+\nCheck each line/);
        if (format === 'attempts') expect(context).toMatch(/^Attempt 1:\n[\s\S]+\nAttempt 2:\n[\s\S]+\nCheck each line/);
      }
    });
  }

  it('attempts are unlabelled, about half corrupted; another problem is never this one', () => {
    let corrupted = 0;
    for (const e of examples('attempt')) {
      const attempt = /^Attempt 1:\n([\s\S]*?)\nCheck each line/.exec(e.prompt)?.[1] as string;
      if (attempt !== e.target) corrupted++;
    }
    expect(corrupted / N).toBeGreaterThan(0.35);
    expect(corrupted / N).toBeLessThan(0.65);
    for (const e of examples('attempt-other')) {
      const attempt = /^Attempt 1:\n([\s\S]*?)\nCheck each line/.exec(e.prompt)?.[1] as string;
      expect(attempt.split('\n')[0]).not.toBe(e.target.split('\n')[0]);
    }
  });

  it('relevant principles come from problems of the same shape, irrelevant ones from others', () => {
    expect(shapeOf('3+4*5')).toBe('*+');
    expect(shapeOf('(3-4)*5')).toBe('*-()');
    const rel = examples('principles-relevant');
    const irr = examples('principles-irrelevant');
    // Same-shape principles name exactly this problem's operations more often.
    const names = { '+': 'addition', '-': 'subtraction', '*': 'multiplication' } as const;
    const matches = (e: (typeof rel)[number]) => {
      const q = e.prompt.trimEnd().split('\n').pop()?.replace('=?', '') ?? '';
      const used = /Operations used: ([^.]*)\./.exec(e.prompt)?.[1] ?? '';
      return (Object.keys(names) as (keyof typeof names)[]).every((op) => q.includes(op) === used.includes(names[op]));
    };
    expect(rel.filter(matches).length).toBeGreaterThan(irr.filter(matches).length + N / 4);
  });

  it('draws one format per batch by the weights', () => {
    const rng = Rng.fromSeed(3);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 4000; i++) {
      const f = drawFormat({ plain: 3, attempt: 1, 'feedback-prose': 0 }, rng);
      counts[f] = (counts[f] ?? 0) + 1;
    }
    expect(counts['feedback-prose']).toBeUndefined();
    expect((counts.plain ?? 0) / 4000).toBeCloseTo(0.75, 1);
    const batch = new ArithmeticTask({ pretrainFormats: { plain: 1, attempt: 1 } }).supervised('train', 20, Rng.fromSeed(5));
    expect(new Set(batch.map((e) => e.format)).size).toBe(1);
  });

  it('refuses weights that are all zero', () => {
    expect(() => new ArithmeticTask({ pretrainFormats: { plain: 0 } })).toThrow(/at least one format/);
  });
});
