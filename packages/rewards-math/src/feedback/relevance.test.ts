import { describe, expect, it } from 'vitest';
import { problemStructure } from './problem-structure';
import { describeRelevance, relevance } from './relevance';

const NATALIA =
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?';
const TOM = {
  question: 'Tom picked 30 apples on Monday and half as many on Tuesday. How many apples did he pick altogether?',
  text: 'Tom picked 30/2 = 15 apples on Tuesday.\nHe picked 30+15 = 45 apples altogether.\n#### 45',
};

// score = 0.2 K + 0.4 O + 0.2 S + 0.2 X (see relevance.ts); each case is computed by hand below.
describe('relevance (golden, hand-computed)', () => {
  it('two expressions with the same operator pattern: 0.95', () => {
    // ops [*,+] vs [*,+]: multiset 1, LCS 2/2 -> O = 1; numbers 3 vs 3 -> 1, digits 2 vs 1 -> 0.5, S = 0.75;
    // no parentheses in either -> X = 1.  0.2 + 0.4 + 0.15 + 0.2 = 0.95
    const r = relevance('12+7*3', { question: '5+8*2', text: '8*2=16\n5+16=21\n\\boxed{21}' });
    expect(r.parts).toEqual({ kind: 1, operators: 1, size: 0.75, extras: 1 });
    expect(r.score).toBe(0.95);
    expect(describeRelevance(r)).toBe(
      'Kind: same (arithmetic expression). Operators: similar. Size: similar. Parentheses: same.',
    );
  });

  it('same operators in another order, parentheses on one side only: 0.65', () => {
    // ops [+,*] vs [*,+]: multiset 1, LCS 1/2 -> O = 0.75; S = (1 + 1/2)/2 = 0.75; X = 0.
    // 0.2 + 0.3 + 0.15 + 0 = 0.65
    const r = relevance('(58+29)*7', { question: '4+6*8', text: '6*8=48\n4+48=52\n\\boxed{52}' });
    expect(r.parts).toEqual({ kind: 1, operators: 0.75, size: 0.75, extras: 0 });
    expect(r.score).toBe(0.65);
    expect(describeRelevance(r)).toBe(
      'Kind: same (arithmetic expression). Operators: similar. Size: similar. Parentheses: different.',
    );
  });

  it('no shared operator: 0.517', () => {
    // ops [-,-] vs [*]: multiset 0/3, LCS 0 -> O = 0; S = (2/3 + 1/2)/2 = 7/12; X = 1.
    // 0.2 + 0 + 0.2 * 7/12 + 0.2 = 0.51667
    const r = relevance('12-3-4', { question: '9*8', text: '9*8=72\n\\boxed{72}' });
    expect(r.parts.operators).toBe(0);
    expect(r.parts.size).toBeCloseTo(7 / 12, 10);
    expect(r.score).toBe(0.517);
  });

  it('two word problems: cue words of the target against the reference trajectory: 0.915', () => {
    // target cues: "half" -> /, "altogether" -> +; reference lines 30/2, 30+15 -> {/, +}: O = 1.
    // one number each (48, 30), two digits each: S = 1. markers {fraction} both: 1; content words
    // {natalia, sold, clips, friends, april, half, sell, altogether} vs
    // {picked, apples, monday, half, tuesday, pick, altogether}: 2/13. X = (1 + 2/13)/2.
    // 0.2 + 0.4 + 0.2 + 0.2 * 15/26 = 0.91538
    const r = relevance(NATALIA, TOM);
    expect(r.target.ops).toEqual(['+', '/']);
    expect(r.reference.ops).toEqual(['/', '+']);
    expect([...r.target.words].sort()).toEqual(['altogether', 'april', 'clips', 'friends', 'half', 'natalia', 'sell', 'sold']);
    expect(r.parts.extras).toBeCloseTo(15 / 26, 10);
    expect(r.score).toBe(0.915);
    expect(describeRelevance(r)).toBe('Kind: same (word problem). Operators: similar. Size: similar. Features: partly similar.');
  });

  it('an expression against a word problem: 0.267', () => {
    // K = 0; operator sets {*,+} vs {/,+}: 1/3; numbers 3 vs 1 -> 1/3, digits 2 vs 2 -> 1, S = 2/3; X = 0.
    // 0.4/3 + 0.2 * 2/3 = 0.26667
    const r = relevance('12+7*3', TOM);
    expect(r.parts.kind).toBe(0);
    expect(r.score).toBe(0.267);
    expect(describeRelevance(r)).toBe(
      'Kind: different (arithmetic expression and word problem). Operators: different. Size: partly similar.',
    );
  });

  it('reads structure from a question and a trajectory', () => {
    expect(problemStructure('(3+4)*2=?')).toMatchObject({
      kind: 'expression',
      ops: ['+', '*'],
      numbers: 3,
      digits: 1,
      parentheses: true,
    });
    const w = problemStructure('A shirt costs $1,250 and is 20% off. What is the price?');
    expect(w).toMatchObject({ kind: 'word', ops: ['*'], numbers: 2, digits: 4 });
    expect([...w.markers]).toEqual(['percent', 'money']);
    expect(problemStructure('Q', 'It is 3 * 4 = 12, then 12 - 2 = 10.').ops).toEqual(['*', '-']);
  });
});
