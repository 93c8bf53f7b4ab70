import { describe, expect, it } from 'vitest';
import { attemptTransitions, type ContextRow, critiqueBreakdown, feedbackOf, hintOf } from './breakdown';

const row = (context: string, id: string, text: string, correct: boolean, prompt = 'Q'): ContextRow => ({
  context,
  problemId: id,
  completions: [text],
  correct: [correct],
  prompt,
});
const fb = (hint: string) => `<feedback>\n${hint}\n</feedback>\n7+19+6\n`;

describe('context breakdown', () => {
  it('reads the feedback block', () => {
    expect(feedbackOf(fb('First line: 7+19=26.'))).toBe('First line: 7+19=26.');
    expect(feedbackOf('no block')).toBeUndefined();
  });

  it('finds the first hint of compact and prose critiques', () => {
    expect(hintOf('Second line: 6+14=?')).toEqual({ line: 'second', step: '6+14=?' });
    expect(hintOf('Issue: ...\nFix steps:\n1. Redo the first line: 45*7=315.\n2. Carry ...')).toEqual({
      line: 'first',
      step: '45*7=315',
    });
    expect(hintOf('Fix steps:\n1. Recompute 6+14 carefully on the second line.')).toEqual({ line: 'second', step: '6+14=?' });
    expect(hintOf('The attempt has no final answer in \\boxed{}.')).toBeUndefined();
  });

  it('buckets critiques by hint line, shown or hidden, and counts copies and solves', () => {
    const rows = [
      row('feedback-compact', 'a', '7+19=26\n26+6=32\n\\boxed{32}', true, fb('First line: 7+19=26.')),
      row('feedback-compact', 'b', '7+19=25\n25+6=31\n\\boxed{31}', false, fb('First line: 7+19=26.')),
      row('feedback-compact', 'c', '7+19=26\n26+6=33\n\\boxed{33}', false, fb('Second line: 26+6=?')),
      row('feedback', 'd', 'x', false, fb('Issue: the answer is missing.')),
    ];
    expect(critiqueBreakdown(rows, 'feedback-compact')).toEqual([
      { hint: 'first line, value shown', problems: 2, copied: 1, solved: 1 },
      { hint: 'second line, value hidden', problems: 1, copied: 0, solved: 0 },
    ]);
    expect(critiqueBreakdown(rows, 'feedback')).toEqual([{ hint: 'no hint line', problems: 1, copied: 0, solved: 0 }]);
  });

  it('counts plain-to-attempt transitions', () => {
    const rows = [
      row('none', 'a', 'A', true),
      row('none', 'b', 'B', false),
      row('none', 'c', 'C', false),
      row('attempt', 'a', 'A', true),
      row('attempt', 'b', 'B2', true),
      row('attempt', 'c', 'C', false),
    ];
    expect(attemptTransitions(rows)).toEqual({
      'right -> right (same text)': 1,
      'wrong -> right (changed)': 1,
      'wrong -> wrong (same text)': 1,
    });
  });
});
