/** One record: a step's metrics, an eval result or a run event. */
export interface MetricsRecord {
  /** `step` (one per training step), `eval`, or `event`. */
  readonly kind: 'step' | 'eval' | 'event';
  readonly step: number;
  /** Wall-clock time, ms since the epoch. */
  readonly time: number;
  readonly values: Readonly<Record<string, number>>;
  /** For events: a short message. */
  readonly message?: string;
}

/** Where numbers go (JSONL file, console, a report). */
export interface MetricsSink {
  readonly id: string;
  write(record: MetricsRecord): void | Promise<void>;
  /** Flush buffered records (called at checkpoints and at the end). */
  flush?(): void | Promise<void>;
  close?(): void | Promise<void>;
}
