import { Rng } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { checkSolution } from '../feedback/check-solution';
import { corruptWorkedSolution } from './corrupt-worked-solution';

const NATALIA =
  'Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72';
const BETTY =
  'In the beginning, Betty has only 100 / 2 = $<<100/2=50>>50.\n' +
  "Betty's grandparents gave her 15 * 2 = $<<15*2=30>>30.\n" +
  'This means, Betty needs 100 - 50 - 30 - 15 = $<<100-50-30-15=5>>5 more.\n#### 5';

/** An Rng whose draws are scripted (shuffle keeps the order). */
function scripted(values: number[]): Rng {
  const rng = Rng.fromSeed(0);
  let i = 0;
  return Object.assign(Object.create(Object.getPrototypeOf(rng)), rng, {
    next: () => values[i++ % values.length] as number,
    shuffle: <T>(items: readonly T[]) => [...items],
  }) as Rng;
}

describe('corruptWorkedSolution', () => {
  it('changes one computation and carries it to the boxed final answer', () => {
    // next() = 0.5: intBetween(1, 9) -> 5; the sign draw 0.5 is not < 0.5, so +5.
    const c = corruptWorkedSolution(NATALIA, scripted([0.5]));
    expect(c).toEqual({
      solution: 'Natalia sold 48/2 = 29 clips in May.\nNatalia sold 48+29 = 77 clips altogether in April and May.\n\\boxed{77}',
      lineIndex: 0,
      kind: 'step',
      from: '24',
      to: '29',
      answer: '77',
    });
    expect(checkSolution(c?.solution ?? '').error).toMatchObject({ kind: 'arithmetic', lineIndex: 0 });
  });

  it('recomputes multi-operand lines and keeps values non-negative', () => {
    // intBetween(1, 9) with next() = 0.1 -> 1, sign 0.1 < 0.5 -> minus: 50 -> 49; 100-49-30-15 = 6.
    const c = corruptWorkedSolution(BETTY, scripted([0.1]));
    expect(c?.solution).toBe(
      'In the beginning, Betty has only 100 / 2 = $49.\n' +
        "Betty's grandparents gave her 15 * 2 = $30.\n" +
        'This means, Betty needs 100 - 49 - 30 - 15 = $6 more.\n\\boxed{6}',
    );
    expect(c?.answer).toBe('6');
  });

  it('changes only the final answer when no computation reaches it, and skips solutions without one', () => {
    const c = corruptWorkedSolution('He has 3 apples.\n#### 3', scripted([0.5]));
    expect(c).toEqual({ solution: 'He has 3 apples.\n\\boxed{8}', lineIndex: 1, kind: 'final', from: '3', to: '8', answer: '8' });
    expect(corruptWorkedSolution('no answer here', Rng.fromSeed(1))).toBeUndefined();
  });

  it('is deterministic for a seed and never keeps the gold', () => {
    const a = corruptWorkedSolution(BETTY, Rng.fromSeed(3));
    expect(corruptWorkedSolution(BETTY, Rng.fromSeed(3))).toEqual(a);
    for (let s = 0; s < 50; s++) expect(corruptWorkedSolution(BETTY, Rng.fromSeed(s))?.answer).not.toBe('5');
  });
});
