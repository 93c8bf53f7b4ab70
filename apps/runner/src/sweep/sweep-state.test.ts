import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveLockHolder, settle } from './local-pool';
import { failureReason, runArgs } from './run-job';
import { estimateRemainingMs } from './sweep-display';
import type { SweepPlan } from './sweep-file';
import { mergeState, type SweepState, saveState } from './sweep-state';

const plan = (arms: SweepPlan['arms'], seeds = [1, 2]): SweepPlan => ({
  name: 's',
  file: '/x/s.yaml',
  experiment: '/x/exp.yaml',
  seeds,
  arms,
  baseline: arms[0]?.name ?? 'base',
  retries: 1,
});
const A = { name: 'a', set: ['trainer.steps=5'] };
const B = { name: 'b x', set: ['advantage.use=rloo'] };

describe('sweep state', () => {
  it('plans arm-major runs, continues from a saved state and trusts the run directories', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-sweep-state-'));
    const first = mergeState(plan([A, B]), dir);
    expect(first.runs.map((r) => [r.id, r.dir, r.status])).toEqual([
      ['a/seed-1', 'a/seed-1', 'queued'],
      ['a/seed-2', 'a/seed-2', 'queued'],
      ['b_x/seed-1', 'b_x/seed-1', 'queued'],
      ['b_x/seed-2', 'b_x/seed-2', 'queued'],
    ]);
    const [r1, r2, r3, r4] = first.runs as [
      SweepState['runs'][0],
      SweepState['runs'][0],
      SweepState['runs'][0],
      SweepState['runs'][0],
    ];
    r1.status = 'running';
    r2.status = 'failed';
    r2.attempts = 2;
    r2.error = 'boom';
    r3.status = 'running';
    r4.status = 'done'; // but no summary.json: not done
    await saveState(dir, first);
    mkdirSync(join(dir, 'b_x/seed-1'), { recursive: true });
    writeFileSync(join(dir, 'b_x/seed-1/summary.json'), JSON.stringify({ finalAccuracy: 0.25 }));

    const again = mergeState(plan([A, B], [1, 2, 3]), dir);
    expect(again.runs.map((r) => [r.id, r.status, r.attempts])).toEqual([
      ['a/seed-1', 'queued', 0], // was running: the sweep stopped, it resumes
      ['a/seed-2', 'failed', 2], // stays failed
      ['a/seed-3', 'queued', 0], // a new seed
      ['b_x/seed-1', 'done', 0], // its summary says so
      ['b_x/seed-2', 'queued', 0],
      ['b_x/seed-3', 'queued', 0],
    ]);
    expect(again.runs[3]?.finalAccuracy).toBe(0.25);
    const retried = mergeState(plan([A, B]), dir, true);
    expect(retried.runs.find((r) => r.id === 'a/seed-2')).toMatchObject({ status: 'queued', attempts: 0 });
    expect(retried.runs.find((r) => r.id === 'a/seed-2')?.error).toBeUndefined();

    expect(() => mergeState(plan([{ ...A, set: ['trainer.steps=6'] }, B]), dir)).toThrow(
      /arm 'a' changed since this sweep directory was made \(was: trainer.steps=5; now: trainer.steps=6\)/,
    );
    expect(() => mergeState({ ...plan([A]), experiment: '/y.yaml' }, dir)).toThrow(/made for the experiment \/x\/exp.yaml/);
  });

  it('settles attempts: done, retried, failed for good after the retries or at once for a config error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-sweep-settle-'));
    const state = mergeState(plan([A], [1]), dir);
    const run = state.runs[0] as SweepState['runs'][0];
    const fail = { ok: false, code: 1, signal: null, permanent: false, error: 'x' };
    expect(settle(state, dir, run, fail)).toBe('retrying a/seed-1 (attempt 1 of 2 failed): x');
    expect(run.status).toBe('queued');
    expect(settle(state, dir, run, fail)).toBe('FAILED a/seed-1 (after 2 attempts): x');
    expect(run.status).toBe('failed');
    run.attempts = 0;
    expect(settle(state, dir, run, { ...fail, code: 2, permanent: true })).toBe('FAILED a/seed-1 (bad config, not retried): x');
    expect(settle(state, dir, run, { ok: true, code: 0, signal: null, permanent: false })).toBe(
      'done a/seed-1: held-out accuracy n/a',
    );
    expect(run).toMatchObject({ status: 'done' });
    expect(run.error).toBeUndefined();
  });

  it('builds the run command and reads the reason of a failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-sweep-args-'));
    const spec = { experiment: '/e.yaml', set: ['a=1'], seed: 3, dir: join(dir, 'r'), log: join(dir, 'r.log') };
    expect(runArgs(spec)).toEqual({
      args: ['run', '/e.yaml', '--set', 'a=1', '--set', 'seed=3', '--out', spec.dir, '-q'],
      resumed: false,
    });
    mkdirSync(spec.dir);
    writeFileSync(join(spec.dir, 'config.yaml'), 'name: r\n');
    expect(runArgs(spec)).toEqual({ args: ['run', '--resume', spec.dir, '-q'], resumed: true });
    const stderr = 'starting run\nerror: --set x=1: invalid options:\n  x: unknown key\nafter\n';
    expect(failureReason(stderr, 2, null)).toBe('--set x=1: invalid options: x: unknown key (exit code 2)');
    expect(failureReason('step 3\nAborted\n', null, 'SIGSEGV')).toBe('killed by SIGSEGV: Aborted');
    expect(failureReason('', 1, null)).toBe('exit code 1');
  });

  it('estimates the time left from finished runs, else from the pace of the running ones', () => {
    expect(estimateRemainingMs([], [], 3, 2)).toBeUndefined();
    // 2 finished in 100 s each: 3 queued + one half-way = 350 s of work on 2 slots.
    expect(estimateRemainingMs([100_000, 100_000], [{ elapsedMs: 50_000, fraction: 0.5 }], 3, 2)).toBe(175_000);
    // Nothing finished: a run 25% through after 30 s is on a 120 s pace.
    expect(estimateRemainingMs([], [{ elapsedMs: 30_000, fraction: 0.25 }], 1, 2)).toBe(105_000);
  });

  it('tells a run directory held by a live process on this host from a stale or foreign lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-sweep-lock-'));
    expect(liveLockHolder(dir)).toBeUndefined();
    const lock = (pid: number, host = hostname()) =>
      writeFileSync(join(dir, 'run.lock'), JSON.stringify({ pid, hostname: host }));
    lock(process.ppid);
    expect(liveLockHolder(dir)).toBe(process.ppid);
    lock(process.ppid, 'another-host');
    expect(liveLockHolder(dir)).toBeUndefined();
    lock(2 ** 22 + 12345); // above Linux's pid_max: no such process
    expect(liveLockHolder(dir)).toBeUndefined();
  });
});
