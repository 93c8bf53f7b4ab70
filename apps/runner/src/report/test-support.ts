import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricsRecord } from '@trellis/core';
import { stringify } from 'yaml';

/**
 * Two-sided tail probability P(|T| > t) of Student's t with `df` degrees of freedom, computed
 * directly (for tests, independent of @stdlib): with t = sqrt(df) tan(theta) the density becomes
 * proportional to cos(theta)^(df - 1), so the tail is a ratio of two integrals over theta, done by
 * Simpson's rule.
 */
export function referenceTwoSidedP(t: number, df: number, intervals = 20_000): number {
  const f = (theta: number) => Math.cos(theta) ** (df - 1);
  const simpson = (a: number, b: number) => {
    const h = (b - a) / intervals;
    let s = f(a) + f(b);
    for (let i = 1; i < intervals; i++) s += f(a + i * h) * (i % 2 ? 4 : 2);
    return (s * h) / 3;
  };
  const theta0 = Math.atan(Math.abs(t) / Math.sqrt(df));
  return simpson(theta0, Math.PI / 2) / simpson(0, Math.PI / 2);
}

/** Welch's t statistic and Welch-Satterthwaite df, by the textbook formulas. */
export function referenceWelch(x: readonly number[], y: readonly number[]): { t: number; df: number } {
  const mean = (v: readonly number[]) => v.reduce((s, a) => s + a, 0) / v.length;
  const variance = (v: readonly number[]) => v.reduce((s, a) => s + (a - mean(v)) ** 2, 0) / (v.length - 1);
  const a = variance(x) / x.length;
  const b = variance(y) / y.length;
  return { t: (mean(x) - mean(y)) / Math.sqrt(a + b), df: (a + b) ** 2 / (a ** 2 / (x.length - 1) + b ** 2 / (y.length - 1)) };
}

/** Write a run directory: `config.yaml`, `metrics.jsonl` and (when `finished`) `summary.json`. */
export function writeRunDir(
  dir: string,
  config: Record<string, unknown>,
  records: readonly MetricsRecord[],
  finished = true,
): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yaml'), stringify(config));
  writeFileSync(join(dir, 'metrics.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  if (finished)
    writeFileSync(join(dir, 'summary.json'), `${JSON.stringify({ steps: records.filter((r) => r.kind === 'step').length })}\n`);
}

/** The arms, seeds and step count of the synthetic sweep. */
export const FIXTURE = { arms: ['base', 'fast'], seeds: [1, 2], steps: 12, evalEvery: 6 } as const;

/** The value of a step metric in the synthetic sweep: simple, distinct per arm, seed and step. */
export function fixtureValue(metric: string, arm: number, seed: number, step: number): number {
  const k = { 'reward/total': 0.1, 'actor/kl': 0.001, 'actor/entropy': 2, 'rollout/length': 20 }[metric] ?? 0.5;
  return k * (1 + 0.05 * step) + 0.07 * arm + 0.013 * seed * seed + 0.002 * ((step * seed) % 5);
}

/** Held-out accuracy of the synthetic sweep at an eval step. */
export const fixtureAccuracy = (arm: number, seed: number, step: number, augmented = false): number =>
  0.2 + 0.02 * step + 0.1 * arm + 0.03 * seed * (arm + 1) + (augmented ? 0.05 : 0);

/** Seconds each step takes, and the dead time of the crash in the resumed run (`fast`, seed 2). */
export const STEP_SECONDS = 2;
export const CRASH_SECONDS = 3600;
export const RESUME_AFTER_STEP = 6;

/** The records of one synthetic run (arm index, seed). The `fast` seed-2 run crashed and resumed. */
export function fixtureRecords(arm: number, seed: number): MetricsRecord[] {
  const records: MetricsRecord[] = [];
  let time = 1_700_000_000_000 + seed * 1000;
  const evalAt = (step: number) =>
    records.push({
      kind: 'eval',
      step,
      time,
      values: {
        'eval/accuracy': fixtureAccuracy(arm, seed, step),
        'eval/accuracy_augmented': fixtureAccuracy(arm, seed, step, true),
      },
    });
  evalAt(0);
  for (let step = 1; step <= FIXTURE.steps; step++) {
    if (arm === 1 && seed === 2 && step === RESUME_AFTER_STEP + 1) {
      time += CRASH_SECONDS * 1000;
      records.push({
        kind: 'event',
        step: RESUME_AFTER_STEP,
        time,
        values: {},
        message: `resumed from checkpoints/step-00000${RESUME_AFTER_STEP}`,
      });
    }
    time += STEP_SECONDS * 1000;
    const values: Record<string, number> = {};
    for (const m of ['reward/total', 'actor/kl', 'actor/entropy', 'rollout/length', 'actor/clip_frac', 'lanpo/aware_frac']) {
      values[m] = fixtureValue(m, arm, seed, step);
    }
    records.push({ kind: 'step', step, time, values });
    if (step % FIXTURE.evalEvery === 0) evalAt(step);
  }
  return records;
}

/**
 * Write a synthetic sweep into `dir`: arms `base` and `fast` x seeds 1, 2 (`fast` seed 2 resumed
 * after a crash), plus a failed `fast` seed-3 run with no metrics, and its `sweep.json`.
 */
export function writeFixtureSweep(dir: string): void {
  const runs: Record<string, unknown>[] = [];
  FIXTURE.arms.forEach((arm, a) => {
    for (const seed of FIXTURE.seeds) {
      const runDir = `${arm}/seed-${seed}`;
      const config = { name: 'fixture', seed, trainer: { steps: FIXTURE.steps, learningRate: a ? 0.01 : 0.001 } };
      writeRunDir(join(dir, runDir), config, fixtureRecords(a, seed));
      runs.push({ id: runDir, arm, seed, dir: runDir, status: 'done', attempts: 0 });
    }
  });
  // Not started yet: no run directory, so not in the report's arms.
  runs.push({ id: 'base/seed-3', arm: 'base', seed: 3, dir: 'base/seed-3', status: 'queued', attempts: 0 });
  runs.push({
    id: 'fast/seed-3',
    arm: 'fast',
    seed: 3,
    dir: 'fast/seed-3',
    status: 'failed',
    attempts: 2,
    error: 'worker crashed: out of memory',
  });
  const state = {
    version: 1,
    name: 'fixture-sweep',
    experiment: '/nowhere/fixture.yaml',
    baseline: 'base',
    seeds: [1, 2, 3],
    arms: [
      { name: 'base', set: [] },
      { name: 'fast', set: ['trainer.learningRate=0.01'] },
    ],
    retries: 1,
    runs,
  };
  writeFileSync(join(dir, 'sweep.json'), `${JSON.stringify(state, null, 2)}\n`);
}
