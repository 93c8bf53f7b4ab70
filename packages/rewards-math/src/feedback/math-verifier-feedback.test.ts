import { problemView, Rng } from '@trellis/core';
import { describeFeedbackConformance, makeProblem } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { ArithmeticTask } from '../arithmetic/arithmetic-task';
import { corruptArithmeticSolution } from '../arithmetic/corrupt-solution';
import { checkSolution } from './check-solution';
import { MathVerifierFeedback } from './math-verifier-feedback';
import { ordinal } from './ordinal';

describeFeedbackConformance('math-verifier', {
  create: () => new MathVerifierFeedback({}),
  cases: [
    {
      problem: makeProblem({
        id: 'a',
        question: '41*9+37',
        prompt: '41*9+37=?\n',
        answer: '406',
        solution: '41*9=369\n369+37=406\n\\boxed{406}',
      }),
      attempts: ['41*9=369\n369+37=416\n\\boxed{416}', '41*9=368\n368+37=405\n\\boxed{405}'],
    },
    {
      problem: makeProblem({ id: 'b', question: 'Tom has 12 apples and buys 30 more. How many?', answer: '42' }),
      attempts: ['Tom has 12 + 30 = 43 apples.\n#### 43', 'He has 12 * 30 = 360 apples.\n#### 360'],
    },
    {
      problem: makeProblem({ id: 'c', question: '(58+29)*7', answer: '609' }),
      attempts: ['58+29*7=261\n\\boxed{261}', '58+29=87\n\\boxed{87}'],
    },
  ],
});

const view = (question: string, answer?: string) => ({ id: 'p', question, ...(answer ? { answer } : {}) });

describe('math-verifier critiques', () => {
  it('names the first wrong line, says why, and reveals a step value only when it is not the answer', async () => {
    const fb = new MathVerifierFeedback({});
    const out = await fb.provide({
      kind: 'critique',
      problem: view('4+6*8'),
      attempts: [{ text: '6*8=46\n4+46=50\n\\boxed{50}' }],
    });
    expect(out.text).toBe(
      'Issue: The first line "6*8=46" is wrong: 6*8 is 48, not 46.\nFix steps:\n1. Redo the first line: 6*8=48.\n2. Carry the corrected value into every later line.\n3. End with the final result alone in \\boxed{}.',
    );
    const last = await fb.provide({
      kind: 'critique',
      problem: view('4+6*8'),
      attempts: [{ text: '6*8=48\n4+48=51\n\\boxed{51}' }],
    });
    expect(last.text).toContain('the second line "4+48=51" is wrong: 4+48 is not 51.'.replace(/^t/, 'T'));
    expect(last.text).not.toMatch(/\b52\b/);
  });

  it('finds order-of-operations, wrong-operand, unfinished and final-answer problems', () => {
    expect(checkSolution('4+6=10\n10*8=80\n\\boxed{80}', '4+6*8').error).toMatchObject({ kind: 'order', lineIndex: 0 });
    expect(checkSolution('6*8=48\n5+48=53\n\\boxed{53}', '4+6*8').error).toMatchObject({ kind: 'operands', lineIndex: 1 });
    expect(checkSolution('6*8=48\n\\boxed{48}', '4+6*8').error).toMatchObject({ kind: 'unfinished' });
    expect(checkSolution('6*8=48\n4+48=52\n\\boxed{53}', '4+6*8').error).toMatchObject({ kind: 'final-answer', lineIndex: 2 });
    expect(checkSolution('6*8=48\n4+48=52', '4+6*8').error).toMatchObject({ kind: 'no-answer' });
    expect(checkSolution('8*6=48\n48+4=52\n\\boxed{52}', '4+6*8').error).toBeUndefined();
    expect(checkSolution('2+3=5\n5+4=9\n\\boxed{9}', '2+3+4').error).toBeUndefined();
    expect(checkSolution('3+4=7\n2+7=9\n\\boxed{9}', '2+3+4').error).toBeUndefined();
    expect(checkSolution('3+2=5\n10-5=5\n\\boxed{5}', '10-3+2').error).toMatchObject({ kind: 'order', lineIndex: 0 });
  });

  it('checks GSM8K-style prose lines exactly, with rounding and running totals', () => {
    expect(checkSolution('She makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18').error).toBeUndefined();
    expect(checkSolution('That is 10/3 = 3.33 each.\n#### 3.33').error).toBeUndefined();
    expect(checkSolution('In all 80,000+50,000=$130,000\n#### 130000').error).toBeUndefined();
    expect(checkSolution('Janet sells 16 - 3 - 4 = 8 eggs.\n#### 16').error).toMatchObject({ kind: 'arithmetic', lineIndex: 0 });
  });

  it('guards the answer given in the view and counts leaks; reject mode drops the text', async () => {
    const redact = new MathVerifierFeedback({});
    const attempt = { text: 'Tom has 12 + 30 = 42 apples, then 42 - 1 = 40.\n#### 40' };
    const out = await redact.provide({ kind: 'critique', problem: view('Tom has 12 apples...', '42'), attempts: [attempt] });
    expect(out.redacted).toBe(true);
    expect(out.text).not.toMatch(/\b42\b/);
    expect(out.text).toContain('[redacted]');
    expect(redact.redactions).toBe(1);
    const reject = new MathVerifierFeedback({ onLeak: 'reject' });
    expect(await reject.provide({ kind: 'critique', problem: view('Tom has 12 apples...', '42'), attempts: [attempt] })).toEqual({
      kind: 'critique',
      text: '',
      redacted: true,
    });
    const allowed = await redact.provide({
      kind: 'critique',
      problem: view('Tom has...', '42'),
      attempts: [attempt],
      allowGoldAnswer: true,
    });
    expect(allowed.redacted).toBeUndefined();
  });

  it('merges critiques into one Issue / Fix steps text', async () => {
    const fb = new MathVerifierFeedback({ maxFixSteps: 3 });
    const out = await fb.provide({
      kind: 'merge',
      problem: view('1+1'),
      feedbacks: [
        'Issue: the first line is wrong.\nFix steps:\n1. Redo it.\n2. Box it.',
        'Issue: the sum is off.\nFix steps:\n1. Redo it.\n2. Check the sum.',
      ],
    });
    expect(out.text).toBe(
      'Issue: the first line is wrong. the sum is off.\nFix steps:\n1. Redo it.\n2. Box it.\n3. Check the sum.',
    );
  });

  it('critiques two attempts at once', async () => {
    const fb = new MathVerifierFeedback({});
    const out = await fb.provide({
      kind: 'critique',
      problem: view('4+6*8'),
      attempts: [{ text: '4+6=10\n10*8=80\n\\boxed{80}' }, { text: '6*8=48\n4+48=53\n\\boxed{53}' }],
    });
    expect(out.text).toMatch(/^Issue: In the first attempt, the first line .* In the second attempt, the second line /);
  });
});

describe('math-verifier on 1,000 corrupted reference solutions', () => {
  it('names the corrupted step in >= 95% of cases and never includes the gold answer', async () => {
    const task = new ArithmeticTask({});
    const fb = new MathVerifierFeedback({});
    const rng = Rng.fromSeed(2024);
    const problems = task.sample('train', 3000, rng.split('problems'));
    const corruptRng = rng.split('corrupt');
    let cases = 0;
    let named = 0;
    const misses: string[] = [];
    const leaks: string[] = [];
    const goldToken = (text: string, gold: string) =>
      text
        .split('\n')
        .map((l) => l.replace(/^\s*\d+\.\s/, ''))
        .some((l) => new RegExp(`(?<![\\d.])${gold}(?![\\d]|\\.\\d)`).test(l));
    for (const p of problems) {
      if (cases >= 1000) break;
      const c = corruptArithmeticSolution(p.question, corruptRng);
      if (!c) continue;
      cases++;
      const out = await fb.provide({ kind: 'critique', problem: problemView(p), attempts: [{ text: c.solution }] });
      const found = checkSolution(c.solution, p.question).error?.lineIndex === c.lineIndex;
      if (found && out.text.toLowerCase().includes(`the ${ordinal(c.lineIndex)} line`)) named++;
      else misses.push(`${p.question} (${c.kind}, line ${c.lineIndex}):\n${c.solution}\n${out.text}`);
      if (goldToken(out.text, p.answer)) leaks.push(`${p.question} = ${p.answer}: ${out.text}`);
    }
    console.log(
      `math-verifier: named the corrupted step in ${named}/${cases} corrupted solutions; gold-answer leaks: ${leaks.length}`,
    );
    expect(cases).toBe(1000);
    expect(leaks, leaks.slice(0, 3).join('\n\n')).toEqual([]);
    expect(named / cases, misses.slice(0, 5).join('\n\n')).toBeGreaterThanOrEqual(0.95);
  });
});
