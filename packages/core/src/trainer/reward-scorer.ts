import type { WeightedReward } from '../plugin/weighted-reward';
import type { Problem } from '../records/problem';
import type { Rollout } from '../records/rollout';
import { generatedView } from '../rollout/generated-view';
import { TimeoutError, withTimeout } from './with-timeout';

/** Failure counts since the last `drainFailures()`, per reward name. */
export interface RewardFailures {
  readonly errors: Record<string, number>;
  readonly timeouts: Record<string, number>;
  readonly nonFinite: Record<string, number>;
  /** Finite scores beyond `maxAbsReward` (they would overflow the batch statistics). */
  readonly outOfRange: Record<string, number>;
  /** First few failure messages, each starting with `reward '<name>'`, for the event log. */
  readonly messages: string[];
}

/** Default bound on |score| of one reward call (`trainer.maxAbsReward`). */
export const DEFAULT_MAX_ABS_REWARD = 1e6;

/** Failure messages kept per drain, and the longest kept (longer ones are cut). */
const MAX_MESSAGES = 5;
const MAX_MESSAGE_CHARS = 500;

const emptyFailures = (): RewardFailures => ({ errors: {}, timeouts: {}, nonFinite: {}, outOfRange: {}, messages: [] });

export interface RewardScorerOptions {
  /** Largest |score| accepted from one reward call; beyond it the call is a failure (default 1e6). */
  readonly maxAbsReward?: number;
}

/**
 * Scores rollouts with the configured weighted rewards. Each call runs under its reward's timeout;
 * a throw, a timeout, a non-finite score or one with |score| > `maxAbsReward` counts as a failure
 * of that reward, scores 0 for that rollout, and never propagates. Rewards see only what the policy
 * generated (`generatedView`: no prefilled text or tokens). Fills `reward`, `rewardComponents`,
 * `metrics` in place.
 */
export class RewardScorer {
  private failures = emptyFailures();
  private readonly scored = new WeakSet<Rollout>();
  private readonly maxAbsReward: number;

  constructor(
    private readonly rewards: readonly WeightedReward[],
    options: RewardScorerOptions = {},
  ) {
    this.maxAbsReward = options.maxAbsReward ?? DEFAULT_MAX_ABS_REWARD;
  }

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
    const view = generatedView(rollout);
    for (const w of this.rewards) {
      let score = 0;
      try {
        const out = await withTimeout(() => w.reward.score({ problem, rollout: view }), w.timeoutMs, `reward '${w.name}'`);
        const value: unknown = out?.score;
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          this.count(this.failures.nonFinite, w.name, `reward '${w.name}' returned ${describe(value)}`);
        } else if (Math.abs(value) > this.maxAbsReward) {
          this.count(
            this.failures.outOfRange,
            w.name,
            `reward '${w.name}' returned ${value}, outside [-${this.maxAbsReward}, ${this.maxAbsReward}] (trainer.maxAbsReward); scored 0`,
          );
        } else {
          score = value;
        }
        for (const [k, v] of Object.entries(out?.components ?? {})) {
          if (Number.isFinite(v) && Math.abs(v) <= this.maxAbsReward) metrics[`${w.name}/${k}`] = v;
        }
      } catch (e) {
        if (e instanceof TimeoutError) this.count(this.failures.timeouts, w.name, e.message);
        else this.count(this.failures.errors, w.name, `reward '${w.name}' threw: ${(e as Error)?.message ?? String(e)}`);
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
    if (this.failures.messages.length < MAX_MESSAGES) {
      this.failures.messages.push(message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}...` : message);
    }
  }

  /** Failures since the last call, then reset. */
  drainFailures(): RewardFailures {
    const out = this.failures;
    this.failures = emptyFailures();
    return out;
  }
}

/** A returned score as text for a failure message. */
function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === undefined) return 'no score';
  return `a ${typeof value} (${String(JSON.stringify(value)).slice(0, 40)}), not a number`;
}
