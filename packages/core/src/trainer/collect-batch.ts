import type { TrainerConfig } from '../config/trainer-config';
import type { FeedbackClient } from '../feedback/feedback-result';
import type { Policy } from '../policy/policy';
import type { SamplingParams } from '../records/generation';
import type { Problem } from '../records/problem';
import { batchRollouts, type RolloutBatch, type RolloutGroup } from '../records/rollout';
import type { Rng } from '../rng/rng';
import { generatedLength } from '../rollout/generated-view';
import type { RolloutStrategy } from '../rollout/rollout-strategy';
import type { TaskSource } from '../task/task-source';
import type { MetricAccumulator } from './metric-accumulator';
import type { RewardScorer } from './reward-scorer';
import type { StepContext, TrainerContribution } from './trainer-contribution';

/** What the collection phase needs. */
export interface CollectDeps {
  readonly policy: Policy;
  readonly strategy: RolloutStrategy;
  readonly task: TaskSource;
  readonly scorer: RewardScorer;
  readonly feedback: FeedbackClient;
  readonly contributions: readonly TrainerContribution[];
  readonly config: TrainerConfig;
  /**
   * Receives a run event (`metrics.jsonl` `kind: "event"`): the first distinct reward-failure
   * messages of the run (up to `MAX_REWARD_FAILURE_EVENTS`), so a throwing reward's reason is
   * logged, not only counted.
   */
  readonly onEvent?: (step: number, message: string) => void | Promise<void>;
}

/** Distinct reward-failure messages logged as events per run; later ones are only counted. */
export const MAX_REWARD_FAILURE_EVENTS = 10;

/** Sampling parameters for rollouts from the trainer config, seeded per call. */
export function rolloutSampling(config: TrainerConfig, seed: number): SamplingParams {
  const s = config.sampling;
  return { temperature: s.temperature, topK: s.topK, topP: s.topP, maxNewTokens: s.maxNewTokens, stop: s.stop, seed };
}

/**
 * The collection phase of a step: sample problems, let the rollout strategy produce groups, score
 * whatever it left unscored, run `afterScoring` and `filterBatch` hooks (which may collect more).
 */
export class BatchCollector {
  /** Reward-failure messages already logged as events in this run. */
  private readonly logged = new Set<string>();

  constructor(private readonly deps: CollectDeps) {}

  async collect(step: number, rng: Rng, metrics: MetricAccumulator): Promise<RolloutBatch> {
    const { task, contributions, config } = this.deps;
    let calls = 0;
    const ctx: StepContext = {
      step,
      metric: (name, value) => metrics.add(name, value),
      count: (name, by) => metrics.count(name, by),
      collectMore: async (n) => {
        calls++;
        const more = task.sample('train', n, rng.split(`more-problems-${calls}`));
        const got = await this.run(step, more, rng.split(`more-${calls}`), `s${step}c${calls}:`, metrics);
        metrics.count('rollout/extra_groups', got.groups.length);
        return got.groups;
      },
    };
    let problems = task.sample('train', config.problemsPerStep, rng.split('problems'));
    for (const c of contributions) if (c.beforeCollect) problems = await c.beforeCollect(problems, ctx);
    const first = await this.run(step, problems, rng.split('rollout'), `s${step}c0:`, metrics);
    let batch: RolloutBatch = { step, groups: first.groups, pairs: first.pairs ?? [] };
    for (const c of contributions) if (c.afterScoring) await c.afterScoring(batch, ctx);
    for (const c of contributions) if (c.filterBatch) batch = await c.filterBatch(batch, ctx);
    await this.record(step, batch, metrics);
    return batch;
  }

  private async run(step: number, problems: readonly Problem[], rng: Rng, idPrefix: string, metrics: MetricAccumulator) {
    const { policy, strategy, scorer, feedback, config } = this.deps;
    const started = performance.now();
    const usage = { tokens: 0, sequences: 0 };
    const out = await strategy.collect(problems, {
      step,
      idPrefix,
      policy: countingPolicy(policy, usage),
      sampling: rolloutSampling(config, rng.split('sampling').seed()),
      groupSize: config.groupSize,
      rng: rng.split('strategy'),
      feedback,
      score: async (problem, rollouts) => {
        const t0 = performance.now();
        try {
          return await scorer.score(problem, rollouts);
        } finally {
          metrics.count('time/reward_s', (performance.now() - t0) / 1000);
        }
      },
      metric: (name, value) => metrics.add(name, value),
      count: (name, by) => metrics.count(name, by),
    });
    metrics.count('time/generate_s', (performance.now() - started) / 1000);
    for (const group of out.groups as RolloutGroup[]) {
      const unscored = group.rollouts.filter((r) => !scorer.isScored(r));
      if (unscored.length) {
        const t0 = performance.now();
        await scorer.score(group.problem, unscored);
        metrics.count('time/reward_s', (performance.now() - t0) / 1000);
      }
    }
    // Every sampled token and sequence, also those of samples the strategy did not keep
    // (multi-turn drops unsolved turns); prefilled tokens are not generated.
    metrics.count('rollout/generated_tokens', usage.tokens);
    metrics.count('rollout/sequences', usage.sequences);
    return out;
  }

  private async record(step: number, batch: RolloutBatch, metrics: MetricAccumulator): Promise<void> {
    const rollouts = batchRollouts(batch);
    metrics.count('rollout/groups', batch.groups.length);
    for (const r of rollouts) {
      metrics.add('reward/total', r.reward);
      for (const [name, v] of Object.entries(r.rewardComponents)) metrics.add(`reward/${name}`, v);
      for (const [name, v] of Object.entries(r.metrics ?? {})) metrics.add(`reward/${name}`, v);
      metrics.add('rollout/length', generatedLength(r));
      metrics.add('rollout/truncated', r.finishReason === 'length' ? 1 : 0);
      metrics.add('rollout/prompt_truncated', r.promptTruncated ? 1 : 0);
    }
    const failures = this.deps.scorer.drainFailures();
    for (const [kind, bucket] of [
      ['errors', failures.errors],
      ['timeouts', failures.timeouts],
      ['non_finite', failures.nonFinite],
      ['out_of_range', failures.outOfRange],
    ] as const) {
      for (const [name, n] of Object.entries(bucket)) metrics.count(`reward_failures/${name}/${kind}`, n);
    }
    await this.logFailures(step, failures.messages);
  }

  /** Log the run's first distinct reward-failure messages as events; then say that the rest are only counted. */
  private async logFailures(step: number, messages: readonly string[]): Promise<void> {
    const { onEvent } = this.deps;
    if (!onEvent) return;
    for (const message of messages) {
      if (this.logged.has(message) || this.logged.size > MAX_REWARD_FAILURE_EVENTS) continue;
      this.logged.add(message);
      if (this.logged.size > MAX_REWARD_FAILURE_EVENTS) {
        await onEvent(
          step,
          `more than ${MAX_REWARD_FAILURE_EVENTS} distinct reward failures; further ones are only counted (reward_failures/*)`,
        );
      } else {
        await onEvent(step, message);
      }
    }
  }
}

/**
 * `policy` with its `generate` counting the sampled (not prefilled) tokens and the sequences of
 * every call into `usage`; every other member is the policy's own.
 */
function countingPolicy(policy: Policy, usage: { tokens: number; sequences: number }): Policy {
  const generate: Policy['generate'] = async (requests, sampling) => {
    const results = await policy.generate(requests, sampling);
    for (const r of results) usage.tokens += r.completionIds.length - r.prefillLength;
    usage.sequences += results.length;
    return results;
  };
  return new Proxy(policy, {
    get(target, key) {
      if (key === 'generate') return generate;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
