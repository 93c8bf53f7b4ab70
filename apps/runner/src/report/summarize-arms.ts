import { sampleStats } from './sample-stats';
import { SUMMARY_METRICS, type SummaryMetric } from './summary-metrics';
import type { ArmSummary, MetricSummary, ReportArm } from './types';
import { welchTest } from './welch';

/** The summary metrics that at least one run of `arms` has a value for. */
export function presentSummaryMetrics(arms: readonly ReportArm[]): SummaryMetric[] {
  return SUMMARY_METRICS.filter((m) => arms.some((a) => a.runs.some((r) => m.of(r.records) !== undefined)));
}

const valuesOf = (arm: ReportArm, metric: SummaryMetric) =>
  arm.runs.map((r) => metric.of(r.records)).filter((v): v is number => v !== undefined);

/**
 * Per arm and summary metric: n, mean, sample std, 95% t interval, difference from the baseline
 * arm's mean and the Welch t-test p-value against it (null where n < 2 on either side).
 */
export function summarizeArms(arms: readonly ReportArm[], baseline: string): ArmSummary[] {
  const metrics = presentSummaryMetrics(arms);
  const base = arms.find((a) => a.name === baseline);
  return arms.map((arm) => {
    const isBase = arm.name === baseline;
    const byMetric: Record<string, MetricSummary> = {};
    for (const m of metrics) {
      const values = valuesOf(arm, m);
      const baseValues = base ? valuesOf(base, m) : [];
      const stats = sampleStats(values);
      const baseMean = sampleStats(baseValues).mean;
      const test = isBase ? undefined : welchTest(values, baseValues);
      byMetric[m.id] = {
        values,
        ...stats,
        diff: stats.mean !== null && baseMean !== null ? stats.mean - baseMean : null,
        pValue: test?.pValue ?? null,
        df: test?.df ?? null,
      };
    }
    return {
      name: arm.name,
      baseline: isBase,
      ...(arm.set ? { set: [...arm.set] } : {}),
      seeds: arm.runs.map((r) => r.seed),
      runDirs: arm.runs.map((r) => r.dir),
      metrics: byMetric,
    };
  });
}
