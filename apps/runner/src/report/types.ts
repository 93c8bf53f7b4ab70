import type { MetricsRecord } from '@trellis/core';

/** How far a run got: a sweep's own status, or for a bare run dir `done` (has summary.json) or `incomplete`. */
export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'incomplete';

/** One run directory as the report reads it. */
export interface ReportRun {
  /** Absolute path of the run directory. */
  readonly dir: string;
  /** The path shown in the report (relative to the sweep dir, or as given on the command line). */
  readonly label: string;
  readonly arm: string;
  /** Top-level `seed` of the run's config (or of the sweep's run entry). */
  readonly seed: number | undefined;
  readonly status: RunStatus;
  /** The resolved config from `config.yaml` (empty when a sweep run has none). */
  readonly config: Record<string, unknown>;
  /** The valid records of `metrics.jsonl`, in file order. */
  readonly records: readonly MetricsRecord[];
  /** Active training seconds at each record (same index as `records`); see `activeWallSeconds`. */
  readonly wall: readonly number[];
}

/** A group of runs that differ only in their seed. */
export interface ReportArm {
  readonly name: string;
  /** For a sweep: the arm's `--set` overrides. */
  readonly set?: readonly string[];
  readonly runs: readonly ReportRun[];
}

/** A sweep run that failed, listed apart with its error. */
export interface FailedRun {
  readonly id: string;
  readonly arm: string;
  readonly seed: number;
  readonly dir: string;
  readonly attempts: number;
  readonly error: string;
}

/** Everything the report is made from, once the inputs are read. */
export interface LoadedReport {
  readonly kind: 'sweep' | 'runs';
  /** Sweep name, or the names of the arms for run dirs. */
  readonly title: string;
  /** Absolute paths of the inputs. */
  readonly sources: readonly string[];
  readonly arms: readonly ReportArm[];
  readonly baseline: string;
  readonly failed: readonly FailedRun[];
  /** Where the report goes when `--out` is not given. */
  readonly defaultOut: string;
}

/** Statistics of one summary metric for one arm; null where they cannot be computed. */
export interface MetricSummary {
  /** The per-run values (one per seed), in run order. */
  readonly values: readonly number[];
  readonly n: number;
  readonly mean: number | null;
  /** Sample standard deviation (n - 1 in the denominator); null when n < 2. */
  readonly std: number | null;
  /** 95% Student t interval for the mean; null when n < 2. */
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  /** Mean of this arm minus mean of the baseline arm (0 for the baseline itself). */
  readonly diff: number | null;
  /** Two-sided Welch t-test p-value against the baseline; null for the baseline, n < 2 or zero variance. */
  readonly pValue: number | null;
  /** Welch-Satterthwaite degrees of freedom of that test. */
  readonly df: number | null;
}

/** One arm of the report: its runs and the statistics of each summary metric. */
export interface ArmSummary {
  readonly name: string;
  readonly baseline: boolean;
  readonly set?: readonly string[];
  /** Seeds of the runs in the arm, in run order. */
  readonly seeds: readonly (number | undefined)[];
  /** Run directories (absolute) of the arm. */
  readonly runDirs: readonly string[];
  /** Keyed by summary metric id (`SUMMARY_METRICS`). Metrics no run has are left out. */
  readonly metrics: Readonly<Record<string, MetricSummary>>;
}

/** What `runReport` wrote. */
export interface ReportResult {
  /** Path of `report.html`. */
  readonly html: string;
  /** Path of `summary.md`. */
  readonly markdown: string;
  /** Paths of the chart PNGs, in chart order. */
  readonly pngs: string[];
  readonly arms: ArmSummary[];
}

/** One row of the runs table. */
export interface RunRow {
  readonly arm: string;
  readonly seed: number | undefined;
  /** The run directory as shown (relative to the sweep dir, or as given). */
  readonly dir: string;
  /** Last training step recorded; null for a failed run without metrics. */
  readonly steps: number | null;
  /** Active training seconds (resume gaps left out). */
  readonly wallSeconds: number | null;
  /** `eval/accuracy` of the last eval record. */
  readonly finalAccuracy: number | null;
  readonly status: RunStatus;
}

/** One rendered chart. */
export interface RenderedChart {
  readonly metric: string;
  readonly axis: 'step' | 'time';
  /** The PNG's path relative to the output directory (`charts/<slug>-<axis>.png`). */
  readonly png: string;
  readonly svg: string;
}

/** Everything `report.html` and `summary.md` are written from. */
export interface ReportModel {
  readonly loaded: LoadedReport;
  readonly summaries: readonly ArmSummary[];
  /** Summary metrics that some run has, in table order. */
  readonly summaryMetrics: readonly { readonly id: string; readonly title: string; readonly description: string }[];
  /** Config keys whose values differ between arms (each arm's value in arm order). */
  readonly configDiff: readonly { readonly key: string; readonly values: readonly string[] }[];
  readonly runs: readonly RunRow[];
  readonly charts: readonly RenderedChart[];
}
