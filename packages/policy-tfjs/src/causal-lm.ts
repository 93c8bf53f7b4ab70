import type * as tf from '@tensorflow/tfjs';
import type { KernelKVCache } from './kernels/kv-cache-kernel';
import type { ForwardInput, LayerKV, PackedInput } from './transformer';

/**
 * What sampling (`generateBatch`) and scoring (`sequenceLogProbs`) need from a model family: the
 * GPT-style `Transformer` and the Llama-family `LlamaModel` both implement it. Keys and values in
 * caches always have `config.nHeads` heads (grouped-query models repeat their KV heads first).
 */
export interface CausalLM {
  readonly config: {
    readonly vocabSize: number;
    readonly maxContext: number;
    readonly nLayers: number;
    /** Attention heads of the caches (query heads). */
    readonly nHeads: number;
  };
  readonly headDim: number;
  /** Whether attention runs on the wasm SIMD kernels (then sampling uses {@link KernelKVCache}). */
  usesKernel(): boolean;
  /** Full-sequence forward: logits `[B * headCount, V]` and, with `collectKV`, keys/values `[B, H, L, dh]` per layer. */
  forward(input: ForwardInput): { logits: tf.Tensor2D; kv: LayerKV[] };
  /**
   * Optional: the forward pass over packed rows (no padding), logits `[head.length, V]`. Scoring
   * uses it when present and {@link packs} says so.
   */
  forwardPacked?(input: PackedInput): { logits: tf.Tensor2D };
  /** Whether {@link forwardPacked} can run now (e.g. only on the kernel attention path). */
  packs?(): boolean;
  /** One cached step on a tensor KV cache; returns logits `[B, V]` and the grown cache. */
  decodeStep(
    tokens: Int32Array,
    positions: readonly number[],
    cache: readonly LayerKV[],
    keyMask: tf.Tensor4D,
  ): { logits: tf.Tensor2D; cache: LayerKV[] };
  /** One cached step on the kernel KV cache at cache index `t`; returns logits `[B, V]`. */
  decodeStepKernel(tokens: Int32Array, positions: readonly number[], cache: KernelKVCache, t: number): tf.Tensor2D;
  /**
   * Optional: called before a sampling batch (weights fixed until `endSampling`), e.g. to keep a
   * transposed tied head for the decode steps instead of transposing it on every step.
   */
  beginSampling?(): void;
  /** Release what `beginSampling` kept. */
  endSampling?(): void;
}

/**
 * Low-rank adapters a model consults for each projection (see `LoraAdapters`): `project` returns
 * `x W` plus the adapter's update for `module` (e.g. `model.layers.0.self_attn.q_proj`).
 */
export interface ProjectionAdapters {
  has(module: string): boolean;
  project(x: tf.Tensor2D, module: string, W: tf.Tensor2D, training: boolean): tf.Tensor2D;
}
