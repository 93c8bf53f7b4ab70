import { describe, expect, it } from 'vitest';
import { extractAnswer } from '../extract/extract-answer';
import { matchBrace } from '../latex/match-brace';
import { readJsonl, sharedDataFile } from '../test-support/shared-data';
import { gradeAnswer } from './grade-answer';

const math500 = sharedDataFile('math500/test.jsonl');
const gsm8k = sharedDataFile('gsm8k/test.jsonl');

/** Pairs of different spellings that were checked by hand to be the same answer. */
const TRULY_EQUAL: readonly (readonly [string, string])[] = [['x=5', '5']];

const compact = (s: string) => s.replace(/\s+/g, '');

/** `text` with every `\boxed{x}` replaced by `x`: the answer must then come from the math in prose. */
function unboxed(text: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const at = text.indexOf('\\boxed{', i);
    const close = at < 0 ? -1 : matchBrace(text, at + '\\boxed'.length);
    if (close < 0) return out + text.slice(i);
    out += text.slice(i, at) + text.slice(at + '\\boxed{'.length, close);
    i = close + 1;
  }
}

describe.skipIf(!math500)('MATH-500 reference solutions', () => {
  const rows = math500 ? readJsonl<{ problem: string; solution: string; answer: string }>(math500) : [];

  it('grades the answer extracted from each solution equivalent to its answer field (500/500)', () => {
    const failures: string[] = [];
    rows.forEach((r, i) => {
      const ex = extractAnswer(r.solution);
      const got = ex.found ? gradeAnswer(r.answer, ex.answer) : undefined;
      if (!got?.correct)
        failures.push(`#${i}: gold ${JSON.stringify(r.answer)} vs extracted ${JSON.stringify(ex.found ? ex.answer : '(none)')}`);
    });
    if (failures.length) console.log(`MATH-500 failures (${failures.length}):\n${failures.join('\n')}`);
    expect(rows.length).toBe(500);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('negative control: a solution paired with the next problem answer is correct only when the answers are equal', () => {
    const falsePositives: string[] = [];
    const trueMatches: string[] = [];
    rows.forEach((r, i) => {
      const next = rows[(i + 1) % rows.length] as (typeof rows)[number];
      const ex = extractAnswer(r.solution);
      if (!ex.found) return;
      const got = gradeAnswer(next.answer, ex.answer);
      if (!got.correct) return;
      const line = `#${i}: gold ${JSON.stringify(next.answer)} vs ${JSON.stringify(ex.answer)} (${got.method})`;
      const equal =
        compact(next.answer) === compact(ex.answer) ||
        TRULY_EQUAL.some(
          ([a, b]) =>
            (a === compact(next.answer) && b === compact(ex.answer)) || (b === compact(next.answer) && a === compact(ex.answer)),
        );
      (equal ? trueMatches : falsePositives).push(line);
    });
    console.log(`MATH-500 negative control: ${trueMatches.length} truly equal pairs graded correct:\n${trueMatches.join('\n')}`);
    if (falsePositives.length) console.log(`false positives (${falsePositives.length}):\n${falsePositives.join('\n')}`);
    expect(falsePositives.length, falsePositives.join('\n')).toBeLessThanOrEqual(Math.floor(rows.length * 0.005));
  });
});

describe.skipIf(!math500)('MATH-500 reference solutions without their boxes (last math span in prose)', () => {
  const rows = math500 ? readJsonl<{ problem: string; solution: string; answer: string }>(math500) : [];

  it('reads the answer from the prose math of most solutions (>= 80%), with no false positives against the next answer', () => {
    let correct = 0;
    const falsePositives: string[] = [];
    rows.forEach((r, i) => {
      const ex = extractAnswer(unboxed(r.solution));
      if (!ex.found) return;
      if (gradeAnswer(r.answer, ex.answer).correct) correct++;
      const next = (rows[(i + 1) % rows.length] as (typeof rows)[number]).answer;
      if (gradeAnswer(next, ex.answer).correct && compact(next) !== compact(ex.answer)) {
        falsePositives.push(`#${i}: gold ${JSON.stringify(next)} vs ${JSON.stringify(ex.answer)}`);
      }
    });
    console.log(`MATH-500 without boxes: ${correct}/${rows.length} graded correct`);
    expect(correct).toBeGreaterThanOrEqual(400);
    expect(falsePositives, falsePositives.join('\n')).toEqual([]);
  });
});

describe.skipIf(!gsm8k)('GSM8K test references', () => {
  const rows = gsm8k ? readJsonl<{ question: string; answer: string }>(gsm8k) : [];

  it('extracts every reference answer and grades $1,234 / 1234.00 / 1234 dollars variants correct (100%)', () => {
    const failures: string[] = [];
    for (const [i, r] of rows.entries()) {
      const ex = extractAnswer(r.answer, { fallback: 'none' });
      if (!ex.found || ex.source !== 'gsm8k') {
        failures.push(`#${i}: no #### answer`);
        continue;
      }
      const gold = ex.answer;
      const n = BigInt(gold.replace(/,/g, ''));
      const abs = (n < 0n ? -n : n).toString();
      const withCommas = `${n < 0n ? '-' : ''}${abs.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
      const variants = [`$${withCommas}`, `${n}.00`, `${n} dollars`, `\\$${n}`, `${n}`];
      for (const v of variants) {
        const got = gradeAnswer(gold, v);
        if (!got.correct) failures.push(`#${i}: gold ${JSON.stringify(gold)} vs ${JSON.stringify(v)} -> ${JSON.stringify(got)}`);
      }
      const wrong = gradeAnswer(gold, `${n + 1n}`);
      if (wrong.correct) failures.push(`#${i}: gold ${JSON.stringify(gold)} accepted ${n + 1n}`);
    }
    expect(rows.length).toBe(1319);
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  });
});
