import { availableParallelism } from 'node:os';
import { inject, injectable, type Tokenizer, Tokens, z } from '@trellis/core';
import { CharTokenizer, DEFAULT_ALPHABET } from './char-tokenizer';
import { createPolicy, loadPolicy } from './create-policy';
import { HfTokenizer } from './hf-tokenizer';
import { BACKEND_NAMES, type ConcreteBackend, initBackend } from './init-backend';
import { ModelConfig } from './model-config';
import { PolicyFacade } from './policy-facade';
import { DEFAULT_WORKER_SHARE } from './tfjs-policy-options';

/** Options of the `policy: transformer` catalog entry. */
export const transformerPolicyOptions = z
  .object({
    /**
     * Checkpoint directory to load (relative to the config file that sets it). Config, tokenizer and weights
     * come from it: the resolved options show its `model` and `tokenizer`, and a `model` or
     * `tokenizer` key the config sets must agree with it (else a config error).
     */
    checkpoint: z.string().optional(),
    /** Model shape for a fresh, seeded initialisation when no checkpoint is given. */
    model: ModelConfig.default(ModelConfig.parse({})),
    /** Tokenizer for a fresh model: char-level over `alphabet`, or a local HF `tokenizer.json`. */
    tokenizer: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('char'), alphabet: z.string().min(1).default(DEFAULT_ALPHABET) }).strict(),
        z
          .object({
            type: z.literal('hf'),
            /** Path of a local `tokenizer.json` (relative to the config file that sets it). */
            path: z.string(),
            bos: z.string().nullable().optional(),
            eos: z.string().optional(),
            pad: z.string().optional(),
          })
          .strict(),
      ])
      .default({ type: 'char', alphabet: DEFAULT_ALPHABET }),
    /** TensorFlow.js backend; `auto` picks the best available (tensorflow-gpu, tensorflow, webgpu, wasm, cpu). */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /** Seed of the initial weights and of sampling calls that bring no seed. */
    seed: z.number().int().default(0),
    /** Most sequences sampled together in one batch. */
    maxBatch: z.number().int().positive().default(64),
    /**
     * Extra worker threads (each its own wasm backend, one core) for data-parallel `logProbs`
     * (training). `auto`: one less than the available cores, at most 1, on the wasm backend only.
     */
    workers: z.union([z.literal('auto'), z.number().int().min(0)]).default('auto'),
    /**
     * Also split sampling batches across the workers: `auto` for batches of at least 16 rows (the
     * quickstart's sampling took 21-27% less time split in two), or always / never.
     */
    parallelSampling: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    /** Fraction of each `logProbs` batch given to the workers (they keep their forward's tape for the backward). */
    workerShare: z.number().gt(0).lt(1).default(DEFAULT_WORKER_SHARE),
  })
  .strict();

export type TransformerPolicyOptions = z.output<typeof transformerPolicyOptions>;

/**
 * Catalog service for `policy: transformer`: selects the backend and loads or initialises a
 * {@link TfjsPolicy} in `init()`, then delegates the `Policy` contract to it.
 */
@injectable()
export class TransformerPolicyService extends PolicyFacade {
  /** The backend actually in use after `init()`. */
  backend: ConcreteBackend | undefined;

  constructor(@inject(Tokens.ChoiceOptions) private readonly options: TransformerPolicyOptions) {
    super();
  }

  override async init(): Promise<void> {
    const o = transformerPolicyOptions.parse(this.options);
    this.backend = await initBackend(o.backend);
    const workers =
      o.workers === 'auto' ? (this.backend === 'wasm' ? Math.min(1, Math.max(0, availableParallelism() - 1)) : 0) : o.workers;
    const policyOptions = {
      seed: o.seed,
      maxBatch: o.maxBatch,
      workers,
      parallelSampling: o.parallelSampling,
      workerShare: o.workerShare,
    };
    if (o.checkpoint) {
      this.inner = await loadPolicy(o.checkpoint, policyOptions);
      await this.inner.startWorkers();
      return;
    }
    const tokenizer: Tokenizer =
      o.tokenizer.type === 'char'
        ? new CharTokenizer(o.tokenizer.alphabet)
        : await HfTokenizer.fromFile(o.tokenizer.path, {
            ...(o.tokenizer.bos !== undefined ? { bos: o.tokenizer.bos } : {}),
            ...(o.tokenizer.eos !== undefined ? { eos: o.tokenizer.eos } : {}),
            ...(o.tokenizer.pad !== undefined ? { pad: o.tokenizer.pad } : {}),
          });
    this.inner = createPolicy(o.model, tokenizer, policyOptions);
    await this.inner.startWorkers();
  }
}
