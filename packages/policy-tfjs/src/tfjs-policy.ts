import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  type GenerationRequest,
  type GenerationResult,
  type LogProbOutput,
  type Policy,
  Rng,
  type SamplingParams,
  type TokenBatch,
  type Tokenizer,
  writeDirAtomic,
} from '@trellis/core';
import { generateBatch, type GenerationRow } from './generate-batch';
import { oneHotFloat } from './layers';
import type { ResolvedModelConfig } from './model-config';
import { readCheckpointConfig } from './read-checkpoint-config';
import { loadTokenizerFromDir, tokenizerFiles } from './tokenizer-files';
import { decodeWeights, encodeWeights } from './weights-codec';
import { Transformer } from './transformer';
import { makeVariables, type WeightMap } from './transformer-weights';

/** Options shared by every {@link TfjsPolicy}. */
export interface TfjsPolicyOptions {
  /** Seed of the policy's own RNG (used when a `generate` call has no `sampling.seed`). */
  readonly seed?: number;
  /** Most rows generated together in one batch (more requests are split into chunks). Default 64. */
  readonly maxBatch?: number;
  /** Frozen policies expose no trainable variables (snapshots). */
  readonly frozen?: boolean;
}

/**
 * The transformer policy on TensorFlow.js. Sampling uses a KV cache; `logProbs` is differentiable
 * in the model's variables. Temperature: behaviour log-probs are `log softmax(logits / T)` at the
 * sampling temperature T (T = 1 for greedy decoding), and `logProbs({ ..., temperature: T })`
 * reproduces them.
 */
export class TfjsPolicy implements Policy {
  readonly maxContext: number;
  readonly model: Transformer;
  private readonly rng: Rng;
  private disposed = false;

  constructor(
    readonly config: ResolvedModelConfig,
    readonly tokenizer: Tokenizer,
    readonly weights: WeightMap,
    private readonly options: TfjsPolicyOptions = {},
  ) {
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new Error(`tokenizer has ${tokenizer.vocabSize} ids but the model only ${config.vocabSize}`);
    }
    this.maxContext = config.maxContext;
    this.model = new Transformer(config, weights);
    this.rng = Rng.fromSeed(options.seed ?? 0).split('policy-sampling');
  }

  /** Sample one completion per request; see {@link generateBatch} for batching and padding. */
  async generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]> {
    this.assertAlive();
    if (!Number.isInteger(sampling.maxNewTokens) || sampling.maxNewTokens < 0) {
      throw new Error(`maxNewTokens must be a non-negative integer, got ${sampling.maxNewTokens}`);
    }
    if (!sampling.greedy && !(sampling.temperature > 0)) throw new Error(`temperature must be > 0, got ${sampling.temperature}`);
    const seed = sampling.seed ?? this.rng.nextUint32();
    const root = Rng.fromSeed(seed).split('generate');
    const rows: GenerationRow[] = requests.map((r, i) => this.row(r, root.split(`request-${i}`)));
    const maxBatch = this.options.maxBatch ?? 64;
    const out: GenerationResult[] = [];
    for (let i = 0; i < rows.length; i += maxBatch) {
      out.push(...generateBatch(this.model, this.tokenizer, rows.slice(i, i + maxBatch), sampling));
      if (i + maxBatch < rows.length) await new Promise((r) => setImmediate(r));
    }
    return out;
  }

  /**
   * Prompt ids as `generate` feeds them: BOS first (when the tokenizer has one), then the prompt,
   * left-truncated to `maxContext - 1` tokens so at least one token can be generated.
   */
  encodePrompt(prompt: string): number[] {
    return this.truncate(this.tokenizer.encode(prompt), 0);
  }

  private truncate(body: readonly number[], prefillLength: number): number[] {
    const bos = this.tokenizer.bosId;
    const room = this.maxContext - 1 - prefillLength - (bos === undefined ? 0 : 1);
    if (room < 0 || (room === 0 && bos === undefined)) {
      throw new Error(`prefill of ${prefillLength} tokens leaves no room in the ${this.maxContext}-token context`);
    }
    const kept = body.length > room ? body.slice(body.length - room) : [...body];
    const ids = bos === undefined ? kept : [bos, ...kept];
    if (ids.length === 0) throw new Error('empty prompt: the tokenizer has no BOS token to start from');
    return ids;
  }

  /** Prompt ids (see `encodePrompt`; truncated further only when a long prefill needs the room). */
  private row(r: GenerationRequest, rng: Rng): GenerationRow {
    const prefillIds = r.prefill ? this.tokenizer.encode(r.prefill) : [];
    return { promptIds: this.truncate(this.tokenizer.encode(r.prompt), prefillIds.length), prefillIds, rng };
  }

  /**
   * Log-probs `[B, T]` of each completion token given its prompt and the preceding completion
   * tokens, at temperature `batch.temperature` (default 1); 0 where `mask` is 0. Rows are
   * left-padded internally so completions align. Every row needs a non-empty prompt and
   * `prompt + completion - 1 <= maxContext` tokens. With `entropy`, also the entropy (nats) of
   * the full tempered next-token distribution at each completion position.
   */
  logProbs(batch: TokenBatch, options?: { readonly entropy?: boolean }): LogProbOutput {
    this.assertAlive();
    const B = batch.promptIds.length;
    if (batch.completionIds.length !== B) throw new Error('logProbs: promptIds and completionIds differ in length');
    const T = batch.temperature ?? 1;
    if (!(T > 0)) throw new Error(`logProbs: temperature must be > 0, got ${T}`);
    const P = Math.max(1, ...batch.promptIds.map((p) => p.length));
    const Tc = Math.max(0, ...batch.completionIds.map((c) => c.length));
    const maskData = new Float32Array(B * Tc);
    const targets = new Int32Array(B * Tc);
    batch.completionIds.forEach((c, b) => {
      const p = batch.promptIds[b] as readonly number[];
      if (p.length === 0) throw new Error(`logProbs: row ${b} has an empty prompt`);
      if (p.length + c.length - 1 > this.maxContext) {
        throw new Error(`logProbs: row ${b} has ${p.length}+${c.length} tokens, more than the ${this.maxContext}-token context allows`);
      }
      for (let j = 0; j < c.length; j++) {
        maskData[b * Tc + j] = 1;
        targets[b * Tc + j] = c[j] as number;
      }
    });
    if (Tc === 0) {
      return {
        logProbs: tf.zeros([B, 0]) as tf.Tensor2D,
        mask: tf.zeros([B, 0]) as tf.Tensor2D,
        ...(options?.entropy ? { entropy: tf.zeros([B, 0]) as tf.Tensor2D } : {}),
      };
    }
    const L = P + Tc - 1;
    const ids = new Int32Array(B * L).fill(this.tokenizer.padId);
    const pads = batch.promptIds.map((p) => P - p.length);
    batch.promptIds.forEach((p, b) => {
      const row = b * L + (pads[b] as number);
      ids.set(p, row);
      const c = (batch.completionIds[b] as readonly number[]).slice(0, Tc - 1);
      ids.set(c, row + p.length);
    });
    return tf.tidy(() => {
      const { logits } = this.model.forward({ ids, pads, length: L, headFrom: P - 1, headCount: Tc });
      const lsm = tf.logSoftmax(T === 1 ? logits : tf.div(logits, T));
      const mask = tf.tensor2d(maskData, [B, Tc]);
      const picked = tf.sum(tf.mul(lsm, oneHotFloat(tf.tensor1d(targets, 'int32'), this.config.vocabSize)), -1);
      const logProbs = tf.mul(tf.reshape(picked, [B, Tc]), mask) as tf.Tensor2D;
      if (!options?.entropy) return { logProbs, mask };
      const ent = tf.neg(tf.sum(tf.mul(tf.exp(lsm), lsm), -1));
      return { logProbs, mask, entropy: tf.mul(tf.reshape(ent, [B, Tc]), mask) as tf.Tensor2D };
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.options.frozen ? [] : [...this.weights.values()];
  }

  /** A frozen deep copy: new non-trainable variables, same tokenizer and config. */
  snapshot(): TfjsPolicy {
    this.assertAlive();
    const values = new Map<string, Float32Array>();
    for (const [name, v] of this.weights) values.set(name, v.dataSync() as Float32Array);
    return new TfjsPolicy(this.config, this.tokenizer, makeVariables(this.config, values, false), { ...this.options, frozen: true });
  }

  /** Copy another policy's weights (same config) into this one's variables, e.g. to refresh an old policy. */
  copyWeightsFrom(other: TfjsPolicy): void {
    this.assertAlive();
    for (const [name, v] of this.weights) {
      const src = other.weights.get(name);
      if (!src || src.shape.join() !== v.shape.join()) throw new Error(`copyWeightsFrom: weight '${name}' missing or of another shape`);
      v.assign(src);
    }
  }

  /** The checkpoint's files: `config.json`, tokenizer file(s), `model.safetensors`. */
  async checkpointFiles(): Promise<Record<string, string | Uint8Array>> {
    this.assertAlive();
    return {
      'config.json': JSON.stringify({ format: 'trellis-transformer', version: 1, model: this.config }, null, 2),
      ...tokenizerFiles(this.tokenizer),
      'model.safetensors': await encodeWeights(this.weights),
    };
  }

  /** Write the checkpoint directory atomically (temporary sibling, fsync, rename). */
  async save(dir: string): Promise<void> {
    await writeDirAtomic(dir, await this.checkpointFiles());
  }

  /**
   * Replace the weights with those of checkpoint `dir` (written by `save`). The checkpoint must
   * have the same model config and tokenizer; otherwise this throws and leaves the weights as
   * they were.
   */
  async load(dir: string): Promise<void> {
    this.assertAlive();
    const config = await readCheckpointConfig(dir);
    if (JSON.stringify(config) !== JSON.stringify(this.config)) {
      throw new Error(`${dir}: checkpoint model config ${JSON.stringify(config)} differs from this policy's ${JSON.stringify(this.config)}`);
    }
    const tokenizer = await loadTokenizerFromDir(dir);
    if (JSON.stringify(tokenizer.toJSON()) !== JSON.stringify(this.tokenizer.toJSON())) {
      throw new Error(`${dir}: checkpoint tokenizer differs from this policy's tokenizer`);
    }
    const path = join(dir, 'model.safetensors');
    const values = decodeWeights(await readFile(path), path, this.config);
    tf.tidy(() => {
      for (const [name, v] of this.weights) v.assign(tf.tensor(values.get(name) as Float32Array, v.shape, 'float32'));
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.weights.values()) v.dispose();
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('this policy has been disposed');
  }
}
