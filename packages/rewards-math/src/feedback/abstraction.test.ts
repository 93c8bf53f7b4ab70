import { describe, expect, it } from 'vitest';
import { gsm8kProblems } from '../test-support/gsm8k-problems';
import { sharedDataFile } from '../test-support/shared-data';
import { abstractPrinciples } from './abstraction';

describe('abstraction (golden)', () => {
  it('word problems: operations, their order, one operation per line, the answer format', () => {
    const text = abstractPrinciples([
      {
        question:
          'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many altogether?',
        text: 'Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\n#### 72',
      },
      {
        question: 'Weng earns $12 an hour for babysitting. Yesterday, she did 50 minutes. How much did she earn?',
        text: 'Weng earns 12/60 = $0.2 per minute.\nWorking 50 minutes, she earned 0.2 x 50 = $10.\n#### 10',
      },
      {
        question: 'A box holds 6 eggs. How many eggs are in 4 boxes and 3 loose eggs?',
        text: 'The boxes hold 6*4 = 25 eggs.\nWith the loose ones: 25+3 = 28 eggs.\n#### 28',
      },
    ]);
    expect(text).toBe(
      'Principles from related solutions:\n' +
        '- Operations used: addition, multiplication and division.\n' +
        '- Order of work: first division, then addition; or first division, then multiplication.\n' +
        '- Write a single operation per line and carry each result into the next line.\n' +
        '- Errors to avoid: a wrong result in a multiplication line.\n' +
        '- End with the final answer after ####.',
    );
  });

  it('errors in arithmetic trajectories and multi-operation lines', () => {
    const text = abstractPrinciples([
      { question: '4+6*8', text: '4+6=10\n10*8=80\n\\boxed{80}' },
      { question: 'Q', text: 'It costs 3 + 4 * 2 = 11 in all.\n\\boxed{11}' },
    ]);
    expect(text).toBe(
      'Principles from related solutions:\n' +
        '- Operations used: addition and multiplication.\n' +
        '- Order of work: multiply and divide before adding and subtracting; first multiplication, then addition.\n' +
        '- Write each computation on its own line and carry each result forward.\n' +
        '- Errors to avoid: adding or subtracting before multiplying or dividing.\n' +
        '- End with the final result alone in \\boxed{}.',
    );
    expect(abstractPrinciples([])).toBe('');
    expect(abstractPrinciples([{ question: 'Why?', text: 'Because.' }])).toBe(
      'Principles from related solutions:\n- Errors to avoid: leaving out the final answer.',
    );
  });

  const path = sharedDataFile('gsm8k/train.jsonl');
  it.runIf(path !== undefined)('never writes a digit, over 200 GSM8K reference solutions in pairs', () => {
    const problems = gsm8kProblems(path as string, 200);
    for (let i = 0; i + 1 < problems.length; i += 2) {
      const refs = [problems[i], problems[i + 1]].map((p) => ({ question: p?.question ?? '', text: p?.solution ?? '' }));
      const text = abstractPrinciples(refs);
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toMatch(/\d/);
    }
  });
});
