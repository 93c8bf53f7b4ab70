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
import type { CausalLM } from './causal-lm';
import { type GenerationRow, generateBatch } from './generate-batch';
import { lengthBuckets } from './length-buckets';
import { llamaCheckpointFiles, loadLlamaWeights, readLlamaConfig } from './llama/llama-checkpoint';
import { LoraAdapters } from './lora/lora-adapters';
import { decodePeftFiles, encodePeftFiles } from './lora/peft-files';
import { buildModel, isLlamaConfig, modelParamSpecs, type PolicyModelConfig } from './model-family';
import { parallelLogProbs } from './parallel-log-probs';
import { readCheckpointConfig } from './read-checkpoint-config';
import { checkBatch, sequenceLogProbs } from './sequence-log-probs';
import { DEFAULT_WORKER_SHARE, PARALLEL_SAMPLING_MIN_ROWS, type TfjsPolicyOptions } from './tfjs-policy-options';
import { loadTokenizerFromDir, tokenizerFiles } from './tokenizer-files';
import { makeVariablesFromSpecs, type WeightMap } from './transformer-weights';
import { decodeWeights, encodeWeights } from './weights-codec';
import { defaultWorkerScript, WorkerPool } from './worker-pool';

export { DEFAULT_WORKER_SHARE, PARALLEL_SAMPLING_MIN_ROWS, type TfjsPolicyOptions } from './tfjs-policy-options';

/**
 * The transformer policy on TensorFlow.js. Sampling uses a KV cache; `logProbs` is differentiable
 * in the model's variables. Temperature: behaviour log-probs are `log softmax(logits / T)` at the
 * sampling temperature T (T = 1 for greedy decoding), and `logProbs({ ..., temperature: T })`
 * reproduces them.
 */
export class TfjsPolicy implements Policy {
  readonly maxContext: number;
  readonly model: CausalLM;
  private readonly rng: Rng;
  private disposed = false;
  private pool: WorkerPool | undefined;
  /** A pool borrowed from the policy this one was snapshotted from (not disposed with this one). */
  private sharedPool: WorkerPool | undefined;

  /** Whether `weights` belong to another policy (a LoRA snapshot shares its frozen base). */
  private sharesWeights = false;

  /**
   * @param lora low-rank adapters (Llama family): then only the adapters train, and snapshots
   *   share the frozen base weights instead of copying them.
   */
  constructor(
    readonly config: PolicyModelConfig,
    readonly tokenizer: Tokenizer,
    readonly weights: WeightMap,
    private readonly options: TfjsPolicyOptions = {},
    readonly lora?: LoraAdapters,
  ) {
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new Error(`tokenizer has ${tokenizer.vocabSize} ids but the model only ${config.vocabSize}`);
    }
    if (lora && (options.workers ?? 0) > 0) throw new Error('LoRA policies run without worker threads (set workers: 0)');
    this.maxContext = config.maxContext;
    this.model = buildModel(config, weights, options.attentionKernel ?? 'auto', lora);
    this.rng = Rng.fromSeed(options.seed ?? 0).split('policy-sampling');
  }

  /**
   * Sample one completion per request, in request order. Requests are batched by length
   * ({@link lengthBuckets}: at most `maxBatch` rows, similar context lengths) and each batch is
   * generated as in {@link generateBatch}; a row's result does not depend on which rows share its
   * batch (its random stream is its own: the request's `seed`, or the call's seed and its index).
   */
  async generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]> {
    this.assertAlive();
    if (!Number.isInteger(sampling.maxNewTokens) || sampling.maxNewTokens < 0) {
      throw new Error(`maxNewTokens must be a non-negative integer, got ${sampling.maxNewTokens}`);
    }
    if (!sampling.greedy && !(sampling.temperature > 0)) throw new Error(`temperature must be > 0, got ${sampling.temperature}`);
    const seed = sampling.seed ?? this.rng.nextUint32();
    const root = Rng.fromSeed(seed).split('generate');
    const bos = this.tokenizer.bosId === undefined ? 0 : 1;
    const cut: number[] = [];
    const rows: GenerationRow[] = requests.map((r, i) => {
      const body = this.tokenizer.encode(this.promptText(r.prompt));
      const row = this.row(
        r,
        body,
        r.seed !== undefined ? Rng.fromSeed(r.seed).split('generate-request') : root.split(`request-${i}`),
      );
      // Prompt tokens cut from the left to fit the context: reported, never silent.
      cut.push(body.length + bos - row.promptIds.length);
      return row;
    });
    const buckets = lengthBuckets(
      rows.map((r) => r.promptIds.length + r.prefillIds.length),
      this.options.maxBatch ?? 64,
      sampling.maxNewTokens,
      this.options.generationSpread,
    );
    const out: GenerationResult[] = new Array(rows.length);
    for (const [k, bucket] of buckets.entries()) {
      const results = await this.generateChunk(
        bucket.map((i) => rows[i] as GenerationRow),
        sampling,
      );
      bucket.forEach((i, j) => {
        out[i] = { ...(results[j] as GenerationResult), promptTruncated: cut[i] ?? 0 };
      });
      if (k + 1 < buckets.length) await new Promise((r) => setImmediate(r));
    }
    return out;
  }

  /** One batch: in-process, or split between this thread and the sampling workers. */
  private async generateChunk(rows: GenerationRow[], sampling: SamplingParams): Promise<GenerationResult[]> {
    const split = this.options.parallelSampling;
    const wanted = split === true || (split === 'auto' && rows.length >= PARALLEL_SAMPLING_MIN_ROWS);
    const pool = wanted ? this.workerPool() : undefined;
    const threads = pool ? Math.min(pool.size + 1, Math.floor(rows.length / (this.options.minRowsPerThread ?? 8))) : 1;
    if (!pool || threads < 2) return generateBatch(this.model, this.tokenizer, rows, sampling);
    const parts: GenerationRow[][] = [];
    for (let t = 0, at = 0; t < threads; t++) {
      const n = Math.floor(rows.length / threads) + (t < rows.length % threads ? 1 : 0);
      parts.push(rows.slice(at, at + n));
      at += n;
    }
    const [mine, ...theirs] = parts as [GenerationRow[], ...GenerationRow[][]];
    return pool.generate(this.weights, theirs, sampling, () => generateBatch(this.model, this.tokenizer, mine, sampling));
  }

  /**
   * The worker pool (created on first use) when `workers > 0` and the worker script exists; none
   * once a worker of it has died (the call that saw it failed, later calls run in this thread).
   */
  private workerPool(): WorkerPool | undefined {
    const n = this.options.workers ?? 0;
    if (n <= 0) return undefined;
    if (this.sharedPool) return this.sharedPool.failed() ? undefined : this.sharedPool;
    if (this.pool?.failed()) return undefined;
    if (!this.pool) {
      const script = this.options.workerScript ?? defaultWorkerScript();
      if (!script) return undefined;
      this.pool = new WorkerPool(n, script, this.config, this.tokenizer);
    }
    return this.pool;
  }

  /**
   * Start the worker threads (`workers > 0`) so that `logProbs`, which is synchronous, can use
   * them; sampling starts them by itself. Resolves to the number of workers running.
   */
  async startWorkers(): Promise<number> {
    const pool = this.workerPool();
    if (!pool) return 0;
    await pool.start();
    return pool.size;
  }

  /**
   * Prompt ids as `generate` feeds them: BOS first (when the tokenizer has one), then the prompt,
   * left-truncated to `maxContext` tokens in all. Generation stops with `length` once
   * prompt + completion reaches `maxContext + 1` tokens (the last sampled token is never fed).
   */
  encodePrompt(prompt: string): number[] {
    return this.truncate(this.tokenizer.encode(this.promptText(prompt)), 0);
  }

  /** The text the model reads for a task prompt (see `formatPrompt`). */
  promptText(prompt: string): string {
    return this.options.formatPrompt ? this.options.formatPrompt(prompt) : prompt;
  }

  private truncate(body: readonly number[], prefillLength: number): number[] {
    const bos = this.tokenizer.bosId;
    const room = this.maxContext - prefillLength - (bos === undefined ? 0 : 1);
    if (room < 0 || (room === 0 && bos === undefined)) {
      throw new Error(`prefill of ${prefillLength} tokens leaves no room in the ${this.maxContext}-token context`);
    }
    // A chat template may write the BOS token itself: never add a second one.
    const own = bos !== undefined && body[0] === bos;
    const text = own ? body.slice(1) : body;
    const kept = text.length > room ? text.slice(text.length - room) : [...text];
    const ids = bos === undefined ? kept : [bos, ...kept];
    if (ids.length === 0) throw new Error('empty prompt: the tokenizer has no BOS token to start from');
    return ids;
  }

  /** Prompt ids (see `encodePrompt`; truncated further only when a long prefill needs the room). */
  private row(r: GenerationRequest, body: readonly number[], rng: Rng): GenerationRow {
    const prefillIds = r.prefill ? this.tokenizer.encode(r.prefill) : [];
    return { promptIds: this.truncate(body, prefillIds.length), prefillIds, rng };
  }

  /**
   * Log-probs `[B, T]` of each completion token given its prompt and the preceding completion
   * tokens, at temperature `batch.temperature` (default 1); 0 where `mask` is 0. Rows are
   * left-padded internally so completions align. Every row needs a non-empty prompt and
   * `prompt + completion - 1 <= maxContext` tokens. With `entropy`, also the entropy (nats) of
   * the full tempered next-token distribution at each completion position.
   */
  /** True where scoring packs rows (the GPT family on the kernel attention): no padding computed. */
  get packsRows(): boolean {
    return this.model.packs?.() ?? false;
  }

  logProbs(batch: TokenBatch, options?: { readonly entropy?: boolean }): LogProbOutput {
    this.assertAlive();
    const { B, Tc } = checkBatch(batch, this.maxContext);
    const pool = this.pool ?? this.sharedPool;
    const minRows = this.options.minRowsPerThread ?? 8;
    if (pool?.isReady() && Tc > 0 && B >= 2 * minRows && this.options.parallelLogProbs !== false) {
      return parallelLogProbs(this, pool, batch, Tc, this.options.workerShare ?? DEFAULT_WORKER_SHARE, options?.entropy ?? false);
    }
    return sequenceLogProbs(this.model, this.tokenizer.padId, batch, options);
  }

  trainableVariables(): tf.Variable[] {
    if (this.options.frozen) return [];
    return this.lora ? this.lora.variables() : [...this.weights.values()];
  }

  /**
   * A frozen copy with the same tokenizer and config: new non-trainable variables, or, with LoRA,
   * a copy of the adapters over the same (frozen, never trained) base weights.
   */
  snapshot(): TfjsPolicy {
    this.assertAlive();
    if (this.lora) {
      const copy = new TfjsPolicy(
        this.config,
        this.tokenizer,
        this.weights,
        { ...this.options, frozen: true },
        this.lora.snapshot(),
      );
      copy.sharesWeights = true;
      return copy;
    }
    const values = new Map<string, Float32Array>();
    for (const [name, v] of this.weights) values.set(name, v.dataSync() as Float32Array);
    const specs = modelParamSpecs(this.config);
    const copy = new TfjsPolicy(this.config, this.tokenizer, makeVariablesFromSpecs(specs, values, false), {
      ...this.options,
      frozen: true,
    });
    copy.sharedPool = this.workerPool();
    return copy;
  }

  /** Copy another policy's weights (same config) into this one's variables, e.g. to refresh an old policy. */
  copyWeightsFrom(other: TfjsPolicy): void {
    this.assertAlive();
    if (this.lora || other.lora) {
      if (!this.lora || !other.lora) throw new Error('copyWeightsFrom: one policy has LoRA adapters and the other none');
      this.lora.copyFrom(other.lora);
      return;
    }
    for (const [name, v] of this.weights) {
      const src = other.weights.get(name);
      if (!src || src.shape.join() !== v.shape.join())
        throw new Error(`copyWeightsFrom: weight '${name}' missing or of another shape`);
      v.assign(src);
    }
  }

  /** The checkpoint's files: `config.json`, tokenizer file(s), `model.safetensors`. */
  async checkpointFiles(): Promise<Record<string, string | Uint8Array>> {
    this.assertAlive();
    if (isLlamaConfig(this.config)) return this.llamaFiles();
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
    if (isLlamaConfig(this.config)) return this.loadLlama(dir);
    const config = await readCheckpointConfig(dir);
    if (JSON.stringify(config) !== JSON.stringify(this.config)) {
      throw new Error(
        `${dir}: checkpoint model config ${JSON.stringify(config)} differs from this policy's ${JSON.stringify(this.config)}`,
      );
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

  /**
   * Llama family: the HF layout (`config.json`, tokenizer files, safetensors); with LoRA the PEFT
   * adapter (`adapter_config.json`, `adapter_model.safetensors`) plus the tokenizer, and the merged
   * full model too when `save.mergeLora` is set.
   */
  private llamaFiles(): Record<string, string | Uint8Array> {
    const config = this.config as Extract<PolicyModelConfig, { family: 'llama' }>;
    const save = this.options.save ?? {};
    if (!this.lora) {
      const values = new Map([...this.weights].map(([n, v]) => [n, v.dataSync() as Float32Array] as const));
      return llamaCheckpointFiles(config, values, this.tokenizer, save);
    }
    const adapter = encodePeftFiles(this.lora, this.lora.config, {
      modelType: config.hf.modelType,
      ...(save.baseModel ? { baseModel: save.baseModel } : {}),
    });
    if (!save.mergeLora) return { ...tokenizerFiles(this.tokenizer), ...adapter };
    return { ...llamaCheckpointFiles(config, this.lora.merged(this.weights), this.tokenizer, save), ...adapter };
  }

  /** Llama family: load the HF weights (or, with LoRA, the adapter) of `dir` in place. */
  private async loadLlama(dir: string): Promise<void> {
    if (this.lora) {
      const { values } = await decodePeftFiles(dir, this.weights);
      const loaded = new LoraAdapters(this.weights, this.lora.config, 0, values);
      try {
        this.lora.copyFrom(loaded);
      } finally {
        loaded.dispose();
      }
      return;
    }
    const config = await readLlamaConfig(dir, this.config.maxContext);
    if (JSON.stringify(config.hf) !== JSON.stringify((this.config as { hf: unknown }).hf)) {
      throw new Error(`${dir}: checkpoint config.json describes another model than this policy's`);
    }
    const values = await loadLlamaWeights(dir, config);
    tf.tidy(() => {
      for (const [name, v] of this.weights) v.assign(tf.tensor(values.get(name) as Float32Array, v.shape, 'float32'));
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.pool?.dispose();
    this.lora?.dispose();
    if (!this.sharesWeights) for (const v of this.weights.values()) v.dispose();
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('this policy has been disposed');
  }
}
