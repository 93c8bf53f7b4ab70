import { type FeedbackResult, FeedbackService, feedbackRequest, type LeakPolicy, type Problem, Rng } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { MathAnswerLeakGuard } from '../feedback/math-answer-leak-guard';
import { MathVerifierFeedback } from '../feedback/math-verifier-feedback';
import { goldMentions } from '../test-support/gold-mentions';
import { gsm8kProblems } from '../test-support/gsm8k-problems';
import { sharedDataFile } from '../test-support/shared-data';
import { corruptWorkedSolution } from './corrupt-worked-solution';

const PROBLEMS = 1000;
const path = sharedDataFile('gsm8k/train.jsonl');

function service(format: 'prose' | 'compact', onLeak: LeakPolicy): FeedbackService {
  const provider = new MathVerifierFeedback({ format });
  const settings = { timeoutMs: 10_000, retries: 0, backoffMs: 0, maxBackoffMs: 0, concurrency: 16, cacheSize: 0, onLeak };
  return new FeedbackService([{ name: 'math-verifier', provider, ...settings }], [new MathAnswerLeakGuard()]);
}

describe.runIf(path !== undefined)('math-verifier critiques of 1,000 corrupted GSM8K train solutions', () => {
  const problems = gsm8kProblems(path as string, PROBLEMS);
  const rng = Rng.fromSeed(8);
  const cases = problems.map((p) => ({ problem: p, attempt: corruptWorkedSolution(p.solution ?? '', rng.split(p.id)) }));

  const run = async (format: 'prose' | 'compact', onLeak: LeakPolicy) => {
    const s = service(format, onLeak);
    const results: { problem: Problem; out: FeedbackResult }[] = [];
    for (const { problem, attempt } of cases) {
      const request = feedbackRequest(problem, 'critique', { attempts: [{ text: attempt?.solution ?? '' }] });
      results.push({ problem, out: await s.request(request) });
    }
    const leaking = results.filter((r) => r.out.ok && goldMentions(r.out.feedback.text, r.problem.answer).length > 0);
    return { results, leaking, counts: s.totalCounts() };
  };

  it('builds one corrupted attempt per problem whose final answer differs from the gold', () => {
    expect(problems).toHaveLength(PROBLEMS);
    expect(cases.every((c) => c.attempt && c.attempt.answer !== c.problem.answer)).toBe(true);
    const steps = cases.filter((c) => c.attempt?.kind === 'step').length;
    console.log(
      `GSM8K corruption: ${steps}/${PROBLEMS} changed one computation and carried it to the end, ${PROBLEMS - steps} only the final answer`,
    );
  });

  for (const format of ['prose', 'compact'] as const) {
    it(`${format}: with the guard on (redact) no output contains the gold; with it off the guard's count matches an independent check`, async () => {
      const on = await run(format, 'redact');
      expect(on.results.every((r) => r.out.ok)).toBe(true);
      const shown = on.leaking.slice(0, 3).map((r) => `${r.problem.answer}: ${r.out.ok ? r.out.feedback.text : ''}`);
      expect(on.leaking, shown.join('\n\n')).toHaveLength(0);
      const off = await run(format, 'allow');
      const guardFound = off.results.filter((r) => r.out.ok && r.out.leaks > 0);
      const onlyGuard = guardFound.filter((r) => !off.leaking.includes(r)).length;
      const onlyDetector = off.leaking.filter((r) => !guardFound.includes(r)).length;
      console.log(
        `GSM8K leak test (${format}, ${PROBLEMS} problems): guard on -> ${on.leaking.length} outputs with the gold ` +
          `(${on.counts.leaks ?? 0} redacted, ${on.counts.leaked_spans ?? 0} spans); guard off -> ${off.leaking.length} outputs ` +
          `with the gold by the independent check, ${off.counts.leaks ?? 0} flagged by the guard ` +
          `(only guard: ${onlyGuard}, only independent check: ${onlyDetector})`,
      );
      expect(off.leaking.length).toBeGreaterThan(0);
      expect(off.counts.leaks ?? 0).toBe(off.leaking.length);
      expect(on.counts.leaks ?? 0).toBe(off.counts.leaks ?? 0);
    });
  }
});
