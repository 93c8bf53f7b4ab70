import type { ReportArm } from './types';

/** Metrics charted whenever some run has them, in this order. */
export const CORE_METRICS = [
  'eval/accuracy',
  'eval/accuracy_augmented',
  'reward/total',
  'actor/kl',
  'actor/entropy',
  'rollout/length',
  'actor/clip_frac',
] as const;

/** Prefixes of algorithm metrics charted as well: every key with one of them in any run. */
export const ALGORITHM_PREFIXES = ['lanpo/', 'multiturn/'] as const;

/**
 * The metrics to chart for `arms`: the core metrics that any run has (as a finite number), then
 * every `lanpo/` and `multiturn/` key any run has, sorted by name.
 */
export function chartedMetrics(arms: readonly ReportArm[]): string[] {
  const present = new Set<string>();
  for (const arm of arms) {
    for (const run of arm.runs) {
      for (const r of run.records) {
        for (const [k, v] of Object.entries(r.values)) if (typeof v === 'number' && Number.isFinite(v)) present.add(k);
      }
    }
  }
  const core = CORE_METRICS.filter((m) => present.has(m));
  const algo = [...present].filter((k) => ALGORITHM_PREFIXES.some((p) => k.startsWith(p))).sort();
  return [...core, ...algo];
}

/** A file-name-safe form of a metric key: `eval/accuracy` -> `eval-accuracy`. */
export const metricSlug = (metric: string): string =>
  metric
    .replace(/[^A-Za-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase() || 'metric';
