import { type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { Rng, type Tokenizer } from '@trellis/core';
import type { CausalLM } from './causal-lm';
import { CharTokenizer } from './char-tokenizer';
import { generateBatch } from './generate-batch';
import { HfTokenizer } from './hf-tokenizer';
import { initBackend } from './init-backend';
import { buildModel, modelParamSpecs } from './model-family';
import { sequenceLogProbs } from './sequence-log-probs';
import {
  type BackwardJob,
  type ForwardJob,
  WAKE_INDEX,
  type WeightsPayload,
  type WeightsRef,
  type WorkerInit,
  type WorkerMessage,
  type WorkerReply,
} from './worker-protocol';

/**
 * Worker-thread entry (started by `WorkerPool`): its own tfjs + wasm backend on one core. It
 * samples slices of generation batches and scores/differentiates shards of `logProbs` batches
 * with the weights sent alongside each job.
 */
const port = parentPort;
if (!port) throw new Error('policy-worker must run in a worker thread');

interface State {
  readonly init: WorkerInit;
  readonly tokenizer: Tokenizer;
  readonly vars: Map<string, tf.Variable>;
  readonly model: CausalLM;
  /** Forward jobs kept for their backward pass, with their weights (a few, most recent last). */
  readonly kept: Map<number, Kept>;
  /** The weight sets the pool sent, by slot (mirrors `ResidentWeights` on the main thread). */
  readonly slots: Weights[];
  /** Key of the set now in `vars`. */
  loaded: number;
}

/** One weight set: its key (equal keys, equal values) and values. */
interface Weights {
  readonly key: number;
  readonly payload: WeightsPayload;
}

interface Kept {
  readonly job: ForwardJob;
  readonly weights: Weights;
}
let state: State | undefined;

function tokenizerOf(spec: WorkerInit['tokenizer']): Tokenizer {
  if ((spec.json as { type?: string }).type === 'char') return CharTokenizer.fromJSON(spec.json);
  return new HfTokenizer(
    spec.json as Record<string, unknown>,
    spec.hfConfig ?? {},
    {},
    spec.generationConfig ? { generationConfig: spec.generationConfig } : {},
  );
}

/** The set `ref` names: the one it carries (stored in its slot) or the one its slot holds. */
function resolve(s: State, ref: WeightsRef): Weights {
  if (ref.data) {
    const w = { key: ref.key, payload: ref.data };
    s.slots[ref.slot] = w;
    return w;
  }
  const w = s.slots[ref.slot];
  if (w?.key !== ref.key) throw new Error(`weights ${ref.key} are not in slot ${ref.slot} (it holds ${w?.key ?? 'nothing'})`);
  return w;
}

/** Put `w` into the model's variables unless they hold it already. */
function load(s: State, w: Weights): void {
  if (s.loaded === w.key) return;
  s.loaded = -1;
  tf.tidy(() => {
    for (const [name, shape, data] of w.payload) (s.vars.get(name) as tf.Variable).assign(tf.tensor(data, shape));
  });
  s.loaded = w.key;
}

function replySync(s: State, reply: WorkerReply): void {
  s.init.port.postMessage(reply);
  Atomics.store(s.init.flag, 0, 1);
  Atomics.notify(s.init.flag, 0);
}

function scores(s: State, job: ForwardJob) {
  return sequenceLogProbs(
    s.model,
    s.tokenizer.padId,
    { promptIds: job.promptIds, completionIds: job.completionIds, temperature: job.temperature },
    { entropy: job.entropy, width: job.width },
  );
}

type Job = Exclude<WorkerMessage, WorkerInit>;

/**
 * How long a worker holds a forward's tape waiting for the main thread's next job. Past it the
 * tape is dropped and the job kept for a recomputing backward, as when another job comes first.
 */
const HOLD_TAPE_MS = 30_000;

/** Thrown out of a held tape when the next job is not its backward. */
const NOT_MINE = new Error("next job is not this forward's backward");

/** The main thread's next job, read synchronously; undefined after `ms` without one. */
function nextJob(s: State, ms: number): Job | undefined {
  const deadline = Date.now() + ms;
  for (;;) {
    const seen = Atomics.load(s.init.flag, WAKE_INDEX);
    const got = receiveMessageOnPort(port as MessagePort);
    if (got) return got.message as Job;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    Atomics.wait(s.init.flag, WAKE_INDEX, seen, Math.min(left, 1000));
  }
}

function keep(s: State, job: ForwardJob, weights: Weights): void {
  s.kept.set(job.id, { job, weights });
  for (const id of s.kept.keys()) if (s.kept.size > 4) s.kept.delete(id);
}

function forwardReply(id: number, out: ReturnType<typeof scores>): WorkerReply {
  return {
    id,
    logProbs: out.logProbs.dataSync() as Float32Array,
    ...(out.entropy ? { entropy: out.entropy.dataSync() as Float32Array } : {}),
  };
}

/** `sum(lp * dLogProbs) + sum(entropy * dEntropy)`, whose gradient the main thread asked for. */
function backwardLoss(out: ReturnType<typeof scores>, msg: BackwardJob, job: ForwardJob): tf.Scalar {
  const shape: [number, number] = [job.promptIds.length, job.width];
  let loss = tf.sum(tf.mul(out.logProbs, tf.tensor2d(msg.dLogProbs, shape)));
  if (out.entropy && msg.dEntropy) loss = tf.add(loss, tf.sum(tf.mul(out.entropy, tf.tensor2d(msg.dEntropy, shape))));
  return loss as tf.Scalar;
}

/** Reply with the weight gradients of `loss`, computed on the tape of `forward`. */
function replyGrads(s: State, id: number, recomputed: boolean, loss: () => tf.Scalar): void {
  const vars = [...s.vars.values()];
  const { value, grads } = tf.variableGrads(loss, vars);
  value.dispose();
  const list = vars.map((v) => {
    const g = grads[v.name];
    return g ? (g.dataSync() as Float32Array) : new Float32Array(v.size);
  });
  tf.dispose(grads);
  replySync(s, { id, grads: list, recomputed, numTensors: tf.memory().numTensors });
}

/** Forward tapes held at once (one per nested `logProbs` call of one minibatch). */
const MAX_HELD = 8;

/** A job that can run on a tape nested inside `job`'s: another taped forward with the same weights. */
function nests(s: State, weights: Weights, next: Job | undefined, depth: number): next is ForwardJob {
  return next?.type === 'forward' && next.keep && depth + 1 < MAX_HELD && resolve(s, next.weights).key === weights.key;
}

/** The backward of a dropped forward that can be recomputed inside `job`'s tape (same weights). */
function recomputesInside(s: State, weights: Weights, next: Job | undefined): next is BackwardJob {
  const kept = next?.type === 'backward' ? s.kept.get(next.id) : undefined;
  return kept !== undefined && kept.weights.key === weights.key;
}

/**
 * Free what a dropped tape saved for its backward. tfjs frees a tape's saved tensors only when an
 * outermost gradient computation returns; one that throws (a dropped tape) would leave them.
 */
function dropTape(): void {
  const engine = tf.engine().state;
  if (engine.gradientDepth > 0 || !engine.activeTape) return;
  for (const node of engine.activeTape) for (const t of node.saved ?? []) t.dispose();
  engine.activeTape = [];
}

/**
 * A forward under the main thread's gradient tape: score on a tape of our own, reply, and wait for
 * the next job. When it is this forward's backward, the gradients come from the held tape without
 * recomputing the forward. When it is another taped forward with the same weights (one minibatch
 * scored in several length bands: one `logProbs` call each), that forward runs on a tape nested in
 * this one, up to {@link MAX_HELD} deep: the main thread asks for the backwards last-first, the
 * nesting's order, so every band is answered from its own tape (past the limit, a band is dropped
 * and recomputed inside the enclosing tape). Anything else (a sampling job, other weights, or
 * nothing for {@link HOLD_TAPE_MS}) drops the tape and keeps the job for a recomputing backward;
 * the job that came is returned to be handled.
 */
function heldForward(s: State, job: ForwardJob, weights: Weights, depth = 0): Job | undefined {
  let next: Job | undefined;
  try {
    replyGrads(s, job.id, false, () => {
      const out = scores(s, job);
      replySync(s, forwardReply(job.id, out));
      next = nextJob(s, HOLD_TAPE_MS);
      while (next?.type !== 'backward' || next.id !== job.id) {
        if (nests(s, weights, next, depth))
          next = answering(s, next, () => heldForward(s, next as ForwardJob, weights, depth + 1));
        else if (recomputesInside(s, weights, next)) next = answering(s, next, () => recompute(s, next as BackwardJob));
        else throw NOT_MINE;
        next ??= nextJob(s, HOLD_TAPE_MS);
      }
      const back = next;
      next = undefined;
      return backwardLoss(out, back, job);
    });
  } catch (e) {
    if (e !== NOT_MINE) throw e;
    keep(s, job, weights);
    dropTape();
  }
  return next;
}

/** Run `work` for `msg` inside another job's tape; a failure is answered under `msg`'s own id. */
function answering(s: State, msg: Job, work: () => Job | undefined): Job | undefined {
  try {
    return work();
  } catch (e) {
    replySync(s, { id: msg.id, error: (e as Error).stack ?? String(e) });
    return undefined;
  }
}

/** The backward of a forward whose tape was dropped: recompute the forward on a new tape. */
function recompute(s: State, msg: BackwardJob): undefined {
  const kept = s.kept.get(msg.id);
  if (!kept) throw new Error(`backward for unknown forward job ${msg.id}`);
  s.kept.delete(msg.id);
  const job = kept.job;
  load(s, kept.weights);
  replyGrads(s, msg.id, true, () => backwardLoss(scores(s, job), msg, job));
  return undefined;
}

/** Run one job; returns a job that arrived meanwhile and still has to run (see {@link heldForward}). */
function handle(s: State, msg: Job): Job | undefined {
  if (msg.type === 'generate') {
    load(s, resolve(s, msg.weights));
    const rows = msg.rows.map((r) => ({ promptIds: r.promptIds, prefillIds: r.prefillIds, rng: Rng.restore(r.rng) }));
    port?.postMessage({ id: msg.id, results: generateBatch(s.model, s.tokenizer, rows, msg.sampling) } satisfies WorkerReply);
    return undefined;
  }
  if (msg.type === 'forward') {
    const weights = resolve(s, msg.weights);
    load(s, weights);
    if (msg.keep) return heldForward(s, msg, weights);
    const out = scores(s, msg);
    const reply = forwardReply(msg.id, out);
    tf.dispose([out.logProbs, out.mask, out.entropy as tf.Tensor]);
    replySync(s, reply);
    return undefined;
  }
  return recompute(s, msg);
}

port.on('message', async (msg: WorkerMessage) => {
  if (msg.type === 'init') {
    try {
      await initBackend('wasm');
      const vars = new Map(
        modelParamSpecs(msg.config).map((spec) => [spec.name, tf.variable(tf.zeros(spec.shape as number[]), true)] as const),
      );
      state = {
        init: msg,
        tokenizer: tokenizerOf(msg.tokenizer),
        vars,
        model: buildModel(msg.config, vars, 'auto'),
        kept: new Map(),
        slots: [],
        loaded: -1,
      };
      port.postMessage({ id: -1, results: [] } satisfies WorkerReply);
    } catch (e) {
      port.postMessage({ id: -1, error: (e as Error).stack ?? String(e) } satisfies WorkerReply);
    }
    return;
  }
  const s = state;
  let job: Job | undefined = msg;
  while (job) {
    const current: Job = job;
    job = undefined;
    try {
      if (!s) throw new Error('worker used before init');
      job = handle(s, current);
    } catch (e) {
      const reply: WorkerReply = { id: current.id, error: (e as Error).stack ?? String(e) };
      if (current.type === 'generate' || !s) port.postMessage(reply);
      else replySync(s, reply);
    }
  }
});
