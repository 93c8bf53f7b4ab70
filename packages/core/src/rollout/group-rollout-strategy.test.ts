import { describe, expect, it } from 'vitest';
import { corePlugin } from '../builtin/core-plugin';
import { FeedbackService } from '../feedback/feedback-service';
import type { Policy } from '../policy/policy';
import type { GenerationRequest, GenerationResult, SamplingParams } from '../records/generation';
import type { Rng } from '../rng/rng';
import { makeProblem } from '../testing/fixtures';
import { describeRolloutStrategyConformance } from '../testing/rollout-strategy-conformance';
import { GroupRolloutStrategy } from './group-rollout-strategy';
import type { RolloutContext } from './rollout-strategy';

/** A policy whose i-th result in a call encodes the request's prompt and i. */
function fakePolicy(drop = 0) {
  const calls: { requests: readonly GenerationRequest[]; sampling: SamplingParams }[] = [];
  const policy = {
    async generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]> {
      calls.push({ requests, sampling });
      return requests.slice(0, requests.length - drop).map((req, i) => ({
        promptIds: [req.prompt.length],
        completionIds: [i, i + 1],
        text: `${req.prompt}#${i}`,
        logProbs: [-1, -2],
        prefillLength: 0,
        temperature: 1,
        finishReason: 'eos',
      }));
    },
  };
  return { policy: policy as unknown as Policy, calls };
}

const context = (policy: Policy, over: Partial<RolloutContext> = {}): RolloutContext => ({
  step: 1,
  idPrefix: 's1-',
  policy,
  sampling: { temperature: 1, maxNewTokens: 8, seed: 5 },
  groupSize: 3,
  rng: undefined as unknown as Rng,
  feedback: new FeedbackService([]),
  score: async () => {},
  metric: () => {},
  count: () => {},
  ...over,
});

const problems = ['p0', 'p1', 'p2', 'p3'].map((id) => makeProblem({ id, prompt: `prompt of ${id}` }));

describe('GroupRolloutStrategy', () => {
  it('generates problems x groupSize samples in one batch, in problem order', async () => {
    const { policy, calls } = fakePolicy();
    const ctx = context(policy);
    await new GroupRolloutStrategy().collect(problems, ctx);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.sampling).toBe(ctx.sampling);
    expect(calls[0]?.requests.map((r) => r.prompt)).toEqual(problems.flatMap((p) => [p.prompt, p.prompt, p.prompt]));
  });

  it('builds one group per problem with unique ids prefixed by idPrefix', async () => {
    const { policy } = fakePolicy();
    const { groups, pairs } = await new GroupRolloutStrategy().collect(problems, context(policy));
    expect(pairs).toBeUndefined();
    expect(groups.map((g) => g.id)).toEqual(['s1-g0', 's1-g1', 's1-g2', 's1-g3']);
    expect(groups.map((g) => g.problem)).toEqual(problems);
    const rollouts = groups.flatMap((g) => g.rollouts);
    expect(rollouts).toHaveLength(12);
    expect(new Set(rollouts.map((r) => r.id)).size).toBe(12);
    for (const g of groups) {
      expect(g.rollouts).toHaveLength(3);
      for (const r of g.rollouts) {
        expect(r.id.startsWith(`${g.id}-`)).toBe(true);
        expect(r.groupId).toBe(g.id);
        expect(r.problemId).toBe(g.problem.id);
        expect(r.completionText.startsWith(`${g.problem.prompt}#`)).toBe(true);
        expect(r.lossMask).toEqual([1, 1]);
      }
    }
    expect(rollouts.map((r) => r.completionText)).toEqual(
      problems.flatMap((p, g) => [0, 1, 2].map((k) => `${p.prompt}#${g * 3 + k}`)),
    );
  });

  it('keeps ids distinct across calls with different prefixes', async () => {
    const { policy } = fakePolicy();
    const strategy = new GroupRolloutStrategy();
    const a = await strategy.collect(problems.slice(0, 2), context(policy, { idPrefix: 's2-a-' }));
    const b = await strategy.collect(problems.slice(0, 2), context(policy, { idPrefix: 's2-b-' }));
    const ids = [...a.groups, ...b.groups].flatMap((g) => [g.id, ...g.rollouts.map((r) => r.id)]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id.startsWith('s2-a-') || id.startsWith('s2-b-'))).toBe(true);
  });

  it('uses groupSize from the context', async () => {
    const { policy } = fakePolicy();
    const { groups } = await new GroupRolloutStrategy().collect(problems.slice(0, 2), context(policy, { groupSize: 1 }));
    expect(groups.map((g) => g.rollouts.map((r) => r.id))).toEqual([['s1-g0-0'], ['s1-g1-0']]);
  });

  it('throws when the policy returns fewer results than requests', async () => {
    const { policy } = fakePolicy(1);
    await expect(new GroupRolloutStrategy().collect(problems, context(policy))).rejects.toThrow(
      /policy returned 11 results for 12 requests/,
    );
  });
});

describeRolloutStrategyConformance('groups (core)', { plugin: corePlugin, use: 'groups' });
