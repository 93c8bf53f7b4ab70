import type { ReportRun } from './types';

/** One value of one metric in one run. */
export interface SeriesPoint {
  readonly step: number;
  readonly value: number;
  /** Active training seconds at the record that holds the value. */
  readonly wall: number;
}

/** The seeds of one arm at one step. */
export interface AggregatePoint {
  readonly step: number;
  /** How many seeds have a value at this step. */
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1); null where fewer than 2 seeds have the step. */
  readonly std: number | null;
  /** Mean of the seeds' active wall times at this step, in seconds. */
  readonly wall: number;
}

/**
 * The points of `metric` in one run, one per step in step order: finite values only, and the last
 * record wins where a step has several (an eval written again after a resume).
 */
export function seriesOf(run: Pick<ReportRun, 'records' | 'wall'>, metric: string): SeriesPoint[] {
  const byStep = new Map<number, SeriesPoint>();
  run.records.forEach((r, i) => {
    const value = r.values[metric];
    if (typeof value === 'number' && Number.isFinite(value)) byStep.set(r.step, { step: r.step, value, wall: run.wall[i] ?? 0 });
  });
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/**
 * Aggregate the series of an arm's seeds step by step: at every step any seed has, the mean of
 * the values of the seeds that have it, their sample standard deviation where there are >= 2, and
 * the mean of their wall times (the x of the wall-time chart). Steps come out in increasing order.
 */
export function aggregateByStep(series: readonly (readonly SeriesPoint[])[]): AggregatePoint[] {
  const byStep = new Map<number, SeriesPoint[]>();
  for (const points of series) {
    for (const p of points) {
      const list = byStep.get(p.step);
      if (list) list.push(p);
      else byStep.set(p.step, [p]);
    }
  }
  return [...byStep.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, points]) => {
      const n = points.length;
      const mean = points.reduce((s, p) => s + p.value, 0) / n;
      const wall = points.reduce((s, p) => s + p.wall, 0) / n;
      const std = n >= 2 ? Math.sqrt(points.reduce((s, p) => s + (p.value - mean) ** 2, 0) / (n - 1)) : null;
      return { step, n, mean, std, wall };
    });
}
