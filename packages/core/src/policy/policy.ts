import type { Scalar, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { GenerationRequest, GenerationResult, SamplingParams } from '../records/generation';
import type { Tokenizer } from '../tokenizer/tokenizer';

/**
 * Token sequences to score. Row i is `promptIds[i]` followed by `completionIds[i]`; log-probs are
 * returned for completion positions only, left-aligned and right-padded to the longest completion.
 */
export interface TokenBatch {
  readonly promptIds: readonly (readonly number[])[];
  readonly completionIds: readonly (readonly number[])[];
  /** Temperature the behaviour log-probs were taken at (default 1). Logits are divided by it. */
  readonly temperature?: number;
}

/** Output of `Policy.logProbs`. All tensors are `[B, T]`, T = longest completion in the batch. */
export interface LogProbOutput {
  /** log pi(o_t | prompt, o_<t), natural log; 0 where `mask` is 0. Differentiable. */
  readonly logProbs: Tensor2D;
  /** 1 for real completion tokens, 0 for padding. */
  readonly mask: Tensor2D;
  /** Per-token entropy of the full next-token distribution (nats), when requested. */
  readonly entropy?: Tensor2D;
}

/** A language-model policy: samples completions and scores tokens differentiably. */
export interface Policy {
  readonly tokenizer: Tokenizer;
  /** Longest prompt + completion length (tokens) the model accepts. */
  readonly maxContext: number;
  /** Token ids of a prompt exactly as `generate` feeds it to the model (BOS included when used). */
  encodePrompt(prompt: string): number[];
  /**
   * Sample one completion per request (batched internally). Deterministic for a fixed
   * `sampling.seed`. Returns results in request order.
   */
  generate(requests: readonly GenerationRequest[], sampling: SamplingParams): Promise<GenerationResult[]>;
  /**
   * Per-token log-probs of `batch` completions, `[B, T]`, usable inside `tf.variableGrads`.
   * The caller owns (and disposes) the returned tensors.
   */
  logProbs(batch: TokenBatch, options?: { readonly entropy?: boolean }): LogProbOutput;
  /**
   * Optional: true when `logProbs` computes only each row's own tokens (packed rows, no padding),
   * so rows of any lengths may share one call. Otherwise (absent or false) every row of a call is
   * padded to its longest, and the trainer groups rows of similar lengths (`SCORING_SPREAD`).
   */
  readonly packsRows?: boolean;
  /** The variables an optimizer should update. */
  trainableVariables(): Variable[];
  /** A frozen copy (reference or old policy) sharing no variables with this one. */
  snapshot(): Policy;
  /** Write a checkpoint directory atomically (config, tokenizer, weights). */
  save(dir: string): Promise<void>;
  /**
   * Replace this policy's weights with those of a checkpoint written by `save` (same architecture
   * and tokenizer; throws a clear error otherwise). Used to resume a run.
   */
  load(dir: string): Promise<void>;
  /** Free all tensors held by this policy. */
  dispose(): void;
}

/** A scalar loss with named scalar metrics, all owned by the caller. */
export interface LossWithMetrics {
  readonly loss: Scalar;
  readonly metrics: Record<string, Scalar>;
}
