import type { Problem } from '../records/problem';
import type { RolloutBatch, RolloutGroup } from '../records/rollout';

/** What hooks may use during a step. */
export interface StepContext {
  readonly step: number;
  /** One observation of `name` for this step's metrics (the record holds the mean). */
  metric(name: string, value: number): void;
  /** Add `by` (default 1) to counter `name` in this step's metrics (the record holds the sum). */
  count(name: string, by?: number): void;
  /**
   * Sample and score `n` more problems' groups with the configured strategy (for dynamic
   * sampling). Counts against the trainer's per-step generation budget.
   */
  collectMore(n: number): Promise<RolloutGroup[]>;
}

/** A step's metrics record as written to sinks. */
export type StepMetrics = Readonly<Record<string, number>>;

/** Run-level information given to `onRunStart` / `onRunEnd`. */
export interface RunInfo {
  readonly runDir: string | undefined;
  readonly totalSteps: number;
  readonly startStep: number;
}

/**
 * Optional trainer hooks. Every method is optional; contributions run in config order.
 */
export interface TrainerContribution {
  readonly id: string;
  onRunStart?(info: RunInfo): void | Promise<void>;
  /** Adjust or inspect the problems about to be sampled. */
  beforeCollect?(problems: Problem[], ctx: StepContext): Problem[] | Promise<Problem[]>;
  /** After rewards are filled in, before filtering. */
  afterScoring?(batch: RolloutBatch, ctx: StepContext): void | Promise<void>;
  /** Drop or replace groups (e.g. DAPO dynamic sampling). Returns the batch to train on. */
  filterBatch?(batch: RolloutBatch, ctx: StepContext): RolloutBatch | Promise<RolloutBatch>;
  onStepEnd?(metrics: StepMetrics, ctx: StepContext): void | Promise<void>;
  onRunEnd?(info: RunInfo): void | Promise<void>;
  /** Serialisable state for checkpoints. */
  state?(): unknown;
  restore?(state: unknown): void;
}
