import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { RunLock } from '@trellis/core';
import { invocation } from '../invocation';
import { pct } from '../progress/format';
import { runLocal } from '../sweep/local-pool';
import { SweepDisplay } from '../sweep/sweep-display';
import { loadSweepFile } from '../sweep/sweep-file';
import { mergeState, type SweepState, tally } from '../sweep/sweep-state';

export interface SweepOptions {
  readonly out?: string;
  readonly jobs?: number;
  readonly queue?: string;
  readonly retryFailed?: boolean;
  readonly quiet?: boolean;
}

const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Final lines: per arm, runs done and mean final accuracy; every failed run with its error. */
export function sweepSummary(state: SweepState): string[] {
  const lines: string[] = [];
  for (const arm of state.arms) {
    const runs = state.runs.filter((r) => r.arm === arm.name);
    const accs = runs.map((r) => r.finalAccuracy).filter((a): a is number => a !== undefined);
    const mean = accs.length ? accs.reduce((a, b) => a + b, 0) / accs.length : undefined;
    const done = runs.filter((r) => r.status === 'done').length;
    lines.push(`  ${arm.name}: ${done}/${runs.length} done, mean final held-out accuracy ${pct(mean)}`);
  }
  for (const r of state.runs.filter((x) => x.status === 'failed')) lines.push(`  failed ${r.id}: ${r.error ?? '?'}`);
  return lines;
}

/**
 * `trellis sweep <file>`: every arm x seed of a sweep file as an ordinary run directory under the
 * sweep directory (`<out>/<arm>/seed-<n>`), run by `jobs` local child processes or, with
 * `--queue`, by `trellis worker`s over BullMQ. Re-running the same command continues: finished
 * runs are skipped, interrupted ones resume from their checkpoints, failed ones stay recorded
 * (`--retry-failed` tries them again). Returns the exit code: 0 when every run finished, 1 when
 * some failed, 130/143 when stopped by a signal.
 */
export async function runSweep(file: string, opts: SweepOptions, log: (s: string) => void): Promise<number> {
  const plan = loadSweepFile(file);
  const sweepDir = resolve(opts.out ?? join('sweeps', plan.name));
  mkdirSync(sweepDir, { recursive: true });
  // One sweep process per directory (workers of a queue never write sweep.json).
  const lock = RunLock.acquire(sweepDir);
  try {
    const state = mergeState(plan, sweepDir, opts.retryFailed);
    const jobs = opts.jobs ?? availableParallelism();
    const t = tally(state);
    log(
      `sweep '${plan.name}' in ${sweepDir}: ${plan.arms.length} arm${plan.arms.length === 1 ? '' : 's'} x ${plan.seeds.length} seed${plan.seeds.length === 1 ? '' : 's'} = ${state.runs.length} runs (${t.done} done, ${t.failed} failed, ${t.queued} to run) ${opts.queue ? `on queue ${opts.queue.replace(/\/\/[^@/]*@/, '//')}` : `on ${jobs} local worker${jobs === 1 ? '' : 's'}`}`,
    );
    const display = new SweepDisplay(state, sweepDir, opts.queue ? state.runs.length : jobs, process.stderr, opts.quiet);
    display.start();
    let signal: NodeJS.Signals | undefined;
    try {
      if (opts.queue) {
        // BullMQ and its Redis client load only when a queue is used.
        const { runOnQueue } = await import('../sweep/queue-sweep');
        signal = await runOnQueue(state, sweepDir, opts.queue, display);
      } else signal = await runLocal(state, sweepDir, jobs, display);
    } finally {
      display.stop();
    }
    if (signal) {
      log(`${signal}: sweep stopped; continue with: ${invocation()} sweep ${file} --out ${sweepDir}`);
      return SIGNAL_EXIT[signal] ?? 1;
    }
    const end = tally(state);
    log(`sweep '${plan.name}': ${end.done}/${state.runs.length} runs done, ${end.failed} failed`);
    for (const line of sweepSummary(state)) log(line);
    log(`sweep directory: ${sweepDir} (report: ${invocation()} report ${sweepDir})`);
    return end.failed ? 1 : 0;
  } finally {
    lock.release();
  }
}
