import { describe, expect, it } from 'vitest';
import { trainerSchema } from '../config/trainer-config';
import { FeedbackService } from '../feedback/feedback-service';
import type { Problem } from '../records/problem';
import { Rng } from '../rng/rng';
import { rolloutFromResult } from '../rollout/rollout-from-result';
import type { CollectedRollouts, RolloutContext, RolloutStrategy } from '../rollout/rollout-strategy';
import type { TaskSource } from '../task/task-source';
import { makeProblem } from '../testing/fixtures';
import { ScriptedGenerationPolicy } from '../testing/scripted-generation-policy';
import { BatchCollector } from './collect-batch';
import { MetricAccumulator } from './metric-accumulator';
import { RewardScorer } from './reward-scorer';

/** Generates two prefilled samples per problem and keeps only the first. */
const keepsOne: RolloutStrategy = {
  id: 'keeps-one',
  async collect(problems: readonly Problem[], ctx: RolloutContext): Promise<CollectedRollouts> {
    const results = await ctx.policy.generate(
      problems.flatMap((p) => [
        { prompt: p.prompt, prefill: 'PRE' },
        { prompt: p.prompt, prefill: 'PRE' },
      ]),
      ctx.sampling,
    );
    const groups = problems.map((problem, g) => {
      const id = `${ctx.idPrefix}g${g}`;
      const kept = results[2 * g];
      if (!kept) throw new Error('missing result');
      return { id, problem, rollouts: [rolloutFromResult(problem, kept, { id: `${id}-0`, groupId: id, prefill: 'PRE' })] };
    });
    return { groups };
  },
};

const task: TaskSource = {
  id: 'one',
  size: () => 2,
  sample: (_split, n) => Array.from({ length: n }, (_, i) => makeProblem({ id: `p${i}` })),
  list: (_split, n = 2) => Array.from({ length: n }, (_, i) => makeProblem({ id: `p${i}` })),
};

describe('BatchCollector', () => {
  it('counts every generated token and sequence, also of samples the strategy dropped, never prefilled tokens', async () => {
    const policy = new ScriptedGenerationPolicy(() => 'abcd');
    const scorer = new RewardScorer([
      {
        name: 'len',
        weight: 1,
        timeoutMs: 1000,
        reward: { id: 'len', score: ({ rollout }) => ({ score: rollout.completionIds.length }) },
      },
    ]);
    const collector = new BatchCollector({
      policy,
      strategy: keepsOne,
      task,
      scorer,
      feedback: new FeedbackService([]),
      contributions: [],
      config: trainerSchema.parse({ problemsPerStep: 3, sampling: { maxNewTokens: 8 } }),
    });
    const metrics = new MetricAccumulator();
    const batch = await collector.collect(1, Rng.fromSeed(1), metrics);
    expect(batch.groups).toHaveLength(3);
    const v = metrics.values();
    expect(v['rollout/sequences']).toBe(6);
    expect(v['rollout/generated_tokens']).toBe(6 * 4);
    expect(v['rollout/length']).toBe(4);
    expect(v['reward/len']).toBe(4);
    expect(batch.groups[0]?.rollouts[0]?.completionText).toBe('abcd');
  });
});
