import * as tf from '@tensorflow/tfjs-core';
import type { Container } from 'inversify';
import { ConfigError } from '../errors/trellis-error';
import type { MetricsSink } from '../metrics/metrics-sink';
import { getContributions } from '../plugin/contributions';
import type { Policy } from '../policy/policy';
import type { Rng } from '../rng/rng';
import { Tokens } from '../tokens';
import { BatchCollector } from './collect-batch';
import { needsReference, PolicyUpdate } from './policy-update';
import { RewardScorer } from './reward-scorer';
import type { RunDirectory } from './run-directory';
import { Trainer } from './trainer';

/** Extra, non-config inputs to a training run. */
export interface CreateTrainerOptions {
  /** Where logs and checkpoints go (omit for an in-memory run). */
  readonly run?: RunDirectory;
  /** Sinks added programmatically (e.g. the CLI's progress bar). */
  readonly sinks?: readonly MetricsSink[];
}

const REQUIRED_SLOTS = ['policy', 'task', 'rollout', 'advantage', 'objective'] as const;

/**
 * Resolve every slot from a composed container and assemble the trainer: policy, task, rollout
 * strategy, estimator, objective, loss terms, rewards, feedback, contributions and sinks. The
 * reference policy is a frozen snapshot of the initial policy, taken only when something requires
 * reference log-probs.
 */
export async function createTrainer(container: Container, options: CreateTrainerOptions = {}): Promise<Trainer> {
  const config = await container.getAsync(Tokens.Config);
  const missing = REQUIRED_SLOTS.filter((slot) => config[slot] === undefined);
  if (missing.length) {
    throw new ConfigError(
      `a training run needs ${missing.map((s) => `${s}: { use: <id> }`).join(', ')}; see 'trellis plugins' for ids`,
    );
  }
  const policy: Policy = await container.getAsync(Tokens.Policy);
  const task = await container.getAsync(Tokens.TaskSource);
  const strategy = await container.getAsync(Tokens.RolloutStrategy);
  const estimator = await container.getAsync(Tokens.AdvantageEstimator);
  const objective = await container.getAsync(Tokens.PolicyObjective);
  const lossTerms = await getContributions(container, Tokens.LossTerm);
  const rewards = await getContributions(container, Tokens.WeightedReward);
  const feedback = await container.getAsync(Tokens.FeedbackService);
  const contributions = await getContributions(container, Tokens.TrainerContribution);
  const sinks = [...(await getContributions(container, Tokens.MetricsSink)), ...(options.sinks ?? [])];
  const rng: Rng = container.get(Tokens.Rng);
  if (rewards.length === 0) throw new ConfigError("'rewards' is empty; a training run needs at least one reward");
  const t = config.trainer;
  if (estimator.groupRelative && t.groupSize < 2) {
    throw new ConfigError(
      `trainer.groupSize: ${t.groupSize} with advantage '${config.advantage?.use}' trains nothing: it compares the samples of a group, and a group of one always gets advantage 0; use groupSize >= 2, or an estimator that needs no groups (e.g. reinforce-pp)`,
    );
  }
  const reference = needsReference({ estimator, objective, lossTerms }) ? policy.snapshot() : undefined;
  const optimizer = tf.train.adam(t.learningRate, t.adamBeta1, t.adamBeta2, t.adamEpsilon);
  const scorer = new RewardScorer(rewards);
  return new Trainer({
    config,
    policy,
    task,
    strategy,
    rewards,
    contributions,
    sinks,
    feedback,
    collector: new BatchCollector({ policy, strategy, task, scorer, feedback, contributions, config: t }),
    update: new PolicyUpdate({ policy, reference, estimator, objective, lossTerms, optimizer, config: t }),
    optimizer,
    rng,
    run: options.run,
  });
}
