import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricsRecord, MetricsSink } from '@trellis/core';
import { type Field, fitLine, fitText } from './fit-line';
import { bar, compact, formatDuration, pct } from './format';
import { ProgressLine } from './progress-line';

/** Options of {@link TrainingProgressSink}. */
export interface TrainingProgressOptions {
  /** Where the display goes (default: stderr, one line rewritten in place on a terminal). */
  readonly line?: ProgressLine;
  /**
   * The run directory: on a resume, the held-out accuracy of the last evaluation before the
   * checkpoint is read back from its `metrics.jsonl`, so the line does not say `n/a` until the
   * next evaluation.
   */
  readonly runDir?: string;
  /** The clock the ETA is measured with, ms (default `Date.now`; tests pass a fake one). */
  readonly now?: () => number;
}

/** `eval/accuracy` of the last `eval` record of a run directory's (already cut back) metrics.jsonl. */
function lastEvalAccuracy(runDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8');
  } catch {
    return undefined;
  }
  let found: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.includes('"eval"')) continue;
    try {
      const r = JSON.parse(line) as Partial<MetricsRecord>;
      const acc = r.values?.['eval/accuracy'];
      if (r.kind === 'eval' && typeof acc === 'number') found = acc;
    } catch {
      // a torn last line: ignored, as the trainer does
    }
  }
  return found;
}

/**
 * The `trellis run` progress display: one status line per step (step, reward, training accuracy,
 * held-out accuracy, KL, generated and trained tokens/s, ETA), evaluations and events as permanent
 * lines. On a terminal the status line is fitted to its width: fields take short forms, then the
 * least important ones are dropped (bar, KL, throughput, reward, failure counts, training
 * accuracy; step, ETA and held-out accuracy stay longest). Elsewhere each step prints its full line.
 */
export class TrainingProgressSink implements MetricsSink {
  readonly id = 'progress';
  private started: number | undefined;
  private firstStep: number | undefined;
  private lastAccuracy: number | undefined;
  private lastStep = 0;
  private readonly line: ProgressLine;
  private readonly runDir: string | undefined;
  private readonly now: () => number;

  constructor(
    private readonly totalSteps: number,
    private readonly accuracyKey: string,
    options: TrainingProgressOptions = {},
  ) {
    this.line = options.line ?? new ProgressLine(process.stderr, 0);
    this.runDir = options.runDir;
    this.now = options.now ?? Date.now;
  }

  write(record: MetricsRecord): void {
    if (record.kind === 'event') {
      const message = record.message ?? '';
      if (this.runDir && message.startsWith('resumed from ')) this.lastAccuracy = lastEvalAccuracy(this.runDir);
      // Events are printed whole (they name paths and errors), wrapping like any output line.
      this.line.log(`[step ${record.step}] ${message}`);
      return;
    }
    if (record.kind === 'eval') {
      this.lastAccuracy = record.values['eval/accuracy'];
      const acc = pct(this.lastAccuracy);
      const n = record.values['eval/problems'];
      this.line.log((width) =>
        fitText(
          [
            `eval @ step ${record.step}: held-out accuracy ${acc} on ${n} problems`,
            `eval @ step ${record.step}: held-out ${acc} (${n})`,
            `eval @ ${record.step}: ${acc}`,
          ],
          width,
        ),
      );
      return;
    }
    const fields = this.fields(record);
    this.lastStep = record.step;
    this.line.update((width) => fitLine(fields, width), record.step === this.totalSteps);
  }

  private fields(record: MetricsRecord): Field[] {
    const v = record.values;
    const now = this.now();
    if (this.started === undefined || this.firstStep === undefined) {
      this.started = now - (v['time/step_s'] ?? 0) * 1000;
      this.firstStep = record.step - 1;
    }
    const perStep = (now - this.started) / Math.max(1, record.step - this.firstStep);
    const eta = formatDuration(perStep * (this.totalSteps - record.step));
    const failures = Object.entries(v)
      .filter(([k]) => k.startsWith('reward_failures/'))
      .reduce((a, [, n]) => a + n, 0);
    const heldOut = pct(this.lastAccuracy);
    const gen = compact(v['throughput/generated_tokens_per_s']);
    const train = compact(v['throughput/trained_tokens_per_s']);
    const fields: Field[] = [
      { text: `step ${record.step}/${this.totalSteps}`, priority: 10 },
      { text: bar(record.step, this.totalSteps), short: bar(record.step, this.totalSteps, 10), priority: 2 },
      { text: `reward ${compact(v['reward/total'])}`, priority: 6 },
      { text: `acc ${pct(v[`reward/${this.accuracyKey}`])}`, priority: 7 },
      { text: `held-out ${heldOut}`, short: `eval ${heldOut}`, priority: 8 },
      { text: `kl ${compact(v['actor/kl'])}`, priority: 3 },
      { text: `gen ${gen} tok/s`, short: `gen ${gen}/s`, priority: 5 },
      { text: `train ${train} tok/s`, short: `train ${train}/s`, priority: 4 },
      { text: `ETA ${eta}`, priority: 9 },
    ];
    // Counts of problems (each failure is also an event line of its own).
    if (failures) fields.push({ text: `reward failures ${failures}`, short: `fail ${failures}`, priority: 7 });
    const nonFinite = v['update/non_finite'];
    if (nonFinite) fields.push({ text: `non-finite updates ${nonFinite}`, short: `nan ${nonFinite}`, priority: 7 });
    return fields;
  }

  /** At the end of the run (the last step drawn), the live line stays on screen. */
  flush(): void {
    if (this.lastStep === this.totalSteps) this.line.done();
  }

  /** End the display whatever happened (a run that stopped early, or failed). */
  end(): void {
    this.line.done();
  }
}
