import * as tf from '@tensorflow/tfjs';
import type { LogProbOutput, TokenBatch } from '@trellis/core';
import { packedLogProbs } from './packed-log-probs';
import { tokenLogProbs } from './token-log-probs';
import type { ForwardInput, PackedInput } from './transformer';

/**
 * What {@link sequenceLogProbs} needs of a model: a forward pass and its vocabulary size, and
 * optionally a packed forward (used whenever `packs()` says it runs).
 */
export interface LogProbModel {
  forward(input: ForwardInput): { logits: tf.Tensor2D };
  forwardPacked?(input: PackedInput): { logits: tf.Tensor2D };
  packs?(): boolean;
  readonly config: { readonly vocabSize: number };
}

/** Check a batch against the model's context; returns B and the longest completion T. */
export function checkBatch(batch: TokenBatch, maxContext: number): { B: number; Tc: number } {
  const B = batch.promptIds.length;
  if (batch.completionIds.length !== B) throw new Error('logProbs: promptIds and completionIds differ in length');
  const T = batch.temperature ?? 1;
  if (!(T > 0)) throw new Error(`logProbs: temperature must be > 0, got ${T}`);
  batch.completionIds.forEach((c, b) => {
    const p = batch.promptIds[b] as readonly number[];
    if (p.length === 0) throw new Error(`logProbs: row ${b} has an empty prompt`);
    if (p.length + c.length - 1 > maxContext) {
      throw new Error(`logProbs: row ${b} has ${p.length}+${c.length} tokens, more than the ${maxContext}-token context allows`);
    }
  });
  return { B, Tc: Math.max(0, ...batch.completionIds.map((c) => c.length)) };
}

/** `[B, width]` completion mask (1 on real tokens). */
export function completionMask(batch: TokenBatch, width: number): tf.Tensor2D {
  const B = batch.completionIds.length;
  const data = new Float32Array(B * width);
  batch.completionIds.forEach((c, b) => data.fill(1, b * width, b * width + c.length));
  return tf.tensor2d(data, [B, width]);
}

/**
 * Log-probs (and optionally entropies) of each completion token, `[B, width]` with `width` >= the
 * longest completion (default: equal); logits are divided by `batch.temperature`. Differentiable
 * in the model's weights. The batch must have passed {@link checkBatch}. A model that packs
 * (`packs()`: the GPT family on the kernel attention) scores the rows laid end to end, computing
 * no padding token; otherwise rows are left-padded so that every prompt ends at column P - 1 and
 * completions align.
 */
export function sequenceLogProbs(
  model: LogProbModel,
  padId: number,
  batch: TokenBatch,
  options: { readonly entropy?: boolean; readonly width?: number } = {},
): LogProbOutput {
  const B = batch.promptIds.length;
  const T = batch.temperature ?? 1;
  const Tc = options.width ?? Math.max(0, ...batch.completionIds.map((c) => c.length));
  if (Tc === 0 || B === 0) {
    return {
      logProbs: tf.zeros([B, Tc]) as tf.Tensor2D,
      mask: tf.zeros([B, Tc]) as tf.Tensor2D,
      ...(options.entropy ? { entropy: tf.zeros([B, Tc]) as tf.Tensor2D } : {}),
    };
  }
  if (model.forwardPacked && model.packs?.() && batch.completionIds.some((c) => c.length > 0)) {
    return packedLogProbs(model as Required<LogProbModel>, batch, Tc, completionMask(batch, Tc), options.entropy === true);
  }
  const P = Math.max(1, ...batch.promptIds.map((p) => p.length));
  const targets = new Int32Array(B * Tc);
  batch.completionIds.forEach((c, b) => targets.set(c, b * Tc));
  const L = P + Tc - 1;
  const ids = new Int32Array(B * L).fill(padId);
  const pads = batch.promptIds.map((p) => P - p.length);
  batch.promptIds.forEach((p, b) => {
    const row = b * L + (pads[b] as number);
    ids.set(p, row);
    ids.set((batch.completionIds[b] as readonly number[]).slice(0, Tc - 1), row + p.length);
  });
  return tf.tidy(() => {
    const { logits } = model.forward({ ids, pads, length: L, headFrom: P - 1, headCount: Tc });
    const mask = completionMask(batch, Tc);
    const out = tokenLogProbs(logits, targets, T, options.entropy === true);
    const logProbs = tf.mul(tf.reshape(out.logProbs, [B, Tc]), mask) as tf.Tensor2D;
    if (!out.entropy) return { logProbs, mask };
    return { logProbs, mask, entropy: tf.mul(tf.reshape(out.entropy, [B, Tc]), mask) as tf.Tensor2D };
  });
}
