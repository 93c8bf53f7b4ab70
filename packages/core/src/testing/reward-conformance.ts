import { describe, expect, it } from 'vitest';
import type { Problem } from '../records/problem';
import type { Reward } from '../reward/reward';
import { makeProblem, makeRollout } from './fixtures';
import { type ConformanceSubject, itIsBuiltFromItsManifest, subjectFactory } from './plugin-under-test';

/** The reward under test (`plugin`, `use`, `options`) and the cases it must score. */
export type RewardConformanceOptions = ConformanceSubject<Reward> & {
  /** Problems and completions with the score each must get (when `score` is given). */
  readonly cases: readonly { problem?: Problem; completion: string; score?: number }[];
};

const ADVERSARIAL = ['', ' ', '\\boxed{', '}}}}{{{', 'x'.repeat(20000), '\u0000\uffff', '\\boxed{\\boxed{\\boxed{}}}'];

/**
 * Contract every Reward must meet, tested on the reward as a run builds it (from the plugin's
 * manifest, through the container): a stable id, finite scores for normal and hostile inputs,
 * determinism, no mutation of its input, finite components, and the expected scores of `cases`.
 */
export function describeRewardConformance(name: string, options: RewardConformanceOptions): void {
  const create = subjectFactory(options, 'reward');
  describe(`Reward conformance: ${name}`, () => {
    itIsBuiltFromItsManifest(options, 'reward', create);

    it('has a non-empty id', async () => {
      const reward = await create();
      expect(typeof reward.id).toBe('string');
      expect(reward.id.length).toBeGreaterThan(0);
    });

    it('scores the given cases as expected', async () => {
      const reward = await create();
      for (const c of options.cases) {
        const out = await reward.score({ problem: c.problem ?? makeProblem(), rollout: makeRollout(c.completion) });
        expect(Number.isFinite(out.score), `score of ${JSON.stringify(c.completion.slice(0, 60))}`).toBe(true);
        if (c.score !== undefined) expect(out.score, JSON.stringify(c.completion.slice(0, 60))).toBeCloseTo(c.score, 6);
      }
    });

    it('returns finite scores and components on hostile completions', async () => {
      const reward = await create();
      for (const text of ADVERSARIAL) {
        const out = await reward.score({ problem: makeProblem(), rollout: makeRollout(text) });
        expect(Number.isFinite(out.score)).toBe(true);
        for (const v of Object.values(out.components ?? {})) expect(Number.isFinite(v)).toBe(true);
      }
    });

    it('is deterministic and does not mutate its input', async () => {
      const reward = await create();
      for (const c of options.cases) {
        const problem = c.problem ?? makeProblem();
        const rollout = makeRollout(c.completion);
        const before = JSON.stringify({ problem, rollout });
        const a = await reward.score({ problem, rollout });
        const b = await reward.score({ problem, rollout });
        expect(b.score).toBe(a.score);
        expect(JSON.stringify({ problem, rollout })).toBe(before);
      }
    });
  });
}
