import { experimentSchema } from '@trellis/core';
import { describeRewardConformance, makeProblem, makeRollout } from '@trellis/core/testing';
import { describe, expect, it } from 'vitest';
import { overlongPenalty } from './overlong-penalty';
import { OverlongReward, overlongOptions } from './overlong-reward';

// makeRollout tokenises one id per character, so lengths below are in characters = tokens.
describeRewardConformance('overlong', {
  create: () => new OverlongReward({ maxLength: 20, cacheLength: 8 }),
  cases: [
    { completion: '', score: 0 },
    { completion: 'x'.repeat(12), score: 0 },
    { completion: 'x'.repeat(13), score: -1 / 8 },
    { completion: 'x'.repeat(16), score: -0.5 },
    { completion: 'x'.repeat(20), score: -1 },
    { completion: 'x'.repeat(21), score: -1 },
  ],
});

describe('overlongPenalty', () => {
  it('is 0 up to L_max - L_cache, linear in the buffer, -1 beyond L_max', () => {
    expect(overlongPenalty(16384, 20480, 4096)).toBe(0);
    expect(overlongPenalty(16384 + 1024, 20480, 4096)).toBe(-0.25);
    expect(overlongPenalty(20480, 20480, 4096)).toBe(-1);
    expect(overlongPenalty(30000, 20480, 4096)).toBe(-1);
  });
});

describe('OverlongReward options', () => {
  it('defaults L_max to trainer.sampling.maxNewTokens and L_cache to 20% of it', () => {
    const config = experimentSchema.parse({ trainer: { sampling: { maxNewTokens: 100 } } });
    const r = new OverlongReward({}, config);
    expect([r.maxLength, r.cacheLength]).toEqual([100, 20]);
    expect(new OverlongReward({ cacheLength: 50 }, config).cacheLength).toBe(50);
    expect(new OverlongReward({ maxLength: 3 }).cacheLength).toBe(1);
    const out = r.score({ problem: makeProblem(), rollout: makeRollout('y'.repeat(90)) });
    expect(out.score).toBeCloseTo(-0.5, 12);
    expect(out.components?.length).toBe(90);
  });

  it('rejects impossible settings', () => {
    expect(overlongOptions.safeParse({ maxLength: 10, cacheLength: 11 }).success).toBe(false);
    expect(overlongOptions.safeParse({ maxLength: 0 }).success).toBe(false);
    expect(() => new OverlongReward({})).toThrow(/maxLength/);
    const small = experimentSchema.parse({ trainer: { sampling: { maxNewTokens: 10 } } });
    expect(() => new OverlongReward({ cacheLength: 11 }, small)).toThrow(/cacheLength/);
  });
});
