import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { Rng, type Tokenizer } from '@trellis/core';
import type { CausalLM } from './causal-lm';
import { CharTokenizer } from './char-tokenizer';
import { generateBatch } from './generate-batch';
import { HfTokenizer } from './hf-tokenizer';
import { initBackend } from './init-backend';
import { buildModel, modelParamSpecs } from './model-family';
import { sequenceLogProbs } from './sequence-log-probs';
import type { ForwardJob, WeightsPayload, WorkerInit, WorkerMessage, WorkerReply } from './worker-protocol';

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
  /** Forward jobs kept for their backward pass (a few, most recent last). */
  readonly kept: Map<number, ForwardJob>;
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

function load(s: State, weights: WeightsPayload): void {
  tf.tidy(() => {
    for (const [name, shape, data] of weights) (s.vars.get(name) as tf.Variable).assign(tf.tensor(data, shape));
  });
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

function handle(s: State, msg: Exclude<WorkerMessage, WorkerInit>): void {
  if (msg.type === 'generate') {
    load(s, msg.weights);
    const rows = msg.rows.map((r) => ({ promptIds: r.promptIds, prefillIds: r.prefillIds, rng: Rng.restore(r.rng) }));
    port?.postMessage({ id: msg.id, results: generateBatch(s.model, s.tokenizer, rows, msg.sampling) } satisfies WorkerReply);
    return;
  }
  if (msg.type === 'forward') {
    load(s, msg.weights);
    const out = scores(s, msg);
    const reply = {
      id: msg.id,
      logProbs: out.logProbs.dataSync() as Float32Array,
      ...(out.entropy ? { entropy: out.entropy.dataSync() as Float32Array } : {}),
    };
    tf.dispose([out.logProbs, out.mask, out.entropy as tf.Tensor]);
    if (msg.keep) {
      s.kept.set(msg.id, msg);
      for (const id of s.kept.keys()) if (s.kept.size > 4) s.kept.delete(id);
    }
    replySync(s, reply);
    return;
  }
  const job = s.kept.get(msg.id);
  if (!job) throw new Error(`backward for unknown forward job ${msg.id}`);
  s.kept.delete(msg.id);
  load(s, job.weights);
  const B = job.promptIds.length;
  const vars = [...s.vars.values()];
  const { value, grads } = tf.variableGrads(() => {
    const out = scores(s, job);
    let loss = tf.sum(tf.mul(out.logProbs, tf.tensor2d(msg.dLogProbs, [B, job.width])));
    if (out.entropy && msg.dEntropy) loss = tf.add(loss, tf.sum(tf.mul(out.entropy, tf.tensor2d(msg.dEntropy, [B, job.width]))));
    return loss as tf.Scalar;
  }, vars);
  value.dispose();
  const list = vars.map((v) => {
    const g = grads[v.name];
    return g ? (g.dataSync() as Float32Array) : new Float32Array(v.size);
  });
  tf.dispose(grads);
  replySync(s, { id: msg.id, grads: list });
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
      };
      port.postMessage({ id: -1, results: [] } satisfies WorkerReply);
    } catch (e) {
      port.postMessage({ id: -1, error: (e as Error).stack ?? String(e) } satisfies WorkerReply);
    }
    return;
  }
  const s = state;
  try {
    if (!s) throw new Error('worker used before init');
    handle(s, msg);
  } catch (e) {
    const reply: WorkerReply = { id: msg.id, error: (e as Error).stack ?? String(e) };
    if (msg.type === 'generate' || !s) port.postMessage(reply);
    else replySync(s, reply);
  }
});
