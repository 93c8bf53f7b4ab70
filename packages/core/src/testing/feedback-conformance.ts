import { describe, expect, it } from 'vitest';
import type { LeakPolicy } from '../feedback/configured-feedback';
import type { FeedbackProvider } from '../feedback/feedback-provider';
import { FeedbackService } from '../feedback/feedback-service';
import type { LeakGuard } from '../feedback/leak-guard';
import { LiteralLeakGuard } from '../feedback/literal-leak-guard';
import { FEEDBACK_KINDS, type FeedbackKind, type FeedbackRequest, feedbackRequest } from '../records/feedback';
import type { Problem } from '../records/problem';
import { type ConformanceSubject, itIsBuiltFromItsManifest, subjectFactory } from './plugin-under-test';

export interface FeedbackConformanceCase {
  readonly problem: Problem;
  /** Failed attempts to critique or reflect on (at least one). */
  readonly attempts: readonly string[];
  /** A trajectory of another problem, for `abstraction` and `relevance` (default: built from the attempts). */
  readonly reference?: { readonly question: string; readonly text: string };
}

/** The provider under test (`plugin`, `use`, `options`) and what the suite sends it. */
export type FeedbackConformanceOptions = ConformanceSubject<FeedbackProvider> & {
  /** Problems with distinctive gold answers, each with failed attempts. */
  readonly cases: readonly FeedbackConformanceCase[];
  /** The leak guard this provider is meant to run behind (default: core's `literal`). */
  readonly guard?: LeakGuard;
  /** A provider of the same kind whose calls hang (e.g. pointed at a server that never answers). */
  hanging?(): FeedbackProvider | Promise<FeedbackProvider>;
  /** How long a call may take to settle once its signal is aborted, ms (default 2000). */
  readonly abortWithinMs?: number;
};

/** The request of `kind` the suite sends for case `c`. */
export function conformanceRequest(kind: FeedbackKind, c: FeedbackConformanceCase): FeedbackRequest {
  const attempts = c.attempts.map((text) => ({ text }));
  const reference = c.reference ?? { question: `Another problem like: ${c.problem.question}`, text: c.attempts[0] ?? '' };
  switch (kind) {
    case 'merge':
      return feedbackRequest(c.problem, kind, { feedbacks: ['Issue: step 1 is wrong.', 'Issue: the sum is off.'] });
    case 'abstraction':
      return feedbackRequest(c.problem, kind, { references: [reference, reference] });
    case 'relevance':
      return feedbackRequest(c.problem, kind, { references: [reference] });
    default:
      return feedbackRequest(c.problem, kind, { attempts });
  }
}

const settings = (onLeak: LeakPolicy, timeoutMs = 60_000, retries = 0) => ({
  timeoutMs,
  retries,
  backoffMs: 0,
  maxBackoffMs: 0,
  concurrency: 4,
  cacheSize: 0,
  onLeak,
});

/** Wraps a provider and records every request it receives. */
function spy(p: FeedbackProvider): { provider: FeedbackProvider; seen: FeedbackRequest[] } {
  const seen: FeedbackRequest[] = [];
  return {
    seen,
    provider: {
      id: p.id,
      kinds: p.kinds,
      provide: (request, options) => {
        seen.push(request);
        return p.provide(request, options);
      },
    },
  };
}

/**
 * Contract every FeedbackProvider must meet, tested on the provider as a run builds it (from the
 * plugin's manifest, through the container): it declares valid kinds and answers each with a
 * Feedback of that kind (relevance in [0, 1]); rejects kinds it does not declare; never receives
 * guard data or the gold answer through the feedback service; behind its guard, no answered text
 * contains the gold answer (redact and reject); and a call settles once its signal is aborted.
 * With `hanging`, the service's timeout fires, is retried, counted, and the call fails as `timeout`.
 */
export function describeFeedbackConformance(name: string, options: FeedbackConformanceOptions): void {
  const create = subjectFactory(options, 'feedback');
  const guard = options.guard ?? new LiteralLeakGuard();
  const first = () => {
    const c = options.cases[0];
    if (!c) throw new Error('feedback conformance needs at least one case');
    return c;
  };

  describe(`FeedbackProvider conformance: ${name}`, () => {
    itIsBuiltFromItsManifest(options, 'feedback', create);

    it('declares at least one known kind', async () => {
      const p = await create();
      expect(p.kinds.length).toBeGreaterThan(0);
      for (const k of p.kinds) expect(FEEDBACK_KINDS).toContain(k);
    });

    it('answers every declared kind with feedback of that kind', async () => {
      const p = await create();
      for (const kind of p.kinds) {
        for (const c of options.cases) {
          const { guard: _hidden, ...request } = conformanceRequest(kind, c);
          const fb = await p.provide(request);
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
      const p = await create();
      for (const kind of FEEDBACK_KINDS.filter((k) => !p.kinds.includes(k))) {
        await expect(p.provide(conformanceRequest(kind, first()))).rejects.toThrow();
      }
    });

    it('receives neither guard data nor the gold answer through the feedback service', async () => {
      const s = spy(await create());
      const service = new FeedbackService([{ name: 'p', provider: s.provider, ...settings('redact') }], [guard]);
      for (const kind of s.provider.kinds) for (const c of options.cases) await service.request(conformanceRequest(kind, c));
      expect(s.seen.length).toBeGreaterThan(0);
      for (const r of s.seen) {
        expect(r.guard).toBeUndefined();
        expect(r.problem.answer).toBeUndefined();
      }
    });

    it('behind its guard, never shows the gold answer (redact and reject)', async () => {
      for (const onLeak of ['redact', 'reject'] as const) {
        const provider = await create();
        const service = new FeedbackService([{ name: 'p', provider, ...settings(onLeak) }], [guard]);
        for (const kind of provider.kinds) {
          for (const c of options.cases) {
            const out = await service.request(conformanceRequest(kind, c));
            if (!out.ok) {
              expect(out.reason, out.message).toBe('leak');
              continue;
            }
            const found = guard.scan(out.feedback.text, [c.problem.answer]).leaks;
            expect(found, `${onLeak}: ${kind} feedback shows '${c.problem.answer}': ${out.feedback.text}`).toBe(0);
          }
        }
      }
    });

    it('settles once its abort signal fires', async () => {
      const p = options.hanging ? await options.hanging() : await create();
      const kind = p.kinds[0] as FeedbackKind;
      const controller = new AbortController();
      const started = performance.now();
      setTimeout(() => controller.abort(new Error('conformance abort')), 50);
      await p.provide(conformanceRequest(kind, first()), { signal: controller.signal }).catch(() => undefined);
      expect(performance.now() - started).toBeLessThan(50 + (options.abortWithinMs ?? 2000));
    });

    const hanging = options.hanging;
    if (hanging) {
      it('a hanging call times out, is retried, counted and fails as timeout', async () => {
        const p = await hanging();
        const service = new FeedbackService([{ name: 'p', provider: p, ...settings('redact', 300, 1) }], [guard]);
        const out = await service.request(conformanceRequest(p.kinds[0] as FeedbackKind, first()));
        expect(out.ok).toBe(false);
        if (!out.ok) expect(out.reason).toBe('timeout');
        expect(out.attempts).toBe(2);
        const counts = service.totalCounts();
        expect(counts.timeouts).toBe(2);
        expect(counts.retries).toBe(1);
        expect(counts.failures).toBe(1);
      });
    }
  });
}
