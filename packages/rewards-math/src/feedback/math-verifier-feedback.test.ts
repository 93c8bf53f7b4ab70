import {
  Container,
  FeedbackError,
  type FeedbackRequest,
  FeedbackService,
  feedbackRequest,
  problemView,
  Rng,
  type Tokenizer,
  Tokens,
} from '@trellis/core';
import { describeFeedbackConformance, makeProblem } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { ARITHMETIC_ALPHABET } from '../arithmetic/arithmetic-alphabet';
import { ArithmeticTask } from '../arithmetic/arithmetic-task';
import { corruptArithmeticSolution } from '../arithmetic/corrupt-solution';
import { checkSolution } from './check-solution';
import { PRINTABLE_ASCII, tokenizerAlphabet } from './feedback-alphabet';
import { MathAnswerLeakGuard } from './math-answer-leak-guard';
import { MathVerifierFeedback, REFLECTION_DECLINED } from './math-verifier-feedback';
import { ordinal } from './ordinal';

const ANN =
  'Ann has 4 boxes of 6 pens and buys 6 more. She splits them equally between her 2 sons. How many pens did she have before splitting?';

const CASES = [
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
    problem: makeProblem({ id: 'b', question: '(58+29)*7', answer: '609' }),
    attempts: ['58+29*7=261\n\\boxed{261}', '58+29=87\n\\boxed{87}'],
  },
  // A naive critique would write the gold: the corrected second line is the asked-for total.
  { problem: makeProblem({ id: 'c', question: ANN, answer: '30' }), attempts: ['4*6=24\n24+6=31\n31/2=15.5\n#### 15.5'] },
  // The attempt itself writes the gold in the line a critique quotes.
  {
    problem: makeProblem({ id: 'd', question: 'Tom has 12 apples and buys 30 more. How many does he have?', answer: '42' }),
    attempts: ['Tom has 12 + 30 = 42 apples, then 42 - 1 = 40.\n#### 40', 'He has 12 * 30 = 360 apples.\n#### 360'],
    reference: {
      question: 'Tom picked 30 apples on Monday and half as many on Tuesday. How many apples did he pick altogether?',
      text: 'Tom picked 30/2 = 15 apples on Tuesday.\nHe picked 30+15 = 45 apples altogether.\n#### 45',
    },
  },
];

for (const format of ['prose', 'compact'] as const) {
  describeFeedbackConformance(`math-verifier (${format})`, {
    create: () => new MathVerifierFeedback({ format }),
    cases: CASES,
    guard: new MathAnswerLeakGuard(),
  });
}

const view = (question: string) => ({ id: 'p', question });
const critique = (question: string, ...attempts: string[]): FeedbackRequest => ({
  kind: 'critique',
  problem: view(question),
  attempts: attempts.map((text) => ({ text })),
});
const prose = new MathVerifierFeedback({});
const compact = new MathVerifierFeedback({ format: 'compact' });
const tiny = new MathVerifierFeedback({ format: 'compact', alphabet: ARITHMETIC_ALPHABET });
const texts = async (r: FeedbackRequest) => [
  (await prose.provide(r)).text,
  (await compact.provide(r)).text,
  (await tiny.provide(r)).text,
];
const FINISH = '\\boxed{}.';

describe('math-verifier critique (golden: prose, compact, compact in the arithmetic alphabet)', () => {
  it('a wrong step whose value is not the answer: the corrected local result', async () => {
    expect(await texts(critique('4+6*8', '6*8=46\n4+46=50\n\\boxed{50}'))).toEqual([
      `Issue: The first line "6*8=46" is wrong: 6*8 is 48, not 46.\nFix steps:\n1. Redo the first line: 6*8=48.\n2. Carry the corrected value into every later line.\n3. End with the final result alone in ${FINISH}`,
      'First line: 6*8=48.',
      '6*8=48',
    ]);
  });

  it('a wrong last step: its value is the answer, so it is not written', async () => {
    expect(await texts(critique('4+6*8', '6*8=48\n4+48=51\n\\boxed{51}'))).toEqual([
      `Issue: The second line "4+48=51" is wrong: 4+48 is not 51.\nFix steps:\n1. Recompute 4+48 carefully on the second line.\n2. Carry the corrected value into every later line.\n3. End with the final result alone in ${FINISH}`,
      'Second line: 4+48=?',
      '4+48=?',
    ]);
  });

  it('order of operations, wrong operands, unfinished work', async () => {
    expect(await texts(critique('4+6*8', '4+6=10\n10*8=80\n\\boxed{80}'))).toEqual([
      `Issue: The first line "4+6=10" breaks the order of operations: 4+6 cannot be done yet; do the multiplications and divisions first.\nFix steps:\n1. Do multiplication and division before addition and subtraction.\n2. Write a single operation per line and rewrite the rest of the expression with its result.\n3. End with the final result alone in ${FINISH}`,
      'First line: 6*8=48.',
      '6*8=48',
    ]);
    expect(await texts(critique('4+6*8', '6*8=48\n5+48=53\n\\boxed{53}'))).toEqual([
      `Issue: The second line "5+48=53" uses numbers that are not in the expression at that point (4+48).\nFix steps:\n1. Copy the numbers exactly from the question or from earlier results.\n2. Combine numbers that stand next to each other in the current expression.\n3. End with the final result alone in ${FINISH}`,
      'Second line: 4+48=?',
      '4+48=?',
    ]);
    expect(await texts(critique('4+6*8', '6*8=48\n\\boxed{48}'))).toEqual([
      `Issue: The solution stops too early: 4+48 is still left to compute.\nFix steps:\n1. Continue from 4+48, a single operation per line.\n2. End with the final result alone in ${FINISH}`,
      'Continue: 4+48=?',
      '4+48=?',
    ]);
  });

  it('a missing or mismatched final answer, a right solution, no attempt', async () => {
    expect(await texts(critique('4+6*8', '6*8=48\n4+48=52\n\\boxed{53}'))).toEqual([
      'Issue: The boxed answer on the third line does not match the result of the last step.\nFix steps:\n1. Copy the result of the last step into \\boxed{} exactly.',
      'Third line: box the result of the last step.',
      '\\boxed{?}',
    ]);
    expect(await texts(critique('4+6*8', '6*8=48\n4+48=52'))).toEqual([
      `Issue: There is no final answer in \\boxed{}.\nFix steps:\n1. Finish the computation.\n2. End with the final result alone in ${FINISH}`,
      'End with the result in \\boxed{}.',
      '\\boxed{?}',
    ]);
    expect(await texts(critique('4+6*8', '8*6=48\n48+4=52\n\\boxed{52}'))).toEqual([
      `Issue: No arithmetic mistake was found in the written steps, so the approach itself is likely wrong.\nFix steps:\n1. Re-read the question and list the quantities it gives.\n2. Check that each step combines the right quantities.\n3. Recompute, a single operation per line.\n4. End with the final result alone in ${FINISH}`,
      'No step is wrong; recheck the approach.',
      '',
    ]);
    expect(await texts(critique('4+6*8'))).toEqual([
      'Issue: There is no attempt to check.\nFix steps:\n1. Solve the problem with a single operation per line.',
      'Write a single operation per line.',
      '',
    ]);
  });

  it('two attempts: prose names both, compact hints at the first located error', async () => {
    const [p, c] = await texts(critique('4+6*8', '4+6=10\n10*8=80\n\\boxed{80}', '6*8=48\n4+48=53\n\\boxed{53}'));
    expect(p).toBe(
      `Issue: In the first attempt, the first line "4+6=10" breaks the order of operations: 4+6 cannot be done yet; do the multiplications and divisions first. In the second attempt, the second line "4+48=53" is wrong: 4+48 is not 53.\nFix steps:\n1. Do multiplication and division before addition and subtraction.\n2. Write a single operation per line and rewrite the rest of the expression with its result.\n3. End with the final result alone in ${FINISH}`,
    );
    expect(c).toBe('First line: 6*8=48.');
  });

  it('never writes the value of an arithmetic question, even in a quote or an expression', async () => {
    // 5*9-40 = 5: the quote, the left side and the wrong value all contain a 5.
    const [p, c, t] = await texts(critique('5*9-40', '5*9=46\n46-40=6\n\\boxed{6}'));
    expect(p).toBe(
      `Issue: The first line is wrong: its result is wrong.\nFix steps:\n1. Recompute the first line carefully.\n2. Carry the corrected value into every later line.\n3. End with the final result alone in ${FINISH}`,
    );
    expect(c).toBe('First line: recompute it.');
    expect(t).toBe('');
    const guard = new MathAnswerLeakGuard();
    for (const text of [p, c, t]) expect(guard.scan(text as string, ['5']).leaks).toBe(0);
  });

  it('regression: a word problem whose gold is a corrected step value (24+6=31 -> 30)', async () => {
    // The provider cannot know the gold of a word problem; a corrected value is withheld when it
    // could be the final answer (here carrying 30 through "31-0=31" gives 30)...
    const q = 'Ann has 4 boxes of 6 pens and buys 6 more pens. How many pens does she have?';
    const a =
      'Ann has 4*6=24 pens in boxes.\nWith the new ones she has 24+6=31 pens.\nShe gives none away: 31-0=31 pens.\n#### 31';
    const [p, c] = await texts(critique(q, a));
    expect(p).toContain('Recompute 24+6 carefully on the second line.');
    expect(c).toBe('Second line: 24+6=?');
    // ...and when it cannot tell (the gold is an intermediate result), the service's guard, which
    // holds the gold, redacts it: before, "Redo the second line: 24+6=30" reached the policy.
    const problem = makeProblem({ id: 'ann', question: ANN, answer: '30' });
    const attempt = '4*6=24\n24+6=31\n31/2=15.5\n#### 15.5';
    const raw = await prose.provide(critique(ANN, attempt));
    expect(raw.text).toContain('Redo the second line: 24+6=30.');
    for (const format of ['prose', 'compact'] as const) {
      const service = new FeedbackService(
        [
          {
            name: 'v',
            provider: new MathVerifierFeedback({ format }),
            timeoutMs: 1000,
            retries: 0,
            backoffMs: 0,
            maxBackoffMs: 0,
            concurrency: 1,
            cacheSize: 0,
            onLeak: 'redact',
          },
        ],
        [new MathAnswerLeakGuard()],
      );
      const out = await service.request(feedbackRequest(problem, 'critique', { attempts: [{ text: attempt }] }));
      expect(out.ok && out.leaks).toBe(format === 'prose' ? 2 : 1);
      if (out.ok) {
        expect(out.feedback.redacted).toBe(true);
        expect(out.feedback.text).not.toMatch(/(?<![\d.])30(?![\d])/);
        expect(out.feedback.text).toContain(
          format === 'prose' ? 'Redo the second line: 24+6=[redacted].' : 'Second line: 24+6=[redacted].',
        );
      }
    }
  });

  it('compact text uses only the allowed characters', async () => {
    const task = new ArithmeticTask({});
    const rng = Rng.fromSeed(7);
    const alphabets = [ARITHMETIC_ALPHABET, PRINTABLE_ASCII, '0123456789+-*/=?\n'];
    for (const p of task.sample('train', 200, rng.split('p'))) {
      const c = corruptArithmeticSolution(p.question, rng.split(p.id));
      if (!c) continue;
      for (const alphabet of alphabets) {
        const out = await new MathVerifierFeedback({ format: 'compact', alphabet }).provide(critique(p.question, c.solution));
        for (const ch of out.text) expect(alphabet, out.text).toContain(ch);
      }
    }
    const words = await new MathVerifierFeedback({ format: 'compact', alphabet: 'abc' }).provide(critique('4+6*8', '6*8=46'));
    expect(words.text).toBe('');
  });

  it('writes corrected values only when revealStepValues is on', async () => {
    const off = new MathVerifierFeedback({ format: 'compact', revealStepValues: false });
    expect((await off.provide(critique('4+6*8', '6*8=46\n4+46=50\n\\boxed{50}'))).text).toBe('First line: 6*8=?');
  });
});

describe('math-verifier compact alphabet', () => {
  const charTokenizer = (alphabet: string): Tokenizer => ({
    vocabSize: alphabet.length + 1,
    bosId: undefined,
    eosId: 0,
    padId: 0,
    encode: (text) => [...text].map((ch) => alphabet.indexOf(ch) + 1),
    decode: (ids) => ids.map((id) => (id > 0 ? (alphabet[id - 1] ?? '') : '\uFFFD')).join(''),
    toJSON: () => ({}),
  });
  const build = (tokenizer?: Tokenizer, options: Record<string, unknown> = { format: 'compact' }) => {
    const c = new Container();
    c.bind(Tokens.ChoiceOptions).toConstantValue(options);
    if (tokenizer) c.bind(Tokens.Tokenizer).toConstantValue(tokenizer);
    c.bind(MathVerifierFeedback).toSelf();
    return c.get(MathVerifierFeedback);
  };

  it("defaults to the characters the policy's tokenizer round-trips, else printable ASCII", async () => {
    const withPolicy = build(charTokenizer(ARITHMETIC_ALPHABET));
    expect(withPolicy.alphabet).toBe(ARITHMETIC_ALPHABET);
    expect((await withPolicy.provide(critique('4+6*8', '6*8=46\n4+46=50\n\\boxed{50}'))).text).toBe('6*8=48');
    expect(build().alphabet).toBe(PRINTABLE_ASCII);
    // A subword tokenizer that drops a lone leading space when decoding still has the space.
    const ascii = charTokenizer(PRINTABLE_ASCII);
    const stripping: Tokenizer = { ...ascii, decode: (ids) => ascii.decode(ids).replace(/^ /, '') };
    expect(tokenizerAlphabet(stripping)).toBe(PRINTABLE_ASCII);
    expect(build(charTokenizer(ARITHMETIC_ALPHABET), { format: 'compact', alphabet: PRINTABLE_ASCII }).alphabet).toBe(
      PRINTABLE_ASCII,
    );
  });
});

describe('math-verifier merge, relevance, abstraction, reflection', () => {
  it('merges prose critiques into one Issue / Fix steps text', async () => {
    const fb = new MathVerifierFeedback({ maxFixSteps: 3 });
    const out = await fb.provide({
      kind: 'merge',
      problem: view('1+1'),
      feedbacks: [
        'Issue: the first line is wrong.\nFix steps:\n1. Redo it.\n2. Box it.',
        'Issue: the sum is off.\nFix steps:\n1. Redo it.\n2. Check the sum.',
      ],
    });
    expect(out).toEqual({
      kind: 'merge',
      text: 'Issue: the first line is wrong. the sum is off.\nFix steps:\n1. Redo it.\n2. Box it.\n3. Check the sum.',
    });
  });

  it('merges compact hints into their distinct lines that fit the alphabet', async () => {
    const merge = (fb: MathVerifierFeedback, feedbacks: string[]) => fb.provide({ kind: 'merge', problem: view('x'), feedbacks });
    expect(
      (await merge(compact, ['Second line: 24+6=30.', 'second line: 24+6=30.\nFirst line: 6*8=48.', 'Línea: 1+1=2.'])).text,
    ).toBe('Second line: 24+6=30.\nFirst line: 6*8=48.');
    expect((await merge(tiny, ['24+6=30', '6*8=48\n24+6=30', 'Second line: 1+1=2.'])).text).toBe('24+6=30\n6*8=48');
    expect((await merge(compact, [])).text).toBe('');
  });

  it('scores relevance from structure and needs exactly one reference', async () => {
    const out = await prose.provide({
      kind: 'relevance',
      problem: view('12+7*3'),
      references: [{ question: '5+8*2', text: '8*2=16\n5+16=21\n\\boxed{21}' }],
    });
    expect(out).toEqual({
      kind: 'relevance',
      score: 0.95,
      text: 'Kind: same (arithmetic expression). Operators: similar. Size: similar. Parentheses: same.',
    });
    for (const references of [
      [],
      [
        { question: 'a', text: 'b' },
        { question: 'c', text: 'd' },
      ],
    ]) {
      const call = prose.provide({ kind: 'relevance', problem: view('1+1'), references });
      await expect(call).rejects.toBeInstanceOf(FeedbackError);
      await expect(call).rejects.toThrow(/exactly one reference/);
    }
  });

  it('writes digit-free abstractions, empty without references', async () => {
    const out = await prose.provide({
      kind: 'abstraction',
      problem: view('9+3*2'),
      references: [
        { question: '4+6*8', text: '6*8=48\n4+48=52\n\\boxed{52}' },
        { question: '(7+5)*3-4', text: '7+5=12\n12*3=36\n36-4=30\n\\boxed{30}' },
      ],
    });
    expect(out.text).toBe(
      'Principles from related solutions:\n' +
        '- Operations used: addition, multiplication and subtraction.\n' +
        '- Order of work: work inside parentheses first; multiply and divide before adding and subtracting; add and subtract from left to right.\n' +
        '- Write a single operation per line and carry each result into the next line.\n' +
        '- Errors to avoid: a wrong result in a subtraction line.\n' +
        '- End with the final result alone in \\boxed{}.',
    );
    expect(out.text).not.toMatch(/\d/);
    expect((await prose.provide({ kind: 'abstraction', problem: view('1+1'), references: [] })).text).toBe('');
  });

  it('declines reflection with a FeedbackError that says why', async () => {
    expect(prose.kinds).not.toContain('reflection');
    const call = prose.provide({ kind: 'reflection', problem: view('1+1'), attempts: [{ text: '1+1=3' }] });
    await expect(call).rejects.toBeInstanceOf(FeedbackError);
    await expect(call).rejects.toThrow(REFLECTION_DECLINED);
    expect(REFLECTION_DECLINED).toMatch(/reveals the verdict/);
  });

  it('rejects a call whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(prose.provide(critique('1+1', '1+1=3'), { signal: controller.signal })).rejects.toThrow('stop');
  });
});

describe('checkSolution', () => {
  it('finds order-of-operations, wrong-operand, unfinished and final-answer problems', () => {
    expect(checkSolution('4+6=10\n10*8=80\n\\boxed{80}', '4+6*8').error).toMatchObject({ kind: 'order', lineIndex: 0 });
    expect(checkSolution('6*8=48\n5+48=53\n\\boxed{53}', '4+6*8').error).toMatchObject({ kind: 'operands', lineIndex: 1 });
    expect(checkSolution('6*8=48\n\\boxed{48}', '4+6*8').error).toMatchObject({ kind: 'unfinished' });
    // A miscopied number is reported as a copying error even when the line's arithmetic is also off.
    expect(checkSolution('28-8=10\n4*10=40\n\\boxed{40}', '4*(25-8)').error).toMatchObject({ kind: 'operands', lineIndex: 0 });
    expect(checkSolution('25-8=15\n4*15=60\n\\boxed{60}', '4*(25-8)').error).toMatchObject({ kind: 'arithmetic', lineIndex: 0 });
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
});

describe('math-verifier on 1,000 corrupted arithmetic reference solutions', () => {
  it('names the corrupted step in >= 95% of cases and never writes the answer (both formats, no guard)', async () => {
    const task = new ArithmeticTask({});
    const rng = Rng.fromSeed(2024);
    const problems = task.sample('train', 3000, rng.split('problems'));
    const corruptRng = rng.split('corrupt');
    const guard = new MathAnswerLeakGuard();
    let cases = 0;
    let named = 0;
    const misses: string[] = [];
    const leaks: string[] = [];
    for (const p of problems) {
      if (cases >= 1000) break;
      const c = corruptArithmeticSolution(p.question, corruptRng);
      if (!c) continue;
      cases++;
      const request = { kind: 'critique' as const, problem: problemView(p), attempts: [{ text: c.solution }] };
      const out = await prose.provide(request);
      const hint = await tiny.provide(request);
      const found = checkSolution(c.solution, p.question).error?.lineIndex === c.lineIndex;
      if (found && out.text.toLowerCase().includes(`the ${ordinal(c.lineIndex)} line`)) named++;
      else misses.push(`${p.question} (${c.kind}, line ${c.lineIndex}):\n${c.solution}\n${out.text}`);
      for (const text of [out.text, hint.text])
        if (guard.scan(text, [p.answer]).leaks) leaks.push(`${p.question} = ${p.answer}: ${text}`);
    }
    console.log(
      `math-verifier: named the corrupted step in ${named}/${cases} corrupted solutions; gold-answer leaks: ${leaks.length}`,
    );
    expect(cases).toBe(1000);
    expect(leaks, leaks.slice(0, 3).join('\n\n')).toEqual([]);
    expect(named / cases, misses.slice(0, 5).join('\n\n')).toBeGreaterThanOrEqual(0.95);
  });
});
