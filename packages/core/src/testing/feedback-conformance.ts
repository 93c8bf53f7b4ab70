import { describe, expect, it } from 'vitest';
import type { FeedbackProvider } from '../feedback/feedback-provider';
import { type FeedbackKind, type FeedbackRequest, problemView } from '../records/feedback';
import type { Problem } from '../records/problem';

const ALL_KINDS: readonly FeedbackKind[] = ['reflection', 'abstraction', 'critique', 'merge', 'relevance'];

export interface FeedbackConformanceOptions {
  create(): FeedbackProvider | Promise<FeedbackProvider>;
  /** Problems with distinctive gold answers, each with failed attempts to critique. */
  cases: readonly { problem: Problem; attempts: readonly string[] }[];
}

function requestFor(kind: FeedbackKind, c: FeedbackConformanceOptions['cases'][number]): FeedbackRequest {
  const problem = problemView(c.problem);
  const attempts = c.attempts.map((text) => ({ text }));
  switch (kind) {
    case 'merge':
      return { kind, problem, feedbacks: ['Issue: step 1 is wrong.', 'Issue: the sum is off.'] };
    case 'abstraction':
    case 'relevance':
      return { kind, problem, references: c.attempts.map((text) => ({ question: 'Another problem.', text })) };
    default:
      return { kind, problem, attempts };
  }
}

/**
 * Contract every FeedbackProvider must meet: it declares valid kinds, answers each with a
 * Feedback of that kind, rejects kinds it does not declare, keeps relevance scores in [0, 1],
 * and never reveals the gold answer when the request does not allow it.
 */
export function describeFeedbackConformance(name: string, options: FeedbackConformanceOptions): void {
  describe(`FeedbackProvider conformance: ${name}`, () => {
    it('declares at least one known kind', async () => {
      const p = await options.create();
      expect(p.kinds.length).toBeGreaterThan(0);
      for (const k of p.kinds) expect(ALL_KINDS).toContain(k);
    });

    it('answers every declared kind with feedback of that kind', async () => {
      const p = await options.create();
      for (const kind of p.kinds) {
        for (const c of options.cases) {
          const fb = await p.provide(requestFor(kind, c));
          expect(fb.kind).toBe(kind);
          expect(typeof fb.text).toBe('string');
          if (kind === 'relevance') {
            expect(fb.score).toBeGreaterThanOrEqual(0);
            expect(fb.score).toBeLessThanOrEqual(1);
          }
        }
      }
    });

    it('rejects kinds it does not declare', async () => {
      const p = await options.create();
      const c = options.cases[0];
      if (!c) throw new Error('conformance needs at least one case');
      for (const kind of ALL_KINDS.filter((k) => !p.kinds.includes(k))) {
        await expect(p.provide(requestFor(kind, c))).rejects.toThrow();
      }
    });

    it('never reveals the gold answer', async () => {
      const p = await options.create();
      for (const kind of p.kinds) {
        for (const c of options.cases) {
          const fb = await p.provide(requestFor(kind, c));
          expect(fb.text.includes(c.problem.answer), `${kind} feedback leaks '${c.problem.answer}': ${fb.text}`).toBe(false);
        }
      }
    });
  });
}
