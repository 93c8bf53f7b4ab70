import { describe, expect, it } from 'vitest';
import { trainerSchema } from '../config/trainer-config';
import type { FeedbackClient } from '../feedback/feedback-result';
import type { WeightedReward } from '../plugin/weighted-reward';
import type { Policy } from '../policy/policy';
import type { Problem } from '../records/problem';
import type { RewardOutput } from '../reward/reward';
import { Rng } from '../rng/rng';
import type { RolloutStrategy } from '../rollout/rollout-strategy';
import type { TaskSource } from '../task/task-source';
import { makeProblem, makeRollout } from '../testing/fixtures';
import { BatchCollector, MAX_REWARD_FAILURE_EVENTS } from './collect-batch';
import { MetricAccumulator } from './metric-accumulator';
import { DEFAULT_MAX_ABS_REWARD, RewardScorer } from './reward-scorer';

const reward = (name: string, score: () => RewardOutput): WeightedReward => ({
  name,
  weight: 1,
  timeoutMs: 1000,
  reward: { id: name, score },
});

describe('RewardScorer: scores beyond maxAbsReward', () => {
  it('scores 0 and counts out_of_range for |score| > the bound (1e308 would overflow the batch mean)', async () => {
    const scorer = new RewardScorer([
      reward('huge', () => ({ score: 1e308 })),
      reward('negative', () => ({ score: -2e6 })),
      reward('edge', () => ({ score: DEFAULT_MAX_ABS_REWARD })),
    ]);
    const r = makeRollout('a');
    await scorer.score(makeProblem(), [r]);
    expect(r.rewardComponents).toEqual({ huge: 0, negative: 0, edge: DEFAULT_MAX_ABS_REWARD });
    expect(r.reward).toBe(DEFAULT_MAX_ABS_REWARD);
    const failures = scorer.drainFailures();
    expect(failures.outOfRange).toEqual({ huge: 1, negative: 1 });
    expect(failures.messages[0]).toBe(
      "reward 'huge' returned 1e+308, outside [-1000000, 1000000] (trainer.maxAbsReward); scored 0",
    );
  });

  it('takes the bound from options (trainer.maxAbsReward, default 1e6)', async () => {
    expect(trainerSchema.parse({}).maxAbsReward).toBe(1e6);
    const scorer = new RewardScorer([reward('ten', () => ({ score: 10 }))], { maxAbsReward: 5 });
    await scorer.score(makeProblem(), [makeRollout('a')]);
    expect(scorer.drainFailures().outOfRange).toEqual({ ten: 1 });
  });

  it('counts a score that is not a number as non-finite, and drops out-of-range components', async () => {
    const scorer = new RewardScorer([
      reward('text', () => ({ score: '1' as unknown as number, components: { big: 1e300, ok: 2 } })),
    ]);
    const r = makeRollout('a');
    await scorer.score(makeProblem(), [r]);
    expect(r.metrics).toEqual({ 'text/ok': 2 });
    const failures = scorer.drainFailures();
    expect(failures.nonFinite).toEqual({ text: 1 });
    expect(failures.messages).toEqual([`reward 'text' returned a string ("1"), not a number`]);
  });
});

describe('BatchCollector: reward failures become run events', () => {
  const problem = makeProblem();
  const task: TaskSource = {
    id: 't',
    size: () => undefined,
    sample: (_s, n) => Array.from({ length: n }, () => problem),
    list: () => [problem],
  };
  let calls = 0;
  const strategy = {
    id: 's',
    collect: async (problems: readonly Problem[]) => ({
      groups: problems.map((p, i) => ({
        id: `g${i}`,
        problem: p,
        rollouts: [makeRollout('x', { id: `r${calls++}`, groupId: `g${i}` })],
      })),
    }),
  } as unknown as RolloutStrategy;

  async function collect(rewards: WeightedReward[], steps: number) {
    const events: { step: number; message: string }[] = [];
    const collector = new BatchCollector({
      policy: {} as Policy,
      strategy,
      task,
      scorer: new RewardScorer(rewards),
      feedback: {} as FeedbackClient,
      contributions: [],
      config: trainerSchema.parse({ problemsPerStep: 2 }),
      onEvent: (step, message) => {
        events.push({ step, message });
      },
    });
    const values: Record<string, number>[] = [];
    for (let step = 1; step <= steps; step++) {
      const metrics = new MetricAccumulator();
      await collector.collect(step, Rng.fromSeed(step), metrics);
      values.push(metrics.values());
    }
    return { events, values };
  }

  it("logs a throwing reward's message once, and counts every failure", async () => {
    const { events, values } = await collect(
      [
        reward('boom', () => {
          throw new Error('grader exploded');
        }),
      ],
      3,
    );
    expect(events).toEqual([{ step: 1, message: "reward 'boom' threw: grader exploded" }]);
    expect(values.map((v) => v['reward_failures/boom/errors'])).toEqual([2, 2, 2]);
  });

  it('counts out_of_range per reward', async () => {
    const { values, events } = await collect([reward('huge', () => ({ score: 1e308 }))], 1);
    expect(values[0]?.['reward_failures/huge/out_of_range']).toBe(2);
    expect(values[0]?.['reward/total']).toBe(0);
    expect(events[0]?.message).toMatch(/reward 'huge' returned 1e\+308, outside/);
  });

  it(`logs at most ${MAX_REWARD_FAILURE_EVENTS} distinct messages per run, then says the rest are only counted`, async () => {
    let n = 0;
    const { events } = await collect(
      [
        reward('noisy', () => {
          throw new Error(`failure ${n++}`);
        }),
      ],
      10,
    );
    expect(events).toHaveLength(MAX_REWARD_FAILURE_EVENTS + 1);
    expect(events.at(-1)?.message).toMatch(/further ones are only counted/);
  });
});
