import type { MetricsRecord } from '@trellis/core';

/** A number per run that the report compares between arms. */
export interface SummaryMetric {
  readonly id: string;
  /** Short name, used as a table heading. */
  readonly title: string;
  /** What the number is, for the reader. */
  readonly description: string;
  /** The run's value, or undefined when it has none. */
  readonly of: (records: readonly MetricsRecord[]) => number | undefined;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The value of `key` at the last eval record that has it. */
const lastEval =
  (key: string) =>
  (records: readonly MetricsRecord[]): number | undefined => {
    for (let i = records.length - 1; i >= 0; i--) {
      const r = records[i] as MetricsRecord;
      if (r.kind === 'eval' && finite(r.values[key])) return r.values[key];
    }
    return undefined;
  };

/** How many of the last step records `reward/total` is averaged over. */
export const LAST_STEPS = 10;

function lastStepsReward(records: readonly MetricsRecord[]): number | undefined {
  const values = records
    .filter((r) => r.kind === 'step' && finite(r.values['reward/total']))
    .map((r) => r.values['reward/total'] as number);
  const tail = values.slice(-LAST_STEPS);
  return tail.length ? tail.reduce((s, v) => s + v, 0) / tail.length : undefined;
}

/** The summary metrics, in table order. One whose value no run has is left out of the report. */
export const SUMMARY_METRICS: readonly SummaryMetric[] = [
  {
    id: 'final-accuracy',
    title: 'final eval/accuracy',
    description: 'held-out accuracy at the last eval record of each run',
    of: lastEval('eval/accuracy'),
  },
  {
    id: 'final-accuracy-augmented',
    title: 'final eval/accuracy_augmented',
    description: 'held-out accuracy with augmented context at the last eval record of each run',
    of: lastEval('eval/accuracy_augmented'),
  },
  {
    id: 'reward-last-10',
    title: `reward/total, last ${LAST_STEPS} steps`,
    description: `mean reward/total over the last ${LAST_STEPS} step records of each run (fewer when the run has fewer)`,
    of: lastStepsReward,
  },
];
