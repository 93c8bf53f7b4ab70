import { join } from 'node:path';
import { pct } from '../progress/format';
import { type RunningJob, type RunOutcome, type RunSpec, startRun } from './run-job';
import type { SweepDisplay } from './sweep-display';
import { finalAccuracyOf, type SweepRun, type SweepState, saveState } from './sweep-state';

/** The spec of a sweep run (paths absolute). */
export function specOf(state: SweepState, sweepDir: string, run: SweepRun): RunSpec {
  const arm = state.arms.find((a) => a.name === run.arm);
  if (!arm) throw new Error(`sweep.json: run ${run.id} names no arm`);
  return {
    experiment: state.experiment,
    set: arm.set,
    seed: run.seed,
    dir: join(sweepDir, run.dir),
    log: join(sweepDir, 'logs', `${run.id}.log`),
  };
}

/**
 * Record how an attempt ended: done; failed for good (a config error, or retries used up); or
 * queued again. Returns the line to print.
 */
export function settle(state: SweepState, sweepDir: string, run: SweepRun, outcome: RunOutcome): string {
  if (outcome.ok) {
    run.status = 'done';
    delete run.error;
    const acc = finalAccuracyOf(sweepDir, run);
    if (acc !== undefined) run.finalAccuracy = acc;
    return `done ${run.id}: held-out accuracy ${pct(acc)}`;
  }
  run.attempts++;
  run.error = outcome.error ?? 'failed';
  if (outcome.permanent || run.attempts > state.retries) {
    run.status = 'failed';
    const why = outcome.permanent ? 'bad config, not retried' : `after ${run.attempts} attempt${run.attempts > 1 ? 's' : ''}`;
    return `FAILED ${run.id} (${why}): ${run.error}`;
  }
  run.status = 'queued';
  return `retrying ${run.id} (attempt ${run.attempts} of ${state.retries + 1} failed): ${run.error}`;
}

/**
 * Run a sweep's queued runs on this machine, `jobs` at a time, each a child `trellis run`. Every
 * status change is saved to sweep.json before the next run starts. A signal (SIGINT/SIGTERM)
 * stops the children (each checkpointed, resumable) and resolves with that signal; re-running the
 * sweep continues.
 */
export async function runLocal(
  state: SweepState,
  sweepDir: string,
  jobs: number,
  display: SweepDisplay,
): Promise<NodeJS.Signals | undefined> {
  const active = new Map<string, RunningJob>();
  let stopping: NodeJS.Signals | undefined;
  // Set when a run ended or a signal came while the loop was not waiting, so no wake-up is lost.
  let woken = false;
  let resolveWait: (() => void) | undefined;
  const wake = () => {
    woken = true;
    resolveWait?.();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = signal;
    display.log(
      `${signal}: stopping ${active.size} run${active.size === 1 ? '' : 's'} (each resumes from its checkpoint when the sweep is re-run)`,
    );
    for (const job of active.values()) job.child.kill('SIGTERM');
    wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await saveState(sweepDir, state);
    for (;;) {
      while (!stopping && active.size < jobs) {
        const run = state.runs.find((r) => r.status === 'queued');
        if (!run) break;
        run.status = 'running';
        await saveState(sweepDir, state);
        const job = startRun(specOf(state, sweepDir, run));
        active.set(run.id, job);
        display.runStarted(run);
        if (job.resumed) display.log(`resuming ${run.id} from its checkpoint`);
        job.done.then(async (outcome) => {
          if (stopping && !outcome.ok)
            run.status = 'queued'; // stopped by us: not the run's failure
          else display.runEnded(run, settle(state, sweepDir, run, outcome), outcome.ok);
          await saveState(sweepDir, state);
          active.delete(run.id);
          wake();
        });
      }
      if (active.size === 0) break;
      if (!woken) {
        await new Promise<void>((r) => {
          resolveWait = r;
        });
      }
      woken = false;
      resolveWait = undefined;
    }
    await saveState(sweepDir, state);
    return stopping;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
