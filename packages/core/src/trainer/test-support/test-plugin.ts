import * as tf from '@tensorflow/tfjs-core';
import { inject, injectable } from 'inversify';
import { z } from 'zod';
import type { AdvantageEstimator, AdvantageInput, AdvantageOutput } from '../../advantage/advantage-estimator';
import type { FeedbackProvider, ProvideOptions } from '../../feedback/feedback-provider';
import type { ObjectiveInput, PolicyObjective } from '../../objective/policy-objective';
import { catalogModule } from '../../plugin/catalog';
import { CORE_API_VERSION, definePlugin } from '../../plugin/define-plugin';
import type { LossWithMetrics, Policy } from '../../policy/policy';
import type { Feedback, FeedbackKind, FeedbackRequest } from '../../records/feedback';
import type { Problem, Split } from '../../records/problem';
import type { Reward, RewardInput, RewardOutput } from '../../reward/reward';
import type { Rng } from '../../rng/rng';
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
  readonly id = 'mean-baseline';
  readonly requires = [] as const;
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

@injectable()
class NanObjective implements PolicyObjective {
  readonly id = 'nan';
  readonly requires = [] as const;
  compute(input: ObjectiveInput): LossWithMetrics {
    return { loss: tf.mul(tf.sum(input.logProbs), Number.NaN) as tf.Scalar, metrics: {} };
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
    advantage: ['mean-baseline'],
    objective: ['nan'],
    feedback: ['echo-critic', 'stalls'],
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
      { slot: 'objective', id: 'nan', description: '', service: NanObjective },
      { slot: 'feedback', id: 'echo-critic', description: '', service: EchoCritic },
      { slot: 'feedback', id: 'stalls', description: '', service: StallingCritic },
    ]),
});

export type { Policy };
