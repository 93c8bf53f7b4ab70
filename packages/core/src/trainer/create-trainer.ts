import type { Container } from 'inversify';
import { ConfigError, listOf } from '../errors/trellis-error';
import type { MetricsSink } from '../metrics/metrics-sink';
import { getContributions } from '../plugin/contributions';
import type { Policy } from '../policy/policy';
import type { Rng } from '../rng/rng';
import type { TaskSource } from '../task/task-source';
import { Tokens } from '../tokens';
import { BatchCollector } from './collect-batch';
import { LeanAdamOptimizer } from './lean-adam';
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

/** Refuse a task with no training problems before the initial evaluation, not at step 1. */
function checkSplits(id: string | undefined, task: TaskSource): void {
  if (task.size('train') === 0) {
    throw new ConfigError(
      `task: '${id}' has no 'train' problems to train on; give the task a train split (a jsonl task: options.split: train or hash)`,
    );
  }
}

/**
 * Refuse, before any step, a run whose held-out evaluations would measure nothing: the reward
 * `trainer.accuracyReward` names must be configured (it grades every accuracy number), and the task
 * must have test problems (a run always evaluates `trainer.evalProblems` of them, at the start and
 * at the end). Without this the run trains and ends with `n/a -> n/a` or `0.0% -> 0.0%`.
 */
function checkEvaluation(
  task: string | undefined,
  testProblems: number | undefined,
  rewards: readonly { readonly name: string }[],
  t: { readonly accuracyReward: string; readonly evalProblems: number },
): void {
  if (!rewards.some((r) => r.name === t.accuracyReward)) {
    throw new ConfigError(
      `trainer.accuracyReward: '${t.accuracyReward}' names no configured reward; it grades held-out accuracy, so it must be one of: ${listOf(rewards.map((r) => r.name))}`,
    );
  }
  if (testProblems === 0) {
    throw new ConfigError(
      `task: '${task}' has no 'test' problems, but every run evaluates trainer.evalProblems (${t.evalProblems}) held-out test problems; give the task a test split (a jsonl task: options.split: test for a held-out file, or split: hash with testFraction)`,
    );
  }
}

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
  checkSplits(config.task?.use, task);
  checkEvaluation(config.task?.use, task.size('test') ?? task.list('test', 1).length, rewards, t);
  if (estimator.groupRelative && t.groupSize < 2) {
    throw new ConfigError(
      `trainer.groupSize: ${t.groupSize} with advantage '${config.advantage?.use}' trains nothing: it compares the samples of a group, and a group of one always gets advantage 0; use groupSize >= 2, or an estimator that needs no groups (e.g. reinforce-pp)`,
    );
  }
  const reference = needsReference({ estimator, objective, lossTerms }) ? policy.snapshot() : undefined;
  const optimizer = new LeanAdamOptimizer(t.learningRate, t.adamBeta1, t.adamBeta2, t.adamEpsilon);
  const scorer = new RewardScorer(rewards, { maxAbsReward: t.maxAbsReward });
  // Run events raised while collecting (reward failures) go where the trainer's own records go.
  const onEvent = async (step: number, message: string) => {
    const record = { kind: 'event' as const, step, time: Date.now(), values: {}, message };
    options.run?.appendMetrics(record);
    for (const s of sinks) await s.write(record);
  };
  return new Trainer({
    config,
    policy,
    task,
    strategy,
    rewards,
    contributions,
    sinks,
    feedback,
    collector: new BatchCollector({ policy, strategy, task, scorer, feedback, contributions, config: t, onEvent }),
    update: new PolicyUpdate({ policy, reference, estimator, objective, lossTerms, optimizer, config: t }),
    optimizer,
    rng,
    run: options.run,
  });
}
