import { hostname } from 'node:os';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { SweepJobData, SweepJobResult } from '../sweep/queue-sweep';
import { connect, parseQueueUrl } from '../sweep/queue-url';
import { type RunningJob, startRun } from '../sweep/run-job';
import { summaryAccuracy } from '../sweep/sweep-state';

export interface WorkerOptions {
  readonly queue: string;
  /** Runs at once (default 1: one wasm thread each). */
  readonly jobs?: number;
  /** BullMQ lock duration (ms): a job whose worker died goes back to the queue after about this long. */
  readonly lockMs?: number;
}

const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * `trellis worker --queue redis://...`: take sweep runs from a BullMQ queue and run each as a
 * child `trellis run` (a new run, or `--resume` when its directory already holds one: a job
 * whose earlier worker died continues from the last checkpoint). A worker that dies, even by
 * SIGKILL, stops its runs (they watch it) and BullMQ hands their jobs to another worker once the
 * job lock expires (`lockMs`). SIGINT/SIGTERM stop the runs and put their jobs back without
 * counting an attempt. Runs until stopped; returns the exit code.
 */
export async function runWorker(opts: WorkerOptions, log: (s: string) => void): Promise<number> {
  const address = parseQueueUrl(opts.queue);
  const me = `${hostname()}:${process.pid}`;
  const active = new Map<string, RunningJob>();
  let stopping: NodeJS.Signals | undefined;

  const process_ = async (job: Job<SweepJobData, SweepJobResult>, token?: string): Promise<SweepJobResult> => {
    const { id, spec } = job.data;
    const running = startRun(spec);
    active.set(job.id as string, running);
    log(
      `${me} ${running.resumed ? 'resumes' : 'starts'} ${id} (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}) in ${spec.dir}`,
    );
    const outcome = await running.done;
    active.delete(job.id as string);
    if (outcome.ok) {
      const finalAccuracy = summaryAccuracy(spec.dir);
      log(`${me} finished ${id}`);
      return { worker: me, ...(finalAccuracy !== undefined ? { finalAccuracy } : {}) };
    }
    if (stopping) {
      // Stopped by this worker, not the run's failure: back on the queue, attempt not counted.
      await job.moveToDelayed(Date.now() + 100, token);
      throw new DelayedError();
    }
    log(`${me} failed ${id}: ${outcome.error}`);
    if (outcome.permanent) throw new UnrecoverableError(outcome.error ?? 'bad config');
    throw new Error(outcome.error ?? 'failed');
  };

  const lockDuration = opts.lockMs ?? 30_000;
  const redis = connect(address);
  redis.on('error', (e) => log(`${me} redis: ${e.message}`));
  const worker = new Worker<SweepJobData, SweepJobResult>(address.name, process_, {
    connection: redis,
    concurrency: opts.jobs ?? 1,
    lockDuration,
    stalledInterval: lockDuration,
    // A job whose worker died is handed on up to this many times before it counts as failed.
    maxStalledCount: 5,
    autorun: false,
  });
  worker.on('error', (e) => log(`${me} queue error: ${e.message}`));
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (s: NodeJS.Signals) => {
      if (stopping) return;
      stopping = s;
      log(`${s}: worker ${me} stopping ${active.size} run${active.size === 1 ? '' : 's'}; their jobs go back on the queue`);
      for (const r of active.values()) r.child.kill('SIGTERM');
      resolve(s);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  log(`worker ${me}: connecting to ${address.display}`);
  await worker.waitUntilReady();
  log(`worker ${me} taking runs from ${address.display} (${opts.jobs ?? 1} at a time)`);
  void worker.run();
  const signal = await stopped;
  // Let the stopped runs' jobs be put back, then leave.
  while (active.size) await new Promise((r) => setTimeout(r, 100));
  await worker.close();
  redis.disconnect();
  return SIGNAL_EXIT[signal] ?? 1;
}
