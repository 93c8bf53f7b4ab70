import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pct } from '../progress/format';
import { type RunningJob, type RunOutcome, type RunSpec, startRun } from './run-job';
import type { SweepDisplay } from './sweep-display';
import { finalAccuracyOf, runFinished, type SweepRun, type SweepState, saveState } from './sweep-state';

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
 * The pid of a live process on this host holding `<dir>/run.lock`, if any: a run still stopping
 * after its sweep was killed (it stops itself at its next chance), or one started by hand.
 */
export function liveLockHolder(dir: string): number | undefined {
  try {
    const lock = JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')) as { pid?: unknown; hostname?: unknown };
    if (typeof lock.pid !== 'number' || lock.hostname !== hostname() || lock.pid === process.pid) return undefined;
    process.kill(lock.pid, 0);
    return lock.pid;
  } catch {
    return undefined; // no lock, unreadable, or its process is gone (a stale lock the run takes over)
  }
}

/** True when `<dir>/run.lock` was taken by a `trellis run` of exactly this directory (`--out` or `--resume`). */
function holderRunsDir(dir: string): boolean {
  try {
    const { argv } = JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')) as { argv?: unknown };
    if (!Array.isArray(argv)) return false;
    return argv.some((a, i) => (a === '--out' || a === '--resume') && argv[i + 1] === dir);
  } catch {
    return false;
  }
}

/** How long a run waits for another live process to release its run directory before it fails. */
export const LOCK_WAIT_MS = 5 * 60_000;

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
  const lockWaits = new Map<string, number>();
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
        // A run whose directory another live process still holds waits (without counting an
        // attempt) until it is released, for at most LOCK_WAIT_MS.
        const run = state.runs.find((r) => {
          if (r.status !== 'queued') return false;
          if (lockWaits.has(r.id) && runFinished(sweepDir, r)) {
            // The process it waited for finished the run.
            settle(state, sweepDir, r, { ok: true, code: 0, signal: null, permanent: false });
            return false;
          }
          const holder = liveLockHolder(join(sweepDir, r.dir));
          if (holder === undefined) return true;
          const since = lockWaits.get(r.id) ?? Date.now();
          if (!lockWaits.has(r.id)) {
            lockWaits.set(r.id, since);
            // This process holds the sweep directory, so a `trellis run` of this run directory is
            // one an earlier, dead sweep left: stop it the clean way (it exits at its checkpoint).
            const orphan = holderRunsDir(join(sweepDir, r.dir));
            if (orphan) process.kill(holder, 'SIGTERM');
            display.log(
              `waiting for process ${holder} to release ${r.id}${orphan ? ' (a run left by a stopped sweep: sent SIGTERM)' : ''}`,
            );
          }
          if (Date.now() - since < LOCK_WAIT_MS) return false;
          r.status = 'failed';
          r.error = `its run directory stayed locked by process ${holder} for ${LOCK_WAIT_MS / 60_000} minutes`;
          display.log(`FAILED ${r.id}: ${r.error}`);
          return false;
        });
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
      const waiting = !stopping && state.runs.some((r) => r.status === 'queued');
      if (active.size === 0 && !waiting) break;
      if (!woken) {
        await new Promise<void>((r) => {
          resolveWait = r;
          // Runs waiting for a lock are looked at again every second.
          if (waiting && active.size < jobs) setTimeout(r, 1000);
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
