import type { MessagePort } from 'node:worker_threads';
import type { GenerationResult, RngState, SamplingParams } from '@trellis/core';
import type { PolicyModelConfig } from './model-family';

/** How a worker rebuilds the tokenizer: `tokenizer.json` contents plus, for HF, its config. */
export interface TokenizerSpec {
  readonly json: unknown;
  readonly hfConfig?: Record<string, unknown>;
  /** `generation_config.json` of an HF tokenizer (extra EOS ids). */
  readonly generationConfig?: Record<string, unknown>;
}

/** `[name, shape, values]` of every weight, in checkpoint order. */
export type WeightsPayload = [string, number[], Float32Array][];

/**
 * The weights a job runs with. Each worker keeps the last few weight sets it was sent in numbered
 * slots, so `data` comes only when `slot` does not already hold set `key` (see `ResidentWeights`).
 */
export interface WeightsRef {
  readonly slot: number;
  readonly key: number;
  readonly data?: WeightsPayload;
}

/** Index in `WorkerInit.flag` of the job counter the pool bumps after each job it posts. */
export const WAKE_INDEX = 2;

/** First message to a worker; `port` and `flag` carry synchronous replies (see `WorkerPool`). */
export interface WorkerInit {
  readonly type: 'init';
  readonly config: PolicyModelConfig;
  readonly tokenizer: TokenizerSpec;
  readonly port: MessagePort;
  readonly flag: Int32Array;
  /** Held (unused) by the worker; its closing tells the pool's watchdog that the worker is gone. */
  readonly lifeline: MessagePort;
}

/** Sample rows (with their RNG states); answered asynchronously on the worker's parent port. */
export interface GenerateJob {
  readonly type: 'generate';
  readonly id: number;
  readonly weights: WeightsRef;
  readonly rows: { promptIds: number[]; prefillIds: number[]; rng: RngState }[];
  readonly sampling: SamplingParams;
}

/** Score a shard of a `logProbs` batch; answered on the synchronous port. */
export interface ForwardJob {
  readonly type: 'forward';
  readonly id: number;
  readonly weights: WeightsRef;
  readonly promptIds: number[][];
  readonly completionIds: number[][];
  readonly temperature: number;
  readonly entropy: boolean;
  readonly width: number;
  /** Keep the job to answer a later backward (only while a gradient tape records). */
  readonly keep: boolean;
}

/** Gradients of `sum(lp * dLogProbs) + sum(entropy * dEntropy)` for a kept forward job. */
export interface BackwardJob {
  readonly type: 'backward';
  readonly id: number;
  readonly dLogProbs: Float32Array;
  readonly dEntropy?: Float32Array;
}

export type WorkerMessage = WorkerInit | GenerateJob | ForwardJob | BackwardJob;

/** Replies. Init answers with id -1 on the parent port. */
export type WorkerReply =
  | { readonly id: number; readonly results: GenerationResult[] }
  | { readonly id: number; readonly logProbs: Float32Array; readonly entropy?: Float32Array }
  | {
      readonly id: number;
      readonly grads: Float32Array[];
      readonly recomputed: boolean;
      /** The worker's `tf.memory().numTensors` once the gradients are read (tests keep it flat). */
      readonly numTensors: number;
    }
  | { readonly id: number; readonly error: string };
