import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedConfig } from '../config/experiment-config';
import { ConfigError } from '../errors/trellis-error';
import { evaluatorOf } from '../eval/plain-evaluator';
import type { FeedbackService } from '../feedback/feedback-service';
import type { MetricsRecord, MetricsSink } from '../metrics/metrics-sink';
import type { WeightedReward } from '../plugin/weighted-reward';
import type { Policy } from '../policy/policy';
import { batchRollouts } from '../records/rollout';
import type { Rng } from '../rng/rng';
import type { RolloutStrategy } from '../rollout/rollout-strategy';
import type { TaskSource } from '../task/task-source';
import { CheckpointScan, type ResumeCandidate } from './checkpoint-scan';
import type { BatchCollector } from './collect-batch';
import { learningRateAt } from './lr-schedule';
import { MetricAccumulator } from './metric-accumulator';
import { nonFiniteState } from './non-finite-state';
import type { PolicyUpdate } from './policy-update';
import type { RunDirectory } from './run-directory';
import { restoreCheckpoint, type TrainerState, writeCheckpoint } from './trainer-checkpoint';
import type { TrainerContribution } from './trainer-contribution';

/** Everything the skeleton drives; built by `createTrainer`. */
export interface TrainerParts {
  readonly config: ResolvedConfig;
  readonly policy: Policy;
  readonly task: TaskSource;
  readonly strategy: RolloutStrategy;
  readonly rewards: readonly WeightedReward[];
  readonly contributions: readonly TrainerContribution[];
  readonly sinks: readonly MetricsSink[];
  /** Drained into each step's metrics (feedback counters). */
  readonly feedback: FeedbackService;
  readonly collector: BatchCollector;
  readonly update: PolicyUpdate;
  readonly optimizer: tf.Optimizer;
  readonly rng: Rng;
  readonly run: RunDirectory | undefined;
}

/** What `train()` returns and writes to summary.json. */
export interface TrainSummary {
  readonly steps: number;
  readonly initialAccuracy: number | undefined;
  readonly finalAccuracy: number | undefined;
  readonly wallTimeMs: number;
  readonly generatedTokensPerSec: number;
  readonly trainedTokensPerSec: number;
  readonly runDir: string | undefined;
}

/** Options of {@link Trainer.train}. */
export interface TrainOptions {
  /** Continue from the newest intact checkpoint of the run directory. */
  readonly resume?: boolean;
  /** Receives notices about the resume (checkpoints skipped, stale lock, temporary files); default: stderr. */
  readonly onNotice?: (message: string) => void;
}

/** Thrown after `trainer.maxNonFiniteSteps` consecutive steps whose every update was NaN/Inf. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';
}

/**
 * The fixed training skeleton: per step, collect (strategy + rewards + filter hooks), update
 * (advantages + PPO epochs), record metrics, evaluate and checkpoint on schedule. Algorithms plug
 * into the phases; none overrides this loop.
 */
export class Trainer {
  private readonly t: ResolvedConfig['trainer'];

  constructor(private readonly parts: TrainerParts) {
    this.t = parts.config.trainer;
  }

  /**
   * Run (or, with `resume`, continue) training to `trainer.steps` and write `summary.json`. A
   * resume starts from the newest intact checkpoint (see `CheckpointScan`), reporting what it
   * skipped through `onNotice` (default: a line on stderr) and an `event` record. The run
   * directory's lock is held throughout and released at the end, also on error.
   */
  async train(options: TrainOptions = {}): Promise<TrainSummary> {
    const { run } = this.parts;
    run?.acquireLock();
    try {
      return await this.trainLocked(options);
    } finally {
      run?.releaseLock();
    }
  }

  /**
   * Free what the trainer created: the reference snapshot and the optimizer's moment slots (the
   * policy belongs to the container that made it). The trainer is unusable afterwards.
   */
  dispose(): void {
    this.parts.update.dispose();
    this.parts.optimizer.dispose();
  }

  private async trainLocked(options: TrainOptions): Promise<TrainSummary> {
    const { parts, t } = this;
    const notify = options.onNotice ?? ((m: string) => process.stderr.write(`notice: ${m}\n`));
    let state = await this.start(options.resume ?? false, notify);
    const info = { runDir: parts.run?.dir, totalSteps: t.steps, startStep: state.step };
    for (const c of parts.contributions) await c.onRunStart?.(info);
    if (state.step === 0 && state.initialAccuracy === undefined) {
      const started = performance.now();
      const initialAccuracy = await this.evaluate(0);
      state = {
        ...state,
        initialAccuracy,
        lastAccuracy: initialAccuracy,
        elapsedMs: state.elapsedMs + (performance.now() - started),
      };
    }
    let lastAccuracy = state.lastAccuracy;
    for (let step = state.step + 1; step <= t.steps; step++) {
      const started = performance.now();
      const metrics = new MetricAccumulator();
      const rng = parts.rng.split('step').split(String(step));
      const lr = learningRateAt(step - 1, {
        peak: t.learningRate,
        warmupSteps: t.warmupSteps,
        totalSteps: t.steps,
        schedule: t.schedule,
      });
      (parts.optimizer as unknown as { learningRate: number }).learningRate = lr;
      const batch = await parts.collector.collect(step, rng.split('collect'), metrics);
      const generated = performance.now();
      const result = parts.update.run(batch, rng.split('update'), metrics);
      const done = performance.now();
      const nonFiniteInARow = result.applied === 0 && result.nonFinite > 0 ? state.nonFiniteInARow + 1 : 0;
      parts.feedback.drainInto(metrics);
      const values = metrics.values();
      const totals = {
        generatedTokens: state.totals.generatedTokens + (values['rollout/generated_tokens'] ?? 0),
        trainedTokens: state.totals.trainedTokens + result.trainedTokens,
        generateMs: state.totals.generateMs + (generated - started),
        trainMs: state.totals.trainMs + (done - generated),
      };
      Object.assign(values, {
        lr,
        'update/non_finite': result.nonFinite,
        'update/applied': result.applied,
        'throughput/generated_tokens_per_s': (values['rollout/generated_tokens'] ?? 0) / ((generated - started) / 1000),
        'throughput/trained_tokens_per_s': result.trainedTokens / Math.max(1e-9, (done - generated) / 1000),
        'time/step_s': (done - started) / 1000,
        'memory/num_tensors': tf.memory().numTensors,
      });
      await this.emit({ kind: 'step', step, time: Date.now(), values });
      parts.run?.appendSamples(
        batchRollouts(batch)
          .slice(0, t.samplesPerStep)
          .map((r) => ({
            step,
            problemId: r.problemId,
            prompt: batch.groups.find((g) => g.id === r.groupId)?.problem.prompt,
            ...(r.turn > 0 ? { turn: r.turn } : {}),
            ...(r.prefill ? { prefill: r.prefill } : {}),
            completion: r.completionText,
            reward: r.reward,
            components: r.rewardComponents,
          })),
      );
      for (const c of parts.contributions)
        await c.onStepEnd?.(values, { step, metric: () => {}, count: () => {}, collectMore: async () => [] });
      if (nonFiniteInARow >= t.maxNonFiniteSteps) {
        await this.emit({ kind: 'event', step, time: Date.now(), values: {}, message: 'stopping: non-finite loss' });
        throw new NonFiniteLossError(`${nonFiniteInARow} consecutive steps had non-finite losses or gradients; stopping`);
      }
      if ((t.evalEvery > 0 && step % t.evalEvery === 0) || step === t.steps) lastAccuracy = await this.evaluate(step);
      state = {
        ...state,
        step,
        nonFiniteInARow,
        totals,
        lastAccuracy,
        elapsedMs: state.elapsedMs + (performance.now() - started),
      };
      if ((t.checkpointEvery > 0 && step % t.checkpointEvery === 0) || step === t.steps) await this.checkpoint(state);
    }
    for (const c of parts.contributions) await c.onRunEnd?.(info);
    for (const s of parts.sinks) await s.flush?.();
    const summary: TrainSummary = {
      steps: state.step,
      initialAccuracy: state.initialAccuracy,
      finalAccuracy: lastAccuracy,
      wallTimeMs: state.elapsedMs,
      generatedTokensPerSec: state.totals.generatedTokens / Math.max(1e-9, state.totals.generateMs / 1000),
      trainedTokensPerSec: state.totals.trainedTokens / Math.max(1e-9, state.totals.trainMs / 1000),
      runDir: parts.run?.dir,
    };
    await parts.run?.writeSummary(summary);
    return summary;
  }

  private async start(resume: boolean, notify: (message: string) => void): Promise<TrainerState> {
    const { parts } = this;
    const fresh: TrainerState = {
      step: 0,
      offsets: { metrics: 0, samples: 0 },
      nonFiniteInARow: 0,
      elapsedMs: 0,
      initialAccuracy: undefined,
      lastAccuracy: undefined,
      strategy: undefined,
      contributions: [],
      totals: { generatedTokens: 0, trainedTokens: 0, generateMs: 0, trainMs: 0 },
    };
    const run = parts.run;
    if (!run) return fresh;
    run.removeStaleTemporaries();
    const notices = run.takeNotices();
    const found = resume ? await this.restoreNewestIntact(run, notices) : undefined;
    run.truncate(found ? found.state.offsets : fresh.offsets);
    const step = found?.state.step ?? 0;
    if (found) {
      const { state } = found;
      if (state.strategy !== undefined) parts.strategy.restore?.(state.strategy);
      parts.contributions.forEach((c, i) => {
        if (state.contributions[i] !== undefined) c.restore?.(state.contributions[i]);
      });
      const complete = state.step === this.t.steps ? ' (the run is already complete)' : '';
      await this.emit({ kind: 'event', step, time: Date.now(), values: {}, message: `resumed from ${found.dir}${complete}` });
    }
    for (const message of notices) {
      notify(message);
      await this.emit({ kind: 'event', step, time: Date.now(), values: {}, message });
    }
    if (!found) return fresh;
    return { ...found.state, lastAccuracy: found.state.lastAccuracy ?? found.lastEvalAccuracy ?? found.state.initialAccuracy };
  }

  /**
   * Restore the newest intact checkpoint that also loads and holds only finite values; push a
   * notice naming what was skipped. Undefined when the run has no checkpoint (a fresh start).
   */
  private async restoreNewestIntact(run: RunDirectory, notices: string[]): Promise<ResumeCandidate | undefined> {
    const { parts, t } = this;
    const scan = new CheckpointScan(run);
    for (let c = scan.next(); c; c = scan.next()) {
      if (c.state.step > t.steps) {
        throw new ConfigError(
          `${c.dir} is at step ${c.state.step}, past trainer.steps ${t.steps}; resume with --set trainer.steps=${c.state.step} or more`,
        );
      }
      try {
        await restoreCheckpoint(c.dir, parts.policy, parts.optimizer);
        const bad = await nonFiniteState(parts.policy, parts.optimizer);
        if (bad) throw new Error(`its ${bad} hold NaN or Inf values`);
      } catch (e) {
        scan.skip(c.name, `it cannot be loaded: ${(e as Error).message}`);
        continue;
      }
      const passed = [
        ...(scan.pointerProblem ? [scan.pointerProblem] : []),
        ...scan.skipped.map((s) => `skipped ${s.name}: ${s.reason}`),
      ];
      if (passed.length) notices.push(`resuming from ${c.name}, the newest intact checkpoint; ${passed.join('; ')}`);
      if (c.verified === 'legacy') {
        notices.push(`${c.name} has no manifest (written by an older version); its files were checked by parsing them`);
      }
      return c;
    }
    if (scan.hasCheckpoints) throw scan.failure();
    if (scan.pointerProblem && existsSync(join(run.checkpointsDir, 'latest')))
      notices.push(`${scan.pointerProblem}; starting from step 0`);
    return undefined;
  }

  private async checkpoint(state: TrainerState): Promise<void> {
    const { parts } = this;
    if (!parts.run) return;
    const bad = await nonFiniteState(parts.policy, parts.optimizer);
    if (bad) {
      await this.emit({ kind: 'event', step: state.step, time: Date.now(), values: {}, message: `stopping: ${bad} not finite` });
      throw new NonFiniteLossError(`step ${state.step}: the ${bad} hold NaN or Inf values; not writing a checkpoint of them`);
    }
    for (const s of parts.sinks) await s.flush?.();
    const full: TrainerState = {
      ...state,
      offsets: parts.run.offsets(),
      strategy: parts.strategy.state?.(),
      contributions: parts.contributions.map((c) => c.state?.()),
    };
    await writeCheckpoint(parts.run, full, parts.policy, parts.optimizer, this.t.keepCheckpoints);
  }

  /**
   * Greedy pass@1 on the first `evalProblems` test problems through the run's evaluator (the one
   * its rollout strategy supplies, else the plain one); undefined without an accuracy reward. The
   * evaluator's own numbers (e.g. LANPO's `eval/accuracy_augmented`) go into the same record.
   */
  private async evaluate(step: number): Promise<number | undefined> {
    const { parts, t } = this;
    const accuracy = parts.rewards.find((r) => r.name === t.accuracyReward);
    if (!accuracy) return undefined;
    const problems = parts.task.list('test', t.evalProblems);
    const report = await evaluatorOf(parts.strategy).evaluate({
      policy: parts.policy,
      problems,
      accuracy,
      samples: 1,
      sampling: { temperature: 1, greedy: true, maxNewTokens: t.sampling.maxNewTokens, stop: t.sampling.stop },
      feedback: parts.feedback,
    });
    await this.emit({ kind: 'eval', step, time: Date.now(), values: { ...report.metrics } });
    return report.summary.passAt1;
  }

  private async emit(record: MetricsRecord): Promise<void> {
    this.parts.run?.appendMetrics(record);
    for (const s of this.parts.sinks) await s.write(record);
  }
}
