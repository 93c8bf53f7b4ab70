import { beforeAll, describe, expect, it } from 'vitest';
import { extractAnswer } from '../extract/extract-answer';
import { EXTRACTION_CASES } from './extraction-parity-cases';
import { DEFAULT_GRADE_TIMEOUT_MS, gradeAnswer } from './grade-answer';
import { PARITY_CASES } from './parity-cases';

interface Timed {
  readonly label: string;
  readonly ms: number;
}

const timings: Timed[] = [];

function timed<T>(label: string, f: () => T): T {
  const t0 = performance.now();
  const out = f();
  timings.push({ label, ms: performance.now() - t0 });
  return out;
}

/** What the `math-accuracy` reward does with a completion: extract, then grade against the gold. */
function extractThenGrade(gold: string, completion: string, options = {}) {
  const ex = extractAnswer(completion, options);
  return { extracted: ex.found ? ex.answer : undefined, verdict: ex.found ? gradeAnswer(gold, ex.answer) : undefined };
}

describe('grading parity families (relations, intervals, solution sets, roots, \\cfrac, thousands, gold markup)', () => {
  // The first symbolic comparison creates the mathjs instance (~200 ms); time the cases warm.
  beforeAll(() => {
    gradeAnswer('(x+1)^2', 'x^2+2x+1');
  });

  it('has at least 150 cases with extraction, about half of them negative controls', () => {
    const all = [...PARITY_CASES, ...EXTRACTION_CASES];
    const negatives = all.filter((c) => !c.expected).length;
    expect(all.length).toBeGreaterThanOrEqual(150);
    expect(Math.abs(negatives - (all.length - negatives))).toBeLessThanOrEqual(all.length * 0.1);
    expect(new Set(PARITY_CASES.map((c) => c.family)).size).toBe(8);
    expect(new Set(EXTRACTION_CASES.map((c) => c.family)).size).toBe(5);
  });

  it.each(PARITY_CASES.map((c, i) => [i, c.family, c] as const))('case %i (%s)', (_i, _family, c) => {
    const got = timed(`${c.gold} | ${c.pred}`, () => gradeAnswer(c.gold, c.pred));
    expect(got.correct, `${JSON.stringify(c.gold)} vs ${JSON.stringify(c.pred)} -> ${JSON.stringify(got)}`).toBe(c.expected);
    expect(got.timedOut).toBeUndefined();
  });

  it.each(EXTRACTION_CASES.map((c, i) => [i, c.family, c] as const))('completion %i (%s)', (_i, _family, c) => {
    const got = timed(`${c.gold} | ${c.completion}`, () => extractThenGrade(c.gold, c.completion, c.options));
    const shown = `${JSON.stringify(c.gold)} vs ${JSON.stringify(c.completion)} -> ${JSON.stringify(got)}`;
    expect(got.verdict?.correct ?? false, shown).toBe(c.expected);
    expect(got.verdict?.timedOut, shown).toBeUndefined();
  });

  it('stays bounded: the slowest case is far below the timeout', () => {
    const slowest = [...timings].sort((a, b) => b.ms - a.ms)[0] as Timed;
    console.log(`slowest of ${timings.length} parity cases: ${slowest.ms.toFixed(2)} ms (${slowest.label})`);
    expect(timings.length).toBe(PARITY_CASES.length + EXTRACTION_CASES.length);
    expect(slowest.ms).toBeLessThan(DEFAULT_GRADE_TIMEOUT_MS / 4);
  });
});
