import { describe, expect, it } from 'vitest';
import type { WeightedReward } from '../plugin/weighted-reward';
import type { RewardOutput } from '../reward/reward';
import { makeProblem, makeRollout } from '../testing/fixtures';
import { RewardScorer } from './reward-scorer';

const reward = (
  name: string,
  weight: number,
  score: () => RewardOutput | Promise<RewardOutput>,
  timeoutMs = 1000,
): WeightedReward => ({ name, weight, timeoutMs, reward: { id: name, score } });

const problem = makeProblem();

describe('RewardScorer', () => {
  it('fills the weighted total, per-reward components and `<name>/<component>` metrics', async () => {
    const scorer = new RewardScorer([
      reward('acc', 1, () => ({ score: 1, components: { precision: 0.25, recall: 0.75 } })),
      reward('fmt', 0.5, async () => ({ score: 0.4 })),
      reward('len', -2, () => ({ score: 0.1, components: { tokens: 12 } })),
    ]);
    const r = makeRollout('5', { metrics: { 'existing/metric': 9 } });
    await scorer.score(problem, [r]);
    expect(r.reward).toBeCloseTo(1 + 0.2 - 0.2, 12);
    expect(r.rewardComponents).toEqual({ acc: 1, fmt: 0.4, len: 0.1 });
    expect(r.metrics).toEqual({ 'existing/metric': 9, 'acc/precision': 0.25, 'acc/recall': 0.75, 'len/tokens': 12 });
    expect(scorer.drainFailures()).toEqual({ errors: {}, timeouts: {}, nonFinite: {}, outOfRange: {}, messages: [] });
  });

  it('passes the problem and the rollout to each reward and scores every rollout', async () => {
    const seen: string[] = [];
    const scorer = new RewardScorer([
      reward('echo', 1, () => ({ score: 0 })),
      {
        name: 'len',
        weight: 1,
        timeoutMs: 1000,
        reward: {
          id: 'len',
          score: ({ problem: p, rollout }) => {
            seen.push(`${p.id}:${rollout.id}`);
            return { score: rollout.completionText.length };
          },
        },
      },
    ]);
    const rollouts = [makeRollout('a', { id: 'r0' }), makeRollout('abc', { id: 'r1' })];
    await scorer.score(problem, rollouts);
    expect(rollouts.map((r) => r.reward)).toEqual([1, 3]);
    expect(seen.sort()).toEqual(['p0:r0', 'p0:r1']);
  });

  it('drops non-finite component values from the metrics', async () => {
    const scorer = new RewardScorer([reward('acc', 1, () => ({ score: 1, components: { good: 1, bad: Number.NaN } }))]);
    const r = makeRollout('x');
    await scorer.score(problem, [r]);
    expect(r.metrics).toEqual({ 'acc/good': 1 });
  });

  it('scores 0 for throwing, hanging and non-finite rewards and counts each failure', async () => {
    const scorer = new RewardScorer([
      reward('ok', 1, () => ({ score: 0.5 })),
      reward('throws', 1, () => {
        throw new Error('parser crashed');
      }),
      reward('rejects', 1, async () => {
        throw new Error('async crash');
      }),
      reward('hangs', 1, () => new Promise<RewardOutput>(() => {}), 20),
      reward('nan', 1, () => ({ score: Number.NaN })),
      reward('inf', 1, () => ({ score: Number.POSITIVE_INFINITY })),
    ]);
    const rollouts = [makeRollout('a', { id: 'r0' }), makeRollout('b', { id: 'r1' })];
    await scorer.score(problem, rollouts);
    for (const r of rollouts) {
      expect(r.reward).toBe(0.5);
      expect(r.rewardComponents).toEqual({ ok: 0.5, throws: 0, rejects: 0, hangs: 0, nan: 0, inf: 0 });
      expect(scorer.isScored(r)).toBe(true);
    }
    const failures = scorer.drainFailures();
    expect(failures.errors).toEqual({ throws: 2, rejects: 2 });
    expect(failures.timeouts).toEqual({ hangs: 2 });
    expect(failures.nonFinite).toEqual({ nan: 2, inf: 2 });
    expect(failures.messages).toHaveLength(5);
    expect(failures.messages).toContain("reward 'throws' threw: parser crashed");
    expect(failures.messages.join('\n')).toMatch(/reward 'hangs' timed out after 20 ms|returned NaN|async crash/);

    expect(scorer.drainFailures()).toEqual({ errors: {}, timeouts: {}, nonFinite: {}, outOfRange: {}, messages: [] });
  });

  it('keeps counting after a drain from zero', async () => {
    const scorer = new RewardScorer([reward('nan', 1, () => ({ score: Number.NaN }))]);
    await scorer.score(problem, [makeRollout('a')]);
    expect(scorer.drainFailures().nonFinite).toEqual({ nan: 1 });
    await scorer.score(problem, [makeRollout('b')]);
    const again = scorer.drainFailures();
    expect(again.nonFinite).toEqual({ nan: 1 });
    expect(again.messages).toEqual(["reward 'nan' returned NaN"]);
  });

  it('records the messages of the first failures', async () => {
    const scorer = new RewardScorer([
      reward('hangs', 1, () => new Promise<RewardOutput>(() => {}), 10),
      reward('inf', 1, () => ({ score: Number.NEGATIVE_INFINITY })),
    ]);
    await scorer.score(problem, [makeRollout('a')]);
    expect(scorer.drainFailures().messages).toEqual(["reward 'hangs' timed out after 10 ms", "reward 'inf' returned -Infinity"]);
  });

  it('isScored is false until the rollout was scored', async () => {
    const scorer = new RewardScorer([reward('one', 1, () => ({ score: 1 }))]);
    const scored = makeRollout('a', { id: 'r0' });
    const other = makeRollout('a', { id: 'r1' });
    expect(scorer.isScored(scored)).toBe(false);
    await scorer.score(problem, [scored]);
    expect(scorer.isScored(scored)).toBe(true);
    expect(scorer.isScored(other)).toBe(false);
  });

  it('with no rewards scores 0 and marks the rollout scored', async () => {
    const scorer = new RewardScorer([]);
    const r = makeRollout('a', { reward: 3, rewardComponents: { old: 3 } });
    await scorer.score(problem, [r]);
    expect(r.reward).toBe(0);
    expect(r.rewardComponents).toEqual({});
    expect(scorer.isScored(r)).toBe(true);
  });

  // Regression: a fast synchronous reward is not charged for the rest of its group.
  it('does not time out a fast synchronous reward when scoring a whole group', async () => {
    const scorer = new RewardScorer([
      reward(
        'sync',
        1,
        () => {
          const end = performance.now() + 15;
          while (performance.now() < end) {
            // A CPU-bound synchronous verifier.
          }
          return { score: 1 };
        },
        50,
      ),
    ]);
    const rollouts = [0, 1, 2, 3, 4].map((i) => makeRollout('a', { id: `r${i}` }));
    await scorer.score(problem, rollouts);
    expect(scorer.drainFailures().timeouts).toEqual({});
    expect(rollouts.map((r) => r.reward)).toEqual([1, 1, 1, 1, 1]);
  });

  it('shows rewards only the generated text and tokens, never a prefill', async () => {
    const seen: { text: string; ids: number[]; mask: number[]; lp: number[] }[] = [];
    const scorer = new RewardScorer([
      {
        name: 'spy',
        weight: 1,
        timeoutMs: 1000,
        reward: {
          id: 'spy',
          score: ({ rollout }) => {
            seen.push({
              text: rollout.completionText,
              ids: [...rollout.completionIds],
              mask: [...rollout.lossMask],
              lp: [...rollout.behaviourLogProbs],
            });
            // A length penalty counts tokens: the prefill must not count.
            return { score: -rollout.completionIds.length };
          },
        },
      },
    ]);
    const prefilled = makeRollout(' 5', {
      completionIds: [70, 71, 72, 32, 53],
      lossMask: [0, 0, 0, 1, 1],
      behaviourLogProbs: [-3, -3, -3, -1, -1],
      prefill: 'FGH',
      prefillLength: 3,
    });
    await scorer.score(problem, [prefilled]);
    expect(seen).toEqual([{ text: ' 5', ids: [32, 53], mask: [1, 1], lp: [-1, -1] }]);
    expect(prefilled.reward).toBe(-2);
    expect(prefilled.completionIds).toHaveLength(5);
    expect(scorer.isScored(prefilled)).toBe(true);
  });
});
