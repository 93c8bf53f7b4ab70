import type { WeightedReward } from '../plugin/weighted-reward';
import type { Problem } from '../records/problem';
import type { Rollout } from '../records/rollout';
import { TimeoutError, withTimeout } from './with-timeout';

/** Failure counts since the last `drainFailures()`, per reward name. */
export interface RewardFailures {
  readonly errors: Record<string, number>;
  readonly timeouts: Record<string, number>;
  readonly nonFinite: Record<string, number>;
  /** First few error messages, for the event log. */
  readonly messages: string[];
}

const emptyFailures = (): RewardFailures => ({ errors: {}, timeouts: {}, nonFinite: {}, messages: [] });

/**
 * Scores rollouts with the configured weighted rewards. Each call runs under its reward's timeout;
 * a throw, a timeout or a non-finite score counts as a failure of that reward, scores 0 for that
 * rollout, and never propagates. Fills `reward`, `rewardComponents`, `metrics` in place.
 */
export class RewardScorer {
  private failures = emptyFailures();
  private readonly scored = new WeakSet<Rollout>();

  constructor(private readonly rewards: readonly WeightedReward[]) {}

  /** True once `score` has filled this rollout. */
  isScored(rollout: Rollout): boolean {
    return this.scored.has(rollout);
  }

  async score(problem: Problem, rollouts: readonly Rollout[]): Promise<void> {
    await Promise.all(rollouts.map((r) => this.scoreOne(problem, r)));
  }

  private async scoreOne(problem: Problem, rollout: Rollout): Promise<void> {
    let total = 0;
    const components: Record<string, number> = {};
    const metrics: Record<string, number> = { ...(rollout.metrics ?? {}) };
    for (const w of this.rewards) {
      let score = 0;
      try {
        const out = await withTimeout(() => w.reward.score({ problem, rollout }), w.timeoutMs, `reward '${w.name}'`);
        if (Number.isFinite(out.score)) score = out.score;
        else this.count(this.failures.nonFinite, w.name, `reward '${w.name}' returned ${out.score}`);
        for (const [k, v] of Object.entries(out.components ?? {})) if (Number.isFinite(v)) metrics[`${w.name}/${k}`] = v;
      } catch (e) {
        const bucket = e instanceof TimeoutError ? this.failures.timeouts : this.failures.errors;
        this.count(bucket, w.name, (e as Error)?.message ?? String(e));
      }
      components[w.name] = score;
      total += w.weight * score;
    }
    rollout.rewardComponents = components;
    rollout.reward = total;
    rollout.metrics = metrics;
    this.scored.add(rollout);
  }

  private count(bucket: Record<string, number>, name: string, message: string): void {
    bucket[name] = (bucket[name] ?? 0) + 1;
    if (this.failures.messages.length < 5) this.failures.messages.push(message);
  }

  /** Failures since the last call, then reset. */
  drainFailures(): RewardFailures {
    const out = this.failures;
    this.failures = emptyFailures();
    return out;
  }
}
