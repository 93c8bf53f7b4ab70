import type { GenerationRequest, GenerationResult, Policy, SamplingParams } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import type { GenerationPlan } from './generation-plan';
import { GenerationQueue } from './generation-queue';

const sampling: SamplingParams = { temperature: 1, maxNewTokens: 4 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake policy whose `generate` takes `ms` and records each call's prompts and start time. */
function fakePolicy(ms: number) {
  const calls: { prompts: string[]; at: number }[] = [];
  const t0 = performance.now();
  const policy = {
    async generate(requests: readonly GenerationRequest[]): Promise<GenerationResult[]> {
      calls.push({ prompts: requests.map((r) => r.prompt), at: performance.now() - t0 });
      await sleep(ms);
      return requests.map((r) => ({
        promptIds: [],
        completionIds: [],
        text: r.prompt,
        logProbs: [],
        prefillLength: 0,
        temperature: 1,
        finishReason: 'eos',
      }));
    },
  } as unknown as Policy;
  return { policy, calls, t0 };
}

const plan = (...prompts: string[]): GenerationPlan => ({
  promptTokens: prompts.map(() => 1),
  requests: prompts.map((prompt, i) => ({ prompt, seed: i })),
  sampling,
  stop: [],
});

describe('GenerationQueue (one GenerateBatcher with a gathering window)', () => {
  it('goes as soon as maxBatch rows are queued, without waiting out the window', async () => {
    const { policy, calls } = fakePolicy(1);
    const q = new GenerationQueue(policy, 100, { maxBatch: 4, waitMs: 1000 });
    const t0 = performance.now();
    const all = [q.submit(plan('a'))];
    for (const p of ['b', 'c', 'd']) {
      await sleep(5);
      all.push(q.submit(plan(p)));
    }
    await Promise.all(all);
    expect(calls.map((c) => c.prompts.join(''))).toEqual(['abcd']);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('goes once no request arrived for waitMs', async () => {
    const { policy, calls } = fakePolicy(1);
    const q = new GenerationQueue(policy, 100, { maxBatch: 8, waitMs: 30 });
    const t0 = performance.now();
    const a = q.submit(plan('a'));
    await sleep(10);
    const b = q.submit(plan('b'));
    await Promise.all([a, b]);
    expect(calls.map((c) => c.prompts.join(''))).toEqual(['ab']);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
  });

  it('lets callers released by one call join those that queued during it (closed loop)', async () => {
    const { policy, calls } = fakePolicy(40);
    const q = new GenerationQueue(policy, 100, { maxBatch: 4, waitMs: 15 });
    const first = q.submit(plan('a', 'b')).then(() => q.submit(plan('A', 'B')));
    await sleep(30); // during the first call
    const late = q.submit(plan('c'));
    await Promise.all([first, late]);
    expect(calls.map((c) => c.prompts.join(''))).toEqual(['ab', 'cAB']);
    expect(q.counters()).toMatchObject({ queuedRows: 0, generateCalls: 2, generatedRows: 5, largestBatch: 3 });
  });

  it('refuses rows over maxQueue with a 429 and counts them', async () => {
    const { policy } = fakePolicy(20);
    const q = new GenerationQueue(policy, 3, { maxBatch: 4, waitMs: 0 });
    const running = q.submit(plan('a', 'b'));
    expect(() => q.submit(plan('c', 'd'))).toThrow(expect.objectContaining({ status: 429, code: 'queue_full' }));
    expect(() => q.submit(plan('w', 'x', 'y', 'z'))).toThrow(expect.objectContaining({ status: 400, param: 'n' }));
    await running;
    await q.drained();
    await q.submit(plan('c', 'd'));
    expect(q.counters()).toMatchObject({ rejected: 1, queuedRows: 0 });
  });
});
