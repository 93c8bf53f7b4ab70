import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, writeFileAtomic } from '@trellis/core';
import { armDir, type SweepArm, type SweepPlan } from './sweep-file';

/** Where a run of a sweep stands. `running` in a saved file means "was running when the sweep stopped". */
export type RunStatus = 'queued' | 'running' | 'done' | 'failed';

/** One run of a sweep: an arm at a seed, in `<sweepDir>/<dir>`. */
export interface SweepRun {
  readonly id: string;
  readonly arm: string;
  readonly seed: number;
  /** The run directory, relative to the sweep directory. */
  readonly dir: string;
  status: RunStatus;
  /** Attempts that ended in a failure (a sweep that was itself stopped does not count). */
  attempts: number;
  error?: string;
  /** Final held-out accuracy (from the run's summary.json), once done. */
  finalAccuracy?: number;
}

/** `sweep.json`: the plan and every run's status, rewritten atomically after every change. */
export interface SweepState {
  readonly version: 1;
  readonly name: string;
  readonly experiment: string;
  readonly baseline: string;
  readonly seeds: readonly number[];
  readonly arms: readonly SweepArm[];
  readonly retries: number;
  readonly runs: SweepRun[];
}

export const STATE_FILE = 'sweep.json';

const runId = (arm: string, seed: number) => `${armDir(arm)}/seed-${seed}`;

/** The runs of a plan, arm-major (every seed of the first arm first). */
function planRuns(plan: SweepPlan): SweepRun[] {
  return plan.arms.flatMap((arm) =>
    plan.seeds.map((seed) => ({
      id: runId(arm.name, seed),
      arm: arm.name,
      seed,
      dir: runId(arm.name, seed),
      status: 'queued' as const,
      attempts: 0,
    })),
  );
}

/** True once the run directory holds a `summary.json` (the last file `trellis run` writes). */
export const runFinished = (sweepDir: string, run: SweepRun): boolean => existsSync(join(sweepDir, run.dir, 'summary.json'));

/** Final held-out accuracy of a finished run of a sweep. */
export const finalAccuracyOf = (sweepDir: string, run: SweepRun): number | undefined => summaryAccuracy(join(sweepDir, run.dir));

/** `finalAccuracy` of a run directory's summary.json (undefined while the run is not finished). */
export function summaryAccuracy(runDir: string): number | undefined {
  try {
    const s = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { finalAccuracy?: number };
    return typeof s.finalAccuracy === 'number' ? s.finalAccuracy : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The state to continue from: a new one, or the saved `sweep.json` merged with the plan. A run
 * the plan still has keeps its status (one saved as `running` becomes `queued`: its sweep was
 * stopped, and it resumes from its checkpoint); what the run directories say wins (a run with a
 * summary is done). Arms whose overrides changed since the sweep directory was made are refused
 * (their finished runs would mix two configs); new arms and seeds are added.
 */
export function mergeState(plan: SweepPlan, sweepDir: string, retryFailed = false): SweepState {
  const file = join(sweepDir, STATE_FILE);
  let saved: SweepState | undefined;
  if (existsSync(file)) {
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as SweepState;
    } catch (e) {
      throw new ConfigError(`cannot read ${STATE_FILE}: ${(e as Error).message}`, file);
    }
    if (saved.version !== 1 || !Array.isArray(saved.runs))
      throw new ConfigError(`not a sweep state file (version ${saved.version})`, file);
    if (saved.experiment !== plan.experiment) {
      throw new ConfigError(
        `this sweep directory was made for the experiment ${saved.experiment}, not ${plan.experiment}; use another --out`,
        sweepDir,
      );
    }
    for (const arm of plan.arms) {
      const before = saved.arms.find((a) => a.name === arm.name);
      if (before && before.set.join('\n') !== arm.set.join('\n')) {
        throw new ConfigError(
          `arm '${arm.name}' changed since this sweep directory was made (was: ${before.set.join(' ') || '(no overrides)'}; now: ${arm.set.join(' ') || '(no overrides)'}); rename the arm or use another --out`,
          sweepDir,
        );
      }
    }
  }
  const old = new Map((saved?.runs ?? []).map((r) => [r.id, r]));
  const runs = planRuns(plan).map((fresh) => {
    const run: SweepRun = { ...fresh, ...old.get(fresh.id) };
    if (runFinished(sweepDir, run)) {
      run.status = 'done';
      const acc = finalAccuracyOf(sweepDir, run);
      if (acc !== undefined) run.finalAccuracy = acc;
      delete run.error;
    } else if (run.status === 'running' || run.status === 'done' || (run.status === 'failed' && retryFailed)) {
      if (run.status === 'failed') {
        run.attempts = 0;
        delete run.error;
      }
      run.status = 'queued';
    }
    return run;
  });
  return {
    version: 1,
    name: plan.name,
    experiment: plan.experiment,
    baseline: plan.baseline,
    seeds: plan.seeds,
    arms: plan.arms,
    retries: plan.retries,
    runs,
  };
}

/** Write `sweep.json` atomically. */
export async function saveState(sweepDir: string, state: SweepState): Promise<void> {
  await writeFileAtomic(join(sweepDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** Counts by status. */
export function tally(state: SweepState): Record<RunStatus, number> {
  const t: Record<RunStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
  for (const r of state.runs) t[r.status]++;
  return t;
}
