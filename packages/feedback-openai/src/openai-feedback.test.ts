import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FeedbackError, FeedbackService, feedbackRequest } from '@trellis/core';
import { makeProblem } from '@trellis/core/testing';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenaiFeedback } from './openai-feedback';
import { openaiFeedbackOptions } from './openai-feedback-options';
import { toFeedbackError } from './to-feedback-error';

const problem = makeProblem({ id: 'p1', question: 'Tom has 24 apples and buys 6 more. How many?', answer: '30' });
const make = (over: Record<string, unknown> = {}) =>
  new OpenaiFeedback(openaiFeedbackOptions.parse({ baseURL: 'http://127.0.0.1:9/v1', model: 'teacher', ...over }));
const settings = {
  timeoutMs: 300,
  retries: 1,
  backoffMs: 0,
  maxBackoffMs: 0,
  concurrency: 2,
  cacheSize: 0,
  onLeak: 'redact' as const,
};

describe('openai feedback options and messages', () => {
  it('validates the options, naming the bad key', () => {
    expect(openaiFeedbackOptions.safeParse({ model: 'm' }).error?.issues[0]?.path).toEqual(['baseURL']);
    expect(openaiFeedbackOptions.safeParse({ baseURL: 'ftp://x/v1', model: 'm' }).success).toBe(false);
    expect(openaiFeedbackOptions.safeParse({ baseURL: 'http://x/v1', model: 'm', temperature: -1 }).success).toBe(false);
    const bad = openaiFeedbackOptions.safeParse({ baseURL: 'http://x/v1', model: 'm', templates: { critique: '{nope}' } });
    expect(bad.error?.issues[0]?.message).toMatch(/unknown placeholder \{nope\}/);
    expect(openaiFeedbackOptions.parse({ baseURL: 'http://x/v1', model: 'm' })).toMatchObject({ temperature: 0, maxTokens: 512 });
  });

  it('refuses to start when the named API-key variable is missing', () => {
    delete process.env.TRELLIS_TEST_MISSING_KEY;
    expect(() => make({ apiKeyEnv: 'TRELLIS_TEST_MISSING_KEY' })).toThrow(
      /environment variable TRELLIS_TEST_MISSING_KEY \(options.apiKeyEnv\) is not set/,
    );
  });

  it('builds a system message and a critique user message without the gold answer (golden)', () => {
    const m = make().messages(feedbackRequest(problem, 'critique', { attempts: [{ text: '24+6=31\n\\boxed{31}' }] }));
    expect(m).toEqual([
      {
        role: 'system',
        content:
          'You are a careful math teacher who gives feedback on solutions. Never state or hint at the final answer of the problem.',
      },
      {
        role: 'user',
        content: [
          'The attempt(s) below are wrong. Find the root mistake and the first line where it goes wrong.',
          'Answer in exactly this format, with no final answer:',
          'Issue: <the mistake>',
          'Fix steps:',
          '1. <step>',
          '2. <step>',
          '',
          'Problem: Tom has 24 apples and buys 6 more. How many?',
          '',
          'Attempt 1:',
          '24+6=31',
          '\\boxed{31}',
        ].join('\n'),
      },
    ]);
    expect(JSON.stringify(m)).not.toContain('30');
  });

  it('default reflection, abstraction and relevance messages (golden)', () => {
    const p = make();
    const attempts = [{ text: '24+6=31' }];
    expect(p.messages(feedbackRequest(problem, 'reflection', { attempts }))[1]?.content).toBe(
      [
        'A student wrote the attempt(s) below. Without judging whether they are right, say which steps',
        'deserve a second look and what to check there. Do not solve the problem and do not give any final answer.',
        '',
        'Problem: Tom has 24 apples and buys 6 more. How many?',
        '',
        'Attempt 1:',
        '24+6=31',
      ].join('\n'),
    );
    const ref = { question: 'Ann has 3 pens and gets 4 more. How many?', text: '3+4=7\n\\boxed{7}' };
    expect(p.messages(feedbackRequest(problem, 'abstraction', { references: [ref] }))[1]?.content).toBe(
      [
        'Here are solved problems. Write 3 to 5 short, general principles that would help solve the new',
        'problem: which operations to use, in what order, and common mistakes to avoid. Use no numbers',
        'or answers from the problems.',
        '',
        'New problem: Tom has 24 apples and buys 6 more. How many?',
        '',
        'Problem: Ann has 3 pens and gets 4 more. How many?',
        'Solution:',
        '3+4=7',
        '\\boxed{7}',
      ].join('\n'),
    );
    expect(p.messages(feedbackRequest(problem, 'relevance', { references: [ref] }))[1]?.content).toBe(
      [
        'Rate how useful the solved problem is for solving the new problem, from 0 (unrelated) to 1',
        '(same kind of problem and method). Reply with the number only.',
        '',
        'New problem: Tom has 24 apples and buys 6 more. How many?',
        '',
        'Solved problem: Ann has 3 pens and gets 4 more. How many?',
        'Solution:',
        '3+4=7',
        '\\boxed{7}',
      ].join('\n'),
    );
  });

  it('lays out each kind with its template', () => {
    const p = make({ system: 'S', templates: { merge: 'M {feedbacks}', relevance: 'R {reference_question}|{reference}' } });
    expect(p.messages(feedbackRequest(problem, 'merge', { feedbacks: ['a', 'b'] }))[1]?.content).toBe(
      'M Feedback 1:\na\n\nFeedback 2:\nb',
    );
    const rel = p.messages(feedbackRequest(problem, 'relevance', { references: [{ question: 'Q2', text: 'T2' }] }));
    expect(rel).toEqual([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'R Q2|T2' },
    ]);
  });
});

describe('openai error classification', () => {
  it('retries connection failures and 408/409/429/5xx, not other HTTP errors', () => {
    const conn = toFeedbackError(new APIConnectionError({ message: 'refused' }), undefined, 'w');
    expect(conn).toBeInstanceOf(FeedbackError);
    expect((conn as FeedbackError).transient).toBe(true);
    for (const [status, transient] of [
      [400, false],
      [401, false],
      [404, false],
      [408, true],
      [409, true],
      [429, true],
      [500, true],
      [503, true],
    ] as const) {
      const e = toFeedbackError(APIError.generate(status, { message: 'x' }, 'x', new Headers()), undefined, 'w') as FeedbackError;
      expect(e.transient, String(status)).toBe(transient);
      expect(e.message).toContain(`HTTP ${status}`);
    }
  });

  it('passes an abort through as the signal reason (the service timeout)', () => {
    const c = new AbortController();
    const reason = new Error('timed out');
    c.abort(reason);
    expect(toFeedbackError(new APIUserAbortError(), c.signal, 'w')).toBe(reason);
  });
});

describe('openai feedback over real sockets', () => {
  let stalled: Server;
  let stalledUrl = '';
  const open = new Set<import('node:net').Socket>();
  const requestSockets: import('node:net').Socket[] = [];
  beforeAll(async () => {
    stalled = createServer((req) => {
      requestSockets.push(req.socket); // accepts the request and never answers
    });
    stalled.on('connection', (s) => {
      open.add(s);
      s.on('close', () => open.delete(s));
    });
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    stalledUrl = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    await new Promise((r) => stalled.close(r));
  });

  it('a refused connection is retried, then fails as a counted error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const s = new FeedbackService([{ name: 'teacher', provider: make({ baseURL: `http://127.0.0.1:${port}/v1` }), ...settings }]);
    const out = await s.request(feedbackRequest(problem, 'critique', { attempts: [{ text: '24+6=31' }] }));
    expect(out).toMatchObject({ ok: false, reason: 'error', attempts: 2 });
    if (!out.ok) expect(out.message).toMatch(/connection failed/);
    expect(s.totalCounts()).toMatchObject({ calls: 2, retries: 1, failures: 1, 'failures/error': 1 });
  });

  it('a stalled server trips the timeout, aborts the HTTP request and is counted', async () => {
    const s = new FeedbackService([{ name: 'teacher', provider: make({ baseURL: stalledUrl }), ...settings }]);
    const started = performance.now();
    const out = await s.request(feedbackRequest(problem, 'critique', { attempts: [{ text: '24+6=31' }] }));
    expect(out).toMatchObject({ ok: false, reason: 'timeout', attempts: 2 });
    expect(s.totalCounts()).toMatchObject({ timeouts: 2, retries: 1, failures: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * settings.timeoutMs - 20);
    await new Promise((r) => setTimeout(r, 100));
    expect(requestSockets).toHaveLength(2);
    for (const socket of requestSockets) expect(socket.destroyed, 'the aborted HTTP request closed its connection').toBe(true);
  });
});
