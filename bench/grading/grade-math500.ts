/**
 * Grading throughput on MATH-500: extracts the answer of every reference solution and grades it
 * against its gold answer (and against the next problem's answer, a negative), then grades a set
 * of pathological inputs. Prints median / p99 per problem and the slowest single comparison, then
 * the parity families (relations, intervals, sets of solutions, roots, extraction layers) and
 * MATH-500 solutions with their boxes taken out (see parity-figures.ts).
 *
 *   pnpm bench:grading            (needs <repo>/../shared/data/math500/test.jsonl)
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { extractAnswer } from '../../packages/rewards-math/src/extract/extract-answer';
import { DEFAULT_GRADE_TIMEOUT_MS, gradeAnswer } from '../../packages/rewards-math/src/grade/grade-answer';
import { parityFigures, unboxedFigures } from './parity-figures';

const DATA = fileURLToPath(new URL('../../../shared/data/math500/test.jsonl', import.meta.url));
const PASSES = 3;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const out = f();
  return [out, performance.now() - t0];
}

const PATHOLOGICAL: readonly [string, string, string][] = [
  [
    '60-term polynomial',
    Array.from({ length: 60 }, (_, i) => `x^{${i}}`).join('+'),
    `${Array.from({ length: 60 }, (_, i) => `x^{${i}}`).join('+')}+1`,
  ],
  ['huge power', '(x+1)^{1000000}', '(1+x)^{1000000}'],
  ['tower', '10^{10^{10^{10}}}', '2'],
  ['factorials', '9!!!!', '3'],
  ['binomial', '\\binom{1000000000}{500000000}', '5'],
  ['deep braces', `${'{'.repeat(400)}1${'}'.repeat(400)}`, '1'],
  ['deep parens', `${'('.repeat(300)}x${')'.repeat(300)}`, 'x'],
  [
    '40-element sets',
    `\\{${Array.from({ length: 40 }, (_, i) => `\\sqrt{${i}}+x^{${i}}`).join(',')}\\}`,
    `\\{${Array.from({ length: 40 }, (_, i) => `\\sqrt{${39 - i}}+x^{${39 - i}}`).join(',')}\\}`,
  ],
  ['long text', `\\text{${'a'.repeat(900)}}`, 'a'],
  ['900-digit integers', `1${'0'.repeat(900)}`, `1${'0'.repeat(899)}1`],
  ['over length cap', 'x'.repeat(5000), 'x'.repeat(4999)],
  [
    'relation chain',
    Array.from({ length: 90 }, (_, i) => `x_{${i}}`).join(' < '),
    Array.from({ length: 90 }, (_, i) => `x_{${89 - i}}`).join(' \\gt '),
  ],
  ['relation vs union', 'x \\ne 3', `${Array.from({ length: 30 }, (_, i) => `x \\ne ${i}`).join(', ')}`],
  [
    'fractional powers',
    Array.from({ length: 8 }, (_, i) => `x_${i}^{${i + 1}/${2 * i + 3}}`).join('+'),
    Array.from({ length: 8 }, (_, i) => `\\sqrt[${2 * i + 3}]{x_${i}^{${i + 1}}}`).join('+'),
  ],
  ['boxes and dollars', `${'$a b$ \\boxed{1}, '.repeat(50)}`, `${'\\boxed{1} and '.repeat(50)}`],
];

function main(): void {
  if (!existsSync(DATA)) {
    console.log(`bench:grading skipped: ${DATA} not found (real data lives in <repo>/../shared/data)`);
    return;
  }
  const rows = readFileSync(DATA, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { solution: string; answer: string });
  const [, coldMs] = timed(() => gradeAnswer('(x+1)^2', 'x^2+2x+1'));
  const perProblem: number[][] = rows.map(() => []);
  const all: number[] = [];
  let correct = 0;
  let falsePositives = 0;
  let timedOut = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    rows.forEach((r, i) => {
      const ex = extractAnswer(r.solution);
      const pred = ex.found ? ex.answer : '';
      const next = (rows[(i + 1) % rows.length] as (typeof rows)[number]).answer;
      const [pos, tPos] = timed(() => gradeAnswer(r.answer, pred));
      const [neg, tNeg] = timed(() => gradeAnswer(next, pred));
      (perProblem[i] as number[]).push(tPos);
      all.push(tPos, tNeg);
      if (pass === 0) {
        correct += pos.correct ? 1 : 0;
        falsePositives += neg.correct && next.replace(/\s+/g, '') !== pred.replace(/\s+/g, '') ? 1 : 0;
        timedOut += (pos.timedOut ? 1 : 0) + (neg.timedOut ? 1 : 0);
      }
    });
  }
  const rewritten: number[] = [];
  let rewrittenCorrect = 0;
  for (const r of rows) {
    const variant = r.answer
      .replace(/(?<!\d\s*)\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, '($1)/($2)')
      .replace(/\\left|\\right|\s+/g, '');
    const [res, ms] = timed(() => gradeAnswer(r.answer, variant));
    rewritten.push(ms);
    all.push(ms);
    rewrittenCorrect += res.correct ? 1 : 0;
  }
  rewritten.sort((a, b) => a - b);
  const medians = perProblem.map((ts) => [...ts].sort((a, b) => a - b)[ts.length >> 1] as number).sort((a, b) => a - b);
  const sortedAll = [...all].sort((a, b) => a - b);
  console.log(`MATH-500 grading (${rows.length} problems, ${PASSES} passes, timeout ${DEFAULT_GRADE_TIMEOUT_MS} ms)`);
  console.log(
    `  reference answers graded correct: ${correct}/${rows.length}; negative control accepted (different strings): ${falsePositives}; timed out: ${timedOut}`,
  );
  console.log(`  first comparison (cold: creates the mathjs instance): ${coldMs.toFixed(2)} ms`);
  console.log(
    `  per problem: median ${quantile(medians, 0.5).toFixed(4)} ms, p99 ${quantile(medians, 0.99).toFixed(4)} ms, max ${medians[medians.length - 1]?.toFixed(3)} ms`,
  );
  console.log(
    `  rewritten answers (\\frac{a}{b} -> (a)/(b) outside mixed numbers, no spaces): ${rewrittenCorrect}/${rows.length} correct; median ${quantile(rewritten, 0.5).toFixed(4)} ms, p99 ${quantile(rewritten, 0.99).toFixed(4)} ms`,
  );
  console.log(
    `  all ${all.length} comparisons: max ${sortedAll[sortedAll.length - 1]?.toFixed(3)} ms (${((sortedAll[sortedAll.length - 1] ?? 0) / DEFAULT_GRADE_TIMEOUT_MS).toFixed(4)} of the timeout)`,
  );
  console.log('pathological inputs (one comparison each, timeout 1000 ms):');
  let worst = 0;
  for (const [name, gold, pred] of PATHOLOGICAL) {
    const [res, ms] = timed(() => gradeAnswer(gold, pred, { timeoutMs: 1000 }));
    worst = Math.max(worst, ms);
    console.log(`  ${name.padEnd(20)} ${ms.toFixed(2).padStart(8)} ms  ${JSON.stringify(res)}`);
  }
  console.log(`  slowest pathological comparison: ${worst.toFixed(2)} ms (${(worst / 1000).toFixed(4)} of the timeout)`);
  for (const line of [...parityFigures(PASSES), ...unboxedFigures(rows)]) console.log(line);
}

main();
