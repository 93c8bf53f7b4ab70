import type { LlamaSaveOptions } from './llama/llama-checkpoint';

/**
 * Default `workerShare`: the main thread also runs the objective, its backward and the optimizer,
 * so the workers take a little under half (0.44 beat 0.5 in four of four and 0.38 in three of three
 * interleaved `pnpm bench:grpo` runs).
 */
export const DEFAULT_WORKER_SHARE = 0.44;

/** Smallest sampling batch that `parallelSampling: 'auto'` splits across the workers. */
export const PARALLEL_SAMPLING_MIN_ROWS = 16;

/** Options shared by every `TfjsPolicy`. */
export interface TfjsPolicyOptions {
  /** Seed of the policy's own RNG (used when a `generate` call has no `sampling.seed`). */
  readonly seed?: number;
  /**
   * Most rows generated together in one batch. Default 64. Requests are also split where their
   * context lengths differ by more than 1.5x (counting `maxNewTokens`), so that short prompts are
   * not padded to a long one's length.
   */
  readonly maxBatch?: number;
  /**
   * Length spread of one generation batch (see `lengthBuckets`). Default 1.5; `Infinity`
   * batches by request order alone, as before length bucketing (the bench compares the two).
   */
  readonly generationSpread?: number;
  /** Frozen policies expose no trainable variables (snapshots). */
  readonly frozen?: boolean;
  /**
   * Extra worker threads, each with its own wasm backend (one core each): once `startWorkers()`
   * has resolved, `logProbs` batches (and, with `parallelSampling`, sampling batches) are split
   * between this thread and the workers. 0 (the default here) keeps everything in this thread.
   * Needs the built worker script (`dist/policy-worker.js`).
   */
  readonly workers?: number;
  /** Smallest slice worth sending to a worker (rows). Default 8. */
  readonly minRowsPerThread?: number;
  /** Fraction of a `logProbs` batch scored by the workers (its tokens when rows are packed, else its rows). Default {@link DEFAULT_WORKER_SHARE}. */
  readonly workerShare?: number;
  /** Split `logProbs` across the workers (default true when `workers > 0`). */
  readonly parallelLogProbs?: boolean;
  /**
   * Split sampling batches across the workers too. `auto` splits batches of at least
   * {@link PARALLEL_SAMPLING_MIN_ROWS} rows: in `pnpm bench:grpo` the quickstart's sampling took
   * 21-27% less time split in two, and splitting its smaller length buckets too (16 rows and up,
   * as `true` does) was faster again in each of five runs (3-30%). Default false (needs `workers > 0`).
   */
  readonly parallelSampling?: boolean | 'auto';
  /** Worker entry script (default: `policy-worker.js` next to the built package entry). */
  readonly workerScript?: string;
  /** Where attention runs (see `Transformer`). Default `auto`: the wasm SIMD kernels on wasm/cpu, tfjs ops elsewhere. */
  readonly attentionKernel?: 'auto' | 'wasm-simd' | 'tfjs';
  /**
   * Turns a task prompt into the text the model reads, e.g. a checkpoint's chat template (one user
   * turn plus the assistant header). Applied by `generate` and `encodePrompt` alike.
   */
  readonly formatPrompt?: (prompt: string) => string;
  /** How a Llama-family policy writes its weights (dtype, shard size). */
  readonly save?: LlamaSaveOptions & {
    /** With LoRA: also write the merged full model (HF layout) next to the adapter. */
    readonly mergeLora?: boolean;
    /** `base_model_name_or_path` written into `adapter_config.json`. */
    readonly baseModel?: string;
  };
}
