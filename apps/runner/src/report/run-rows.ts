import { SUMMARY_METRICS } from './summary-metrics';
import type { LoadedReport, RunRow } from './types';

const finalAccuracy = SUMMARY_METRICS.find((m) => m.id === 'final-accuracy')!;

/** The runs table: every run of every arm (arm order, then seed), then the failed runs of a sweep. */
export function runRows(loaded: LoadedReport): RunRow[] {
  const rows: RunRow[] = loaded.arms.flatMap((arm) =>
    arm.runs.map((run) => {
      const steps = run.records.filter((r) => r.kind === 'step').map((r) => r.step);
      return {
        arm: arm.name,
        seed: run.seed,
        dir: run.label,
        steps: steps.length ? Math.max(...steps) : 0,
        wallSeconds: run.wall.at(-1) ?? 0,
        finalAccuracy: finalAccuracy.of(run.records) ?? null,
        status: run.status,
      };
    }),
  );
  for (const f of loaded.failed) {
    rows.push({ arm: f.arm, seed: f.seed, dir: f.dir, steps: null, wallSeconds: null, finalAccuracy: null, status: 'failed' });
  }
  return rows;
}
