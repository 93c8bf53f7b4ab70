import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import type { GenerationResult, SamplingParams, Tokenizer } from '@trellis/core';
import type { GenerationRow } from './generate-batch';
import { HfTokenizer } from './hf-tokenizer';
import type { PolicyModelConfig } from './model-family';
import { ResidentWeights } from './resident-weights';
import {
  type BackwardJob,
  type ForwardJob,
  type GenerateJob,
  WAKE_INDEX,
  type WorkerInit,
  type WorkerReply,
} from './worker-protocol';
import { DEAD_INDEX, WorkerWatchdog } from './worker-watchdog';

/**
 * The worker script shipped next to the built entry (`dist/policy-worker.js`, or `.mjs` in a
 * bundle); undefined when running from sources (vitest), where workers are then not used.
 */
export function defaultWorkerScript(): string | undefined {
  for (const name of ['./policy-worker.js', './policy-worker.mjs']) {
    const path = fileURLToPath(new URL(name, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Tell a worker that may be blocked waiting for its next job that one was posted. */
function wake(s: Slot): void {
  Atomics.add(s.flag, WAKE_INDEX, 1);
  Atomics.notify(s.flag, WAKE_INDEX);
}

interface Pending {
  resolve(results: GenerationResult[]): void;
  reject(e: Error): void;
}

interface Slot {
  readonly worker: Worker;
  /** Main side of the synchronous reply channel. */
  readonly port: MessagePort;
  /**
   * `[0]`: set to 1 by the worker after each synchronous reply; `[DEAD_INDEX]`: set to 1 by the
   * watchdog when the worker's thread has ended; `[WAKE_INDEX]`: bumped by this thread after each
   * job it posts (a worker blocked between a forward and its backward waits on it).
   */
  readonly flag: Int32Array;
}

/**
 * Longest synchronous wait (ms) for a worker that is alive but silent (a dead one is noticed by
 * the watchdog within milliseconds).
 */
const SYNC_TIMEOUT_MS = 600_000;

/**
 * Worker threads, each with its own wasm backend (wasm uses one core per thread in Node).
 * Sampling jobs are asynchronous; `logProbs` shards are synchronous (the main thread blocks with
 * `Atomics.wait` and reads the reply with `receiveMessageOnPort`), since tfjs gradient functions
 * cannot await. Workers are unref'd while idle, so they never keep the process alive.
 */
export class WorkerPool {
  private slots: Slot[] = [];
  private ready: Promise<void> | undefined;
  private started = false;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private busy = 0;
  private readonly watchdog = new WorkerWatchdog();
  /**
   * Backward passes answered by the workers: from the tape the forward left (`held`), or by
   * recomputing the forward (`recomputed`: another job came between a forward and its backward).
   */
  readonly backwards = { held: 0, recomputed: 0 };
  /** Each worker's live tensor count after its last backward pass. */
  readonly workerTensors: number[] = [];
  /** Why the pool stopped working (a worker exited or crashed); later calls should not use it. */
  private failure: Error | undefined;
  /** The weight sets each worker holds (a job ships weights only to a worker that lacks them). */
  private readonly resident: ResidentWeights;

  constructor(
    readonly size: number,
    private readonly script: string,
    private readonly config: PolicyModelConfig,
    private readonly tokenizer: Tokenizer,
  ) {
    this.resident = new ResidentWeights(size);
  }

  /** True once every worker has initialised its backend, and until one of them fails. */
  isReady(): boolean {
    return this.started && !this.failure;
  }

  /** The error that ended this pool (a worker's thread exited or crashed), if any. */
  failed(): Error | undefined {
    return this.failure;
  }

  /** Record the pool's first failure and reject every asynchronous job still waiting. */
  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Start the workers (idempotent); resolves when all are ready. */
  start(): Promise<void> {
    this.ready ??= new Promise<void>((resolve, reject) => {
      let waiting = this.size;
      for (let i = 0; i < this.size; i++) {
        const worker = new Worker(this.script);
        const channel = new MessageChannel();
        const flag = new Int32Array(new SharedArrayBuffer(12));
        const index = i;
        worker.on('message', (reply: WorkerReply) => {
          if (reply.id === -1) {
            if ('error' in reply) reject(new Error(`policy worker failed to start: ${reply.error}`));
            else if (--waiting === 0) {
              this.started = true;
              for (const s of this.slots) s.worker.unref();
              resolve();
            }
            return;
          }
          const p = this.pending.get(reply.id);
          if (!p) return;
          this.pending.delete(reply.id);
          if ('error' in reply) p.reject(new Error(`policy worker: ${reply.error}`));
          else if ('results' in reply) p.resolve(reply.results);
        });
        worker.on('error', (e) => {
          reject(e);
          this.fail(new Error(`policy worker ${index} crashed: ${e.message}`));
        });
        worker.on('exit', (code) => {
          const e = new Error(`policy worker ${index} exited (code ${code})`);
          reject(e);
          if (this.slots.some((s) => s.worker === worker)) this.fail(e);
        });
        const init: WorkerInit = {
          type: 'init',
          config: this.config,
          tokenizer: {
            json: this.tokenizer.toJSON(),
            ...(this.tokenizer instanceof HfTokenizer
              ? { hfConfig: this.tokenizer.configJSON(), generationConfig: this.tokenizer.generationConfigJSON() }
              : {}),
          },
          port: channel.port2,
          flag,
          lifeline: this.watchdog.lifeline(flag),
        };
        worker.postMessage(init, [channel.port2, init.lifeline]);
        this.slots.push({ worker, port: channel.port1, flag });
      }
    });
    return this.ready;
  }

  private slot(i: number): Slot {
    const s = this.slots[i];
    if (!s || !this.started) throw new Error('worker pool not started');
    if (this.failure) throw this.failure;
    return s;
  }

  /**
   * Sample `shares[i]` in worker i while `local` runs in this thread; results in row order (local
   * slice first, then the workers' slices).
   */
  async generate(
    weights: ReadonlyMap<string, tf.Variable>,
    shares: readonly (readonly GenerationRow[])[],
    sampling: SamplingParams,
    local: () => GenerationResult[],
  ): Promise<GenerationResult[]> {
    await this.start();
    if (this.busy++ === 0) for (const s of this.slots) s.worker.ref();
    try {
      const jobs = shares.map(
        (rows, i) =>
          new Promise<GenerationResult[]>((resolve, reject) => {
            const msg: GenerateJob = {
              type: 'generate',
              id: this.nextId++,
              weights: this.resident.ref(i, weights),
              rows: rows.map((r) => ({ promptIds: [...r.promptIds], prefillIds: [...r.prefillIds], rng: r.rng.state() })),
              sampling,
            };
            this.pending.set(msg.id, { resolve, reject });
            const s = this.slot(i);
            s.worker.postMessage(msg);
            wake(s);
          }),
      );
      let mine: GenerationResult[];
      try {
        mine = local();
      } catch (e) {
        await Promise.allSettled(jobs);
        throw e;
      }
      return [...mine, ...(await Promise.all(jobs)).flat()];
    } finally {
      if (--this.busy === 0) for (const s of this.slots) s.worker.unref();
    }
  }

  /** Post a `logProbs` shard to worker `i` (returns at once); collect it with {@link waitReply}. */
  postForward(
    i: number,
    job: Omit<ForwardJob, 'type' | 'id' | 'weights'> & { readonly weights: ReadonlyMap<string, tf.Variable> },
  ): number {
    const id = this.nextId++;
    const s = this.slot(i);
    Atomics.store(s.flag, 0, 0);
    s.worker.postMessage({ type: 'forward', id, ...job, weights: this.resident.ref(i, job.weights) } satisfies ForwardJob);
    wake(s);
    return id;
  }

  /** Ask worker `i` for the gradients of a kept forward job (returns at once). */
  postBackward(i: number, job: Omit<BackwardJob, 'type'>): void {
    const s = this.slot(i);
    Atomics.store(s.flag, 0, 0);
    s.worker.postMessage({ type: 'backward', ...job } satisfies BackwardJob);
    wake(s);
  }

  /** Block until worker `i` answers job `id` synchronously; throws the worker's error. */
  waitReply(i: number, id: number): WorkerReply {
    const s = this.slot(i);
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    for (;;) {
      const got = receiveMessageOnPort(s.port);
      if (got) {
        const reply = got.message as WorkerReply;
        if (reply.id !== id) continue;
        if ('error' in reply) throw new Error(`policy worker: ${reply.error}`);
        if ('grads' in reply) {
          this.backwards[reply.recomputed ? 'recomputed' : 'held']++;
          this.workerTensors[i] = reply.numTensors;
        }
        return reply;
      }
      if (Atomics.load(s.flag, DEAD_INDEX) === 1) {
        this.fail(new Error(`policy worker ${i} stopped (its thread exited or crashed) before answering job ${id}`));
        throw this.failure;
      }
      if (Date.now() > deadline) throw new Error(`policy worker ${i} did not answer job ${id} in time`);
      Atomics.wait(s.flag, 0, 0, 1000);
      Atomics.store(s.flag, 0, 0);
    }
  }

  /** Terminate the workers. */
  async dispose(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    this.ready = undefined;
    this.started = false;
    for (const s of slots) s.port.close();
    await Promise.all(slots.map((s) => s.worker.terminate()));
    await this.watchdog.dispose();
  }
}
