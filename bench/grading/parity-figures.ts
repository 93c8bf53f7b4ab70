/**
 * Figures for the grading-parity work: the hand-written parity families (gold/prediction pairs
 * and completions, extract-then-grade) and MATH-500 solutions with their boxes taken out (so the
 * answer must come from the math written in prose).
 */
import { extractAnswer } from '../../packages/rewards-math/src/extract/extract-answer';
import { EXTRACTION_CASES } from '../../packages/rewards-math/src/grade/extraction-parity-cases';
import { gradeAnswer } from '../../packages/rewards-math/src/grade/grade-answer';
import { PARITY_CASES } from '../../packages/rewards-math/src/grade/parity-cases';
import { matchBrace } from '../../packages/rewards-math/src/latex/match-brace';

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const out = f();
  return [out, performance.now() - t0];
}

/** Summary of the parity families: verdicts that match the expected ones, false positives, timings. */
export function parityFigures(passes: number): string[] {
  const cases = [
    ...PARITY_CASES.map((c) => ({
      label: `${c.gold} | ${c.pred}`,
      expected: c.expected,
      run: () => gradeAnswer(c.gold, c.pred).correct,
    })),
    ...EXTRACTION_CASES.map((c) => ({
      label: `${c.gold} | ${c.completion}`,
      expected: c.expected,
      run: () => {
        const ex = extractAnswer(c.completion, c.options);
        return ex.found && gradeAnswer(c.gold, ex.answer).correct;
      },
    })),
  ];
  const times: number[] = [];
  let agree = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let slowest = { ms: 0, label: '' };
  for (let pass = 0; pass < passes; pass++) {
    for (const c of cases) {
      const [got, ms] = timed(c.run);
      times.push(ms);
      if (ms > slowest.ms) slowest = { ms, label: c.label };
      if (pass > 0) continue;
      if (got === c.expected) agree++;
      else if (got) falsePositives++;
      else falseNegatives++;
    }
  }
  times.sort((a, b) => a - b);
  const negatives = cases.filter((c) => !c.expected).length;
  return [
    `parity families (${PARITY_CASES.length} gold/prediction pairs + ${EXTRACTION_CASES.length} completions; ${cases.length - negatives} positive, ${negatives} negative controls; ${passes} passes)`,
    `  verdicts as expected: ${agree}/${cases.length}; false positives on negatives: ${falsePositives}; false negatives: ${falseNegatives}`,
    `  per case: median ${(times[times.length >> 1] ?? 0).toFixed(4)} ms; slowest ${slowest.ms.toFixed(3)} ms (${JSON.stringify(slowest.label.slice(0, 70))})`,
  ];
}

/** `text` with every `\boxed{x}` replaced by `x`. */
function unboxed(text: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const at = text.indexOf('\\boxed{', i);
    if (at < 0) return out + text.slice(i);
    const open = at + '\\boxed'.length;
    const close = matchBrace(text, open);
    if (close < 0) return out + text.slice(i);
    out += text.slice(i, at) + text.slice(open + 1, close);
    i = close + 1;
  }
}

/** MATH-500 reference solutions without their boxes: extract (default layers) and grade against the gold. */
export function unboxedFigures(rows: readonly { solution: string; answer: string }[]): string[] {
  const sources = new Map<string, number>();
  let correct = 0;
  for (const r of rows) {
    const ex = extractAnswer(unboxed(r.solution));
    const source = ex.found ? ex.source : 'none';
    sources.set(source, (sources.get(source) ?? 0) + 1);
    if (ex.found && gradeAnswer(r.answer, ex.answer).correct) correct++;
  }
  const bySource = [...sources].map(([s, n]) => `${s} ${n}`).join(', ');
  return [`MATH-500 solutions with the boxes taken out: ${correct}/${rows.length} graded correct (answer from: ${bySource})`];
}
