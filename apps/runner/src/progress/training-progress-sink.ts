import type { MetricsRecord, MetricsSink } from '@trellis/core';
import { bar, compact, formatDuration, pct } from './format';
import { ProgressLine } from './progress-line';

/**
 * The `trellis run` progress display: step, reward, accuracy, KL, tokens/s and ETA per step;
 * evaluations and events as permanent lines.
 */
export class TrainingProgressSink implements MetricsSink {
  readonly id = 'progress';
  private started: number | undefined;
  private firstStep: number | undefined;
  private lastAccuracy: number | undefined;

  constructor(
    private readonly totalSteps: number,
    private readonly accuracyKey: string,
    private readonly line = new ProgressLine(process.stderr, 0),
  ) {}

  write(record: MetricsRecord): void {
    if (record.kind === 'event') {
      this.line.log(`[step ${record.step}] ${record.message ?? ''}`);
      return;
    }
    if (record.kind === 'eval') {
      this.lastAccuracy = record.values['eval/accuracy'];
      this.line.log(
        `eval @ step ${record.step}: held-out accuracy ${pct(this.lastAccuracy)} on ${record.values['eval/problems']} problems`,
      );
      return;
    }
    const v = record.values;
    const now = Date.now();
    if (this.started === undefined || this.firstStep === undefined) {
      this.started = now - (v['time/step_s'] ?? 0) * 1000;
      this.firstStep = record.step - 1;
    }
    const perStep = (now - this.started) / Math.max(1, record.step - this.firstStep);
    const eta = perStep * (this.totalSteps - record.step);
    const failures = Object.entries(v)
      .filter(([k]) => k.startsWith('reward_failures/'))
      .reduce((a, [, n]) => a + n, 0);
    const parts = [
      `step ${record.step}/${this.totalSteps} ${bar(record.step, this.totalSteps)}`,
      `reward ${compact(v['reward/total'])}`,
      `acc ${pct(v[`reward/${this.accuracyKey}`])}`,
      `held-out ${pct(this.lastAccuracy)}`,
      `kl ${compact(v['actor/kl'])}`,
      `gen ${compact(v['throughput/generated_tokens_per_s'])} tok/s`,
      `train ${compact(v['throughput/trained_tokens_per_s'])} tok/s`,
      `ETA ${formatDuration(eta)}`,
    ];
    if (failures) parts.push(`reward failures ${failures}`);
    if (v['update/non_finite']) parts.push(`non-finite updates ${v['update/non_finite']}`);
    this.line.update(parts.join(' | '), record.step === this.totalSteps);
  }

  flush(): void {
    this.line.done();
  }
}
