import { describe, expect, it } from 'vitest';
import { type FeedbackKind, type FeedbackRequest, feedbackRequest } from '../records/feedback';
import { makeProblem } from '../testing/fixtures';
import { MetricAccumulator } from '../trainer/metric-accumulator';
import type { ConfiguredFeedback } from './configured-feedback';
import { FeedbackError } from './feedback-error';
import type { FeedbackProvider, ProvideOptions } from './feedback-provider';
import { FeedbackService } from './feedback-service';
import { LiteralLeakGuard } from './literal-leak-guard';

const problem = makeProblem({ id: 'p1', question: 'Tom has 24 apples and buys 6 more. How many?', answer: '30' });
const critique = (text = 'my attempt: 24+6=31') => feedbackRequest(problem, 'critique', { attempts: [{ text }] });

type Script = (
  request: FeedbackRequest,
  options: ProvideOptions,
  call: number,
) => Promise<{ text: string; score?: number; kind?: FeedbackKind }>;

function provider(script: Script, kinds: FeedbackKind[] = ['critique', 'relevance']) {
  const seen: { request: FeedbackRequest; signal: AbortSignal | undefined }[] = [];
  const p: FeedbackProvider = {
    id: 'scripted',
    kinds,
    provide: async (request, options = {}) => {
      seen.push({ request, signal: options.signal });
      const out = await script(request, options, seen.length);
      return { kind: out.kind ?? request.kind, text: out.text, ...(out.score !== undefined ? { score: out.score } : {}) };
    },
  };
  return { p, seen };
}

const settings = (over: Partial<ConfiguredFeedback> = {}) => ({
  timeoutMs: 1000,
  retries: 2,
  backoffMs: 0,
  maxBackoffMs: 0,
  concurrency: 4,
  cacheSize: 0,
  onLeak: 'redact' as const,
  ...over,
});

const service = (p: FeedbackProvider, over: Partial<ConfiguredFeedback> = {}) =>
  new FeedbackService([{ name: 'teacher', provider: p, ...settings(over) }], [new LiteralLeakGuard()]);

const hang = (_r: FeedbackRequest, o: ProvideOptions) =>
  new Promise<never>((_, reject) => o.signal?.addEventListener('abort', () => reject(o.signal?.reason)));

describe('FeedbackService', () => {
  it('strips guard data before the provider and redacts the gold answer it writes', async () => {
    const { p, seen } = provider(async () => ({ text: 'Redo the second line: 24+6=30.' }));
    const s = service(p);
    const out = await s.request(critique());
    expect(seen[0]?.request.guard).toBeUndefined();
    expect(seen[0]?.request.problem.answer).toBeUndefined();
    expect(out).toMatchObject({ ok: true, leaks: 1, cached: false, attempts: 1 });
    if (out.ok)
      expect(out.feedback).toEqual({ kind: 'critique', text: 'Redo the second line: 24+6=[redacted].', redacted: true });
    expect(s.totalCounts()).toMatchObject({ requests: 1, calls: 1, leaks: 1, leaked_spans: 1 });
  });

  it('rejects a leaking feedback with onLeak reject, passes it with allow, and counts both', async () => {
    const { p } = provider(async () => ({ text: 'the answer is 30' }));
    const rejecting = service(p, { onLeak: 'reject' });
    expect(await rejecting.request(critique())).toMatchObject({ ok: false, reason: 'leak' });
    expect(rejecting.totalCounts()).toMatchObject({ leaks: 1, failures: 1, 'failures/leak': 1 });
    const allowing = service(p, { onLeak: 'allow' });
    const out = await allowing.request(critique());
    expect(out).toMatchObject({ ok: true, leaks: 1, feedback: { text: 'the answer is 30' } });
    expect(allowing.totalCounts().leaks).toBe(1);
  });

  it('does not guard a request that allows the gold answer, and then shows it to the provider', async () => {
    const { p, seen } = provider(async () => ({ text: 'the answer is 30' }));
    const out = await service(p).request(feedbackRequest(problem, 'critique', { attempts: [], allowGoldAnswer: true }));
    expect(out).toMatchObject({ ok: true, leaks: 0 });
    expect(seen[0]?.request.problem.answer).toBe('30');
  });

  it('times out a hanging call, aborts its signal, retries it, counts it and fails as timeout', async () => {
    const { p, seen } = provider(hang);
    const s = service(p, { timeoutMs: 50, retries: 2 });
    const out = await s.request(critique());
    expect(out).toMatchObject({ ok: false, reason: 'timeout', attempts: 3 });
    expect(seen).toHaveLength(3);
    for (const c of seen) expect(c.signal?.aborted).toBe(true);
    expect(s.totalCounts()).toMatchObject({
      calls: 3,
      timeouts: 3,
      retries: 2,
      failures: 1,
      'failures/timeout': 1,
      'critique/failures': 1,
    });
  });

  it('retries transient errors with backoff and succeeds; does not retry permanent ones', async () => {
    const flaky = provider(async (_r, _o, call) => {
      if (call < 3) throw new FeedbackError('connection refused', 'error', true);
      return { text: 'Issue: check the sum.' };
    });
    const s = service(flaky.p, { retries: 2, backoffMs: 40, maxBackoffMs: 1000 });
    const started = performance.now();
    const out = await s.request(critique());
    expect(performance.now() - started).toBeGreaterThanOrEqual(40 + 80 - 5);
    expect(out).toMatchObject({ ok: true, attempts: 3 });
    expect(s.totalCounts()).toMatchObject({ calls: 3, retries: 2 });
    expect(s.totalCounts().failures).toBeUndefined();

    const broken = provider(async () => {
      throw new Error('bug in provider');
    });
    const t = service(broken.p, { retries: 3 });
    expect(await t.request(critique())).toMatchObject({ ok: false, reason: 'error', message: 'bug in provider', attempts: 1 });
    expect(broken.seen).toHaveLength(1);
    const parse = provider(async () => {
      throw new FeedbackError('no score', 'parse');
    });
    expect(await service(parse.p).request(critique())).toMatchObject({ ok: false, reason: 'parse', attempts: 1 });
  });

  it('gives up after the retries and reports the last error', async () => {
    const { p, seen } = provider(async () => {
      throw new FeedbackError('HTTP 503', 'error', true);
    });
    const s = service(p, { retries: 1 });
    expect(await s.request(critique())).toMatchObject({ ok: false, reason: 'error', message: 'HTTP 503', attempts: 2 });
    expect(seen).toHaveLength(2);
    expect(s.totalCounts()).toMatchObject({ calls: 2, retries: 1, failures: 1, 'failures/error': 1 });
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const { p } = provider(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return { text: 'ok' };
    });
    const s = service(p, { concurrency: 3 });
    const outs = await Promise.all(Array.from({ length: 12 }, (_, i) => s.request(critique(`attempt ${i}`))));
    expect(outs.every((o) => o.ok)).toBe(true);
    expect(most).toBe(3);
  });

  it('serves a repeated request from its cache, keyed by the whole request', async () => {
    const { p, seen } = provider(async (r) => ({ text: `about ${r.attempts?.[0]?.text}` }));
    const s = service(p, { cacheSize: 10 });
    const a = await s.request(critique('one'));
    const b = await s.request(critique('one'));
    const c = await s.request(critique('two'));
    expect(seen).toHaveLength(2);
    expect(b).toMatchObject({ ok: true, cached: true, attempts: 0 });
    if (a.ok && b.ok && c.ok) {
      expect(b.feedback).toEqual(a.feedback);
      expect(c.feedback.text).toBe('about two');
    }
    expect(s.totalCounts()).toMatchObject({ requests: 3, calls: 2, cache_hits: 1 });
  });

  it('picks the first provider that answers a kind, or the named one; unknown names and kinds fail', async () => {
    const critic = provider(async () => ({ text: 'critic' }), ['critique']);
    const scorer = provider(async () => ({ text: '0.5', score: 0.5 }), ['relevance', 'critique']);
    const s = new FeedbackService(
      [
        { name: 'critic', provider: critic.p, ...settings() },
        { name: 'scorer', provider: scorer.p, ...settings() },
      ],
      [],
    );
    expect(s.names).toEqual(['critic', 'scorer']);
    expect(await s.request(critique())).toMatchObject({ ok: true, provider: 'critic' });
    expect(await s.request(critique(), { provider: 'scorer' })).toMatchObject({ ok: true, provider: 'scorer' });
    const rel = feedbackRequest(problem, 'relevance', { references: [{ question: 'q', text: 't' }] });
    expect(await s.request(rel)).toMatchObject({ ok: true, provider: 'scorer', feedback: { score: 0.5 } });
    expect(s.supports('abstraction')).toBe(false);
    expect(await s.request(feedbackRequest(problem, 'abstraction'))).toMatchObject({ ok: false, reason: 'unsupported' });
    const unknown = await s.request(critique(), { provider: 'nope' });
    expect(unknown).toMatchObject({ ok: false, reason: 'unsupported' });
    if (!unknown.ok) expect(unknown.message).toMatch(/no feedback provider named 'nope'; configured: critic, scorer/);
    expect(await s.request(rel, { provider: 'critic' })).toMatchObject({ ok: false, reason: 'unsupported' });
  });

  it('refuses answers that break the contract: wrong kind, relevance score out of [0, 1]', async () => {
    const wrongKind = provider(async () => ({ text: 'x', kind: 'merge' }));
    expect(await service(wrongKind.p).request(critique())).toMatchObject({ ok: false, reason: 'parse' });
    const badScore = provider(async () => ({ text: 'very', score: 7 }));
    const rel = feedbackRequest(problem, 'relevance', { references: [{ question: 'q', text: 't' }] });
    expect(await service(badScore.p).request(rel)).toMatchObject({ ok: false, reason: 'parse' });
  });

  it('drains counters into a step as counters and latencies as observations, then starts over', async () => {
    const { p } = provider(async () => ({ text: 'fine' }));
    const s = service(p);
    await Promise.all([s.request(critique('a')), s.request(critique('b'))]);
    const metrics = new MetricAccumulator();
    metrics.count('feedback/calls', 5);
    s.drainInto(metrics);
    const v = metrics.values();
    expect(v['feedback/calls']).toBe(7);
    expect(v['feedback/requests']).toBe(2);
    expect(v['feedback/critique/requests']).toBe(2);
    expect(v['feedback/latency_ms']).toBeGreaterThanOrEqual(0);
    const next = new MetricAccumulator();
    s.drainInto(next);
    expect(next.values()).toEqual({});
    expect(s.totalCounts().requests).toBe(2);
  });
});
