import { describe, expect, it } from 'vitest';
import { ScriptedPolicy } from '../trainer/test-support/scripted-policy';
import { GenerateBatcher } from './generate-batcher';

const sampling = { temperature: 1, maxNewTokens: 8, seed: 3 };

describe('GenerateBatcher', () => {
  it('merges concurrent calls with the same sampling into one generate call, results in caller order', async () => {
    const policy = new ScriptedPolicy((p) => `<${p}>`);
    const b = new GenerateBatcher(policy);
    const outs = await Promise.all([
      b.generate([{ prompt: 'a' }, { prompt: 'b' }], sampling),
      b.generate([{ prompt: 'c' }], sampling),
      b.generate([{ prompt: 'd' }], { ...sampling, seed: 9 }),
    ]);
    expect(outs.map((o) => o.map((r) => r.text))).toEqual([['<a>', '<b>'], ['<c>'], ['<d>']]);
    expect(policy.calls).toHaveLength(1);
    expect(policy.calls[0]?.requests.map((r) => r.prompt)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('gives every request of a seeded call its own seed, derived from the call seed and index', async () => {
    const policy = new ScriptedPolicy((p) => p);
    const b = new GenerateBatcher(policy);
    await b.generate([{ prompt: 'a' }, { prompt: 'b' }], sampling);
    await Promise.all([b.generate([{ prompt: 'x' }], sampling), b.generate([{ prompt: 'a' }, { prompt: 'b' }], sampling)]);
    const first = policy.calls[0]?.requests.map((r) => r.seed);
    const merged = policy.calls[1]?.requests.map((r) => r.seed);
    expect(first?.every((s) => typeof s === 'number')).toBe(true);
    expect(first?.[0]).not.toBe(first?.[1]);
    expect(merged?.slice(1)).toEqual(first);
    expect(merged?.[0]).toBe(first?.[0]);
    await b.generate([{ prompt: 'u' }], { temperature: 1, maxNewTokens: 8 });
    expect(policy.calls[2]?.requests[0]?.seed).toBeUndefined();
  });

  it('keeps calls with different sampling apart and splits above maxRows', async () => {
    const policy = new ScriptedPolicy((p) => p);
    const b = new GenerateBatcher(policy, { maxRows: 3 });
    await Promise.all([
      b.generate([{ prompt: 'a' }, { prompt: 'b' }], sampling),
      b.generate([{ prompt: 'c' }], { ...sampling, temperature: 0.5 }),
      b.generate([{ prompt: 'd' }, { prompt: 'e' }], sampling),
      b.generate([{ prompt: 'f' }], sampling),
    ]);
    expect(policy.calls.map((c) => c.requests.map((r) => r.prompt).join(''))).toEqual(['abf', 'c', 'de']);
  });

  it('isolates a failing request: a merged call that throws is retried per caller', async () => {
    const policy = new ScriptedPolicy((p) => {
      if (p === 'bad') throw new Error('prompt too long');
      return p;
    });
    const b = new GenerateBatcher(policy);
    const [good, bad] = await Promise.allSettled([
      b.generate([{ prompt: 'ok' }], sampling),
      b.generate([{ prompt: 'bad' }], sampling),
    ]);
    expect(good).toMatchObject({ status: 'fulfilled' });
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'prompt too long' } });
  });
});
