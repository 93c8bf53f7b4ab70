import * as tf from '@tensorflow/tfjs-core';
import { inject, injectable } from 'inversify';
import { z } from 'zod';
import type {
  AdvantageEstimator,
  AdvantageInput,
  AdvantageOutput,
  EstimatorRequirement,
} from '../../advantage/advantage-estimator';
import type { FeedbackProvider, ProvideOptions } from '../../feedback/feedback-provider';
import type { ObjectiveInput, PolicyObjective } from '../../objective/policy-objective';
import { catalogModule } from '../../plugin/catalog';
import { CORE_API_VERSION, definePlugin } from '../../plugin/define-plugin';
import type { LossWithMetrics, Policy } from '../../policy/policy';
import type { Feedback, FeedbackKind, FeedbackRequest } from '../../records/feedback';
import type { Problem, Split } from '../../records/problem';
import type { RolloutGroup } from '../../records/rollout';
import type { Reward, RewardInput, RewardOutput } from '../../reward/reward';
import type { Rng } from '../../rng/rng';
import { rolloutFromResult } from '../../rollout/rollout-from-result';
import type { CollectedRollouts, RolloutContext, RolloutStrategy } from '../../rollout/rollout-strategy';
import type { TaskSource } from '../../task/task-source';
import { Tokens } from '../../tokens';
import { BigramPolicy, TinyTokenizer } from './bigram-policy';

@injectable()
class BigramPolicyEntry extends BigramPolicy {
  constructor(@inject(Tokens.ChoiceOptions) options: { seed: number }) {
    super(new TinyTokenizer('abcxyz?'), options.seed);
  }
}

/** "?" prompts; the answer is "a". */
@injectable()
class SayATask implements TaskSource {
  readonly id = 'say-a';
  private make(split: Split, i: number): Problem {
    return { id: `${split}-${i}`, prompt: '?', question: '?', answer: 'a', solution: 'a', split };
  }
  size(): number | undefined {
    return undefined;
  }
  sample(split: Split, n: number, rng: Rng): Problem[] {
    return Array.from({ length: n }, () => this.make(split, rng.int(1000)));
  }
  list(split: Split, limit = 10): Problem[] {
    return Array.from({ length: limit }, (_, i) => this.make(split, i));
  }
}

@injectable()
class StartsWithA implements Reward {
  readonly id = 'starts-with-a';
  score({ rollout }: RewardInput): RewardOutput {
    const ok = rollout.completionText.startsWith('a');
    return { score: ok ? 1 : 0, components: { first_is_a: ok ? 1 : 0 }, answer: rollout.completionText.slice(0, 1) };
  }
}

@injectable()
class ThrowingReward implements Reward {
  readonly id = 'throws';
  score(): RewardOutput {
    throw new Error('boom');
  }
}

@injectable()
class HangingReward implements Reward {
  readonly id = 'hangs';
  score(): Promise<RewardOutput> {
    return new Promise(() => {});
  }
}

@injectable()
class MeanBaseline implements AdvantageEstimator {
  readonly id: string = 'mean-baseline';
  readonly requires: readonly EstimatorRequirement[] = [];
  estimate(input: AdvantageInput): AdvantageOutput {
    const sums = new Array(input.numGroups).fill(0);
    const counts = new Array(input.numGroups).fill(0);
    input.rewards.forEach((r, i) => {
      sums[input.groupIndex[i] as number] += r;
      counts[input.groupIndex[i] as number]++;
    });
    return {
      perSequence: input.rewards.map((r, i) => r - sums[input.groupIndex[i] as number] / counts[input.groupIndex[i] as number]),
    };
  }
}

/** Records every input it gets (static, for tests), then behaves as `mean-baseline`. */
@injectable()
export class SpyEstimator extends MeanBaseline {
  static readonly seen: AdvantageInput[] = [];
  override readonly id: string = 'spy';
  override readonly requires: readonly EstimatorRequirement[] = ['oldLogProbs', 'refLogProbs'];
  readonly groupRelative: boolean;
  constructor(@inject(Tokens.ChoiceOptions) options: { groupRelative?: boolean }) {
    super();
    this.groupRelative = options.groupRelative === true;
  }
  override estimate(input: AdvantageInput): AdvantageOutput {
    SpyEstimator.seen.push(input);
    return super.estimate(input);
  }
}

@injectable()
class NanObjective implements PolicyObjective {
  readonly id = 'nan';
  readonly requires = [] as const;
  compute(input: ObjectiveInput): LossWithMetrics {
    return { loss: tf.mul(tf.sum(input.logProbs), Number.NaN) as tf.Scalar, metrics: {} };
  }
}

/** Groups like `groups`, but every other problem is sampled at temperature 0.7 (a regeneration-style turn). */
@injectable()
class MixedTemperatureStrategy implements RolloutStrategy {
  readonly id = 'mixed-temperature';
  async collect(problems: readonly Problem[], ctx: RolloutContext): Promise<CollectedRollouts> {
    const groups: RolloutGroup[] = [];
    for (const [g, problem] of problems.entries()) {
      const sampling = g % 2 === 0 ? { ...ctx.sampling, temperature: 0.7 } : ctx.sampling;
      const results = await ctx.policy.generate(
        Array.from({ length: ctx.groupSize }, () => ({ prompt: problem.prompt })),
        { ...sampling, seed: (sampling.seed ?? 0) + g },
      );
      const groupId = `${ctx.idPrefix}g${g}`;
      groups.push({
        id: groupId,
        problem,
        rollouts: results.map((r, k) => rolloutFromResult(problem, r, { id: `${groupId}-${k}`, groupId })),
      });
    }
    return { groups };
  }
}

/** Critiques by quoting the attempt, and gives the answer away ("a"), so the guard has work. */
@injectable()
class EchoCritic implements FeedbackProvider {
  readonly id = 'echo-critic';
  readonly kinds: readonly FeedbackKind[] = ['critique', 'reflection'];
  async provide(request: FeedbackRequest): Promise<Feedback> {
    return { kind: request.kind, text: `Issue: wrote "${request.attempts?.[0]?.text ?? ''}"; the answer is a` };
  }
}

/** Never answers; settles only when its signal is aborted. */
@injectable()
class StallingCritic implements FeedbackProvider {
  readonly id = 'stalls';
  readonly kinds: readonly FeedbackKind[] = ['critique'];
  provide(_request: FeedbackRequest, options: ProvideOptions = {}): Promise<Feedback> {
    return new Promise((_, reject) => options.signal?.addEventListener('abort', () => reject(options.signal?.reason)));
  }
}

/** Test plugin: a bigram policy, a one-answer task, rewards (one throws, one hangs), a mean baseline. */
export const trainerTestPlugin = definePlugin({
  id: 'trainer-test',
  packageName: '@test/trainer',
  version: '0.0.0',
  coreApi: CORE_API_VERSION,
  provides: {
    policy: ['bigram'],
    task: ['say-a'],
    reward: ['starts-with-a', 'throws', 'hangs'],
    advantage: ['mean-baseline', 'spy'],
    objective: ['nan'],
    feedback: ['echo-critic', 'stalls'],
    rollout: ['mixed-temperature'],
  },
  createModule: () =>
    catalogModule([
      {
        slot: 'policy',
        id: 'bigram',
        description: '',
        service: BigramPolicyEntry,
        optionsSchema: z.object({ seed: z.number().default(1) }),
      },
      { slot: 'task', id: 'say-a', description: '', service: SayATask },
      { slot: 'reward', id: 'starts-with-a', description: '', service: StartsWithA },
      { slot: 'reward', id: 'throws', description: '', service: ThrowingReward },
      { slot: 'reward', id: 'hangs', description: '', service: HangingReward },
      { slot: 'advantage', id: 'mean-baseline', description: '', service: MeanBaseline },
      {
        slot: 'advantage',
        id: 'spy',
        description: '',
        service: SpyEstimator,
        optionsSchema: z.object({ groupRelative: z.boolean().default(false) }),
      },
      { slot: 'objective', id: 'nan', description: '', service: NanObjective },
      { slot: 'feedback', id: 'echo-critic', description: '', service: EchoCritic },
      { slot: 'rollout', id: 'mixed-temperature', description: '', service: MixedTemperatureStrategy },
      { slot: 'feedback', id: 'stalls', description: '', service: StallingCritic },
    ]),
});

export type { Policy };
