import { createHash } from 'node:crypto';
import { ConfigError } from '@trellis/core';
import { type Job, Queue } from 'bullmq';
import { pct } from '../progress/format';
import { specOf } from './local-pool';
import { connect, parseQueueUrl, type QueueAddress } from './queue-url';
import type { RunSpec } from './run-job';
import type { SweepDisplay } from './sweep-display';
import { finalAccuracyOf, runFinished, type SweepRun, type SweepState, saveState } from './sweep-state';

/** What a queued job carries: one run, with absolute paths every worker must be able to reach. */
export interface SweepJobData {
  readonly id: string;
  readonly sweepDir: string;
  readonly spec: RunSpec;
}

/** What a worker returns for a finished run. */
export interface SweepJobResult {
  readonly finalAccuracy?: number;
  readonly worker: string;
}

/** A job id per sweep directory and run (BullMQ ids may not hold ':'). */
export const jobIdOf = (sweepDir: string, run: SweepRun): string =>
  `run-${createHash('sha1').update(`${sweepDir}\u0000${run.id}`).digest('hex').slice(0, 24)}`;

/** Resolves once the queue's Redis answers; a clear error after `timeoutMs` otherwise. */
export async function reachQueue(queue: Queue, address: QueueAddress, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConfigError(
            `cannot reach Redis at ${address.display} within ${timeoutMs / 1000} s; is redis-server running there?`,
            '--queue',
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([
      (async () => {
        await queue.waitUntilReady();
        await queue.getJobCounts('wait');
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Put the sweep's unfinished runs on a BullMQ queue (one job per run, retried `retries` times by
 * BullMQ) and follow them until every one is completed or failed, keeping sweep.json up to date.
 * `trellis worker`s on any machine run the jobs. A signal stops the following, not the jobs.
 */
export async function runOnQueue(
  state: SweepState,
  sweepDir: string,
  url: string,
  display: SweepDisplay,
): Promise<NodeJS.Signals | undefined> {
  const address = parseQueueUrl(url);
  const redis = connect(address);
  redis.on('error', () => {}); // reported by reachQueue / the calls below, not as an unhandled event
  const queue = new Queue<SweepJobData, SweepJobResult>(address.name, { connection: redis });
  let stopping: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => {
    stopping = s;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await reachQueue(queue, address);
    const pending = new Map<string, SweepRun>();
    for (const run of state.runs) {
      if (run.status !== 'queued') continue;
      const jobId = jobIdOf(sweepDir, run);
      const existing = await queue.getJob(jobId);
      if (existing) {
        const was = await existing.getState();
        // A job kept from an earlier sweep command: follow it, or start it again when it ended
        // without a finished run (failed before, or its run directory was removed).
        if (was === 'failed' || was === 'completed') await existing.remove();
        else {
          pending.set(jobId, run);
          continue;
        }
      }
      await queue.add(
        run.id,
        { id: run.id, sweepDir, spec: specOf(state, sweepDir, run) },
        {
          jobId,
          attempts: state.retries + 1,
          backoff: { type: 'fixed', delay: 1000 },
          removeOnComplete: false,
          removeOnFail: false,
        },
      );
      pending.set(jobId, run);
    }
    await saveState(sweepDir, state);
    display.log(
      `queued ${pending.size} run${pending.size === 1 ? '' : 's'} on ${address.display}; start workers with: trellis worker --queue ${address.display}`,
    );
    while (pending.size && !stopping) {
      let changed = false;
      for (const [jobId, run] of [...pending]) {
        const job = (await queue.getJob(jobId)) as Job<SweepJobData, SweepJobResult> | undefined;
        const now = job ? await job.getState() : 'unknown';
        if (now === 'active' && run.status !== 'running') {
          run.status = 'running';
          display.runStarted(run);
          changed = true;
        } else if (now === 'completed') {
          pending.delete(jobId);
          run.status = 'done';
          const acc = runFinished(sweepDir, run) ? finalAccuracyOf(sweepDir, run) : job?.returnvalue?.finalAccuracy;
          if (acc !== undefined) run.finalAccuracy = acc;
          delete run.error;
          display.runEnded(run, `done ${run.id} (by ${job?.returnvalue?.worker ?? '?'}): held-out accuracy ${pct(acc)}`, true);
          changed = true;
        } else if (now === 'failed' || now === 'unknown') {
          pending.delete(jobId);
          run.status = 'failed';
          run.attempts = job?.attemptsMade ?? run.attempts;
          run.error = job?.failedReason ?? 'the job disappeared from the queue';
          display.runEnded(run, `FAILED ${run.id}: ${run.error}`, false);
          changed = true;
        } else if ((now === 'waiting' || now === 'delayed' || now === 'prioritized') && run.status === 'running') {
          run.status = 'queued';
          run.attempts = job?.attemptsMade ?? run.attempts;
          changed = true;
        }
      }
      if (changed) await saveState(sweepDir, state);
      await new Promise((r) => setTimeout(r, 500));
    }
    return stopping;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await queue.close();
    redis.disconnect();
  }
}
