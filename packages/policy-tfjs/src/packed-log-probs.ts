import * as tf from '@tensorflow/tfjs';
import type { LogProbOutput, TokenBatch } from '@trellis/core';
import { tokenLogProbs } from './token-log-probs';
import type { PackedInput } from './transformer';

/** What the packed scoring path needs of a model (see `CausalLM.forwardPacked`). */
export interface PackedLogProbModel {
  forwardPacked(input: PackedInput): { logits: tf.Tensor2D };
}

/**
 * Row b's tokens as the model reads them (prompt, then every completion token but the last), the
 * token indices whose logits predict the completion, and where each lands in `[B, width]`.
 */
export function packRows(batch: TokenBatch, width: number): PackedInput & { targets: Int32Array; slots: Int32Array } {
  const lengths = batch.promptIds.map((p, b) => {
    const c = (batch.completionIds[b] as readonly number[]).length;
    return c > 0 ? p.length + c - 1 : 0;
  });
  const total = lengths.reduce((a, n) => a + n, 0);
  const M = batch.completionIds.reduce((a, c) => a + c.length, 0);
  const ids = new Int32Array(total);
  const head = new Int32Array(M);
  const targets = new Int32Array(M);
  const slots = new Int32Array(batch.promptIds.length * width).fill(M);
  let at = 0;
  let m = 0;
  batch.promptIds.forEach((p, b) => {
    const c = batch.completionIds[b] as readonly number[];
    if (c.length === 0) return;
    ids.set(p, at);
    ids.set(c.slice(0, c.length - 1), at + p.length);
    for (let j = 0; j < c.length; j++) {
      head[m] = at + p.length - 1 + j;
      targets[m] = c[j] as number;
      slots[b * width + j] = m;
      m++;
    }
    at += lengths[b] as number;
  });
  return { ids, lengths, head, targets, slots };
}

/** `[B, width]` from per-token values `[M]`: slot i takes `values[slots[i]]`, or 0 where `slots[i] === M`. */
function spread(values: tf.Tensor1D, slots: Int32Array, B: number, width: number): tf.Tensor2D {
  const M = values.shape[0];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const v = (args[0] as tf.Tensor).dataSync() as Float32Array;
    const out = new Float32Array(B * width);
    for (let i = 0; i < out.length; i++) if ((slots[i] as number) < M) out[i] = v[slots[i] as number] as number;
    return {
      value: tf.tensor2d(out, [B, width]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = ((Array.isArray(dy) ? dy[0] : dy) as tf.Tensor).dataSync() as Float32Array;
        const back = new Float32Array(M);
        for (let i = 0; i < g.length; i++) if ((slots[i] as number) < M) back[slots[i] as number] = g[i] as number;
        return tf.tensor1d(back);
      },
    };
  });
  return (op as (t: tf.Tensor1D) => tf.Tensor2D)(values);
}

/**
 * `sequenceLogProbs` over packed rows: the same values (up to float rounding) without computing a
 * single padding token; `mask` is the caller's.
 */
export function packedLogProbs(
  model: PackedLogProbModel,
  batch: TokenBatch,
  width: number,
  mask: tf.Tensor2D,
  entropy: boolean,
): LogProbOutput {
  const B = batch.promptIds.length;
  const packed = packRows(batch, width);
  return tf.tidy(() => {
    const { logits } = model.forwardPacked(packed);
    const out = tokenLogProbs(logits, packed.targets, batch.temperature ?? 1, entropy);
    const logProbs = spread(out.logProbs as tf.Tensor1D, packed.slots, B, width);
    if (!out.entropy) return { logProbs, mask };
    return { logProbs, mask, entropy: spread(out.entropy as tf.Tensor1D, packed.slots, B, width) };
  });
}
