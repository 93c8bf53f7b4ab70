import * as tf from '@tensorflow/tfjs';
import type { LogProbOutput, TokenBatch } from '@trellis/core';
import { recordingGradients } from './layers';
import { completionMask, sequenceLogProbs } from './sequence-log-probs';
import type { TfjsPolicy } from './tfjs-policy';
import type { WorkerPool } from './worker-pool';
import type { WorkerReply } from './worker-protocol';

/**
 * Row boundaries of the shards: this thread takes rows `0 .. at[0]`, worker i rows
 * `at[i] .. at[i + 1]`. Shards are contiguous (a scoring band's rows come sorted by length, so each
 * shard stays tight). With `packed` scoring a row costs its own length, so shards are balanced by
 * tokens (an equal row split would hand the workers the longer half); padded rows all cost the
 * same, so then by rows. Workers get `workerShare` of the cost between them; every shard has at
 * least one row.
 */
export function shardBounds(batch: TokenBatch, workers: number, workerShare: number, packed: boolean): number[] {
  const B = batch.promptIds.length;
  const cost = batch.promptIds.map((p, b) => (packed ? p.length + (batch.completionIds[b] as readonly number[]).length : 1));
  const total = cost.reduce((a, c) => a + c, 0);
  const at: number[] = [];
  let row = 0;
  let sum = 0;
  for (let i = 0; i <= workers; i++) {
    if (i === workers) {
      at.push(B);
      break;
    }
    const target = total * (1 - workerShare + (i * workerShare) / workers);
    const minRow = row + 1;
    const maxRow = B - (workers - i);
    while (row < maxRow && (row < minRow || sum + (cost[row] as number) / 2 < target)) sum += cost[row++] as number;
    at.push(row);
  }
  return at;
}

function rows(batch: TokenBatch, from: number, to: number): TokenBatch {
  return {
    promptIds: batch.promptIds.slice(from, to),
    completionIds: batch.completionIds.slice(from, to),
    ...(batch.temperature !== undefined ? { temperature: batch.temperature } : {}),
  };
}

/**
 * Data-parallel `logProbs`: the first rows are scored in this thread (on the tape as usual), the
 * rest by the pool's workers. Two custom-gradient ops place the workers on the tape:
 *
 * - `collect`, recorded first (so its gradient runs last): its forward returns a dummy scalar; its
 *   gradient waits for the workers' weight gradients and returns them.
 * - `receive`, recorded after this thread's shard (so its gradient runs first): its forward waits
 *   for the workers' log-probs; its gradient sends them `d loss / d log-probs` and returns at once.
 *
 * So the workers' backward passes overlap this thread's own. A worker answers from the tape its
 * forward left when the backward is its next job, else it recomputes the forward (policy-worker.ts).
 * Values and gradients equal the single-thread computation up to float rounding.
 */
export function parallelLogProbs(
  policy: TfjsPolicy,
  pool: WorkerPool,
  batch: TokenBatch,
  width: number,
  workerShare: number,
  entropy: boolean,
): LogProbOutput {
  const B = batch.promptIds.length;
  const n = pool.size;
  const at = shardBounds(batch, n, workerShare, policy.model.packs?.() ?? false);
  const mainRows = at[0] as number;
  const theirRows = B - mainRows;
  const keep = recordingGradients();
  const variables = [...policy.weights.values()];
  const shard = (i: number) => rows(batch, at[i] as number, at[i + 1] as number);
  const ids = Array.from({ length: n }, (_, i) => {
    const s = shard(i);
    return pool.postForward(i, {
      weights: policy.weights,
      promptIds: s.promptIds.map((p) => [...p]),
      completionIds: s.completionIds.map((c) => [...c]),
      temperature: batch.temperature ?? 1,
      entropy,
      width,
      keep,
    });
  });

  const collect = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const vars = args.slice(0, variables.length) as tf.Tensor[];
    return {
      value: tf.scalar(0),
      gradFunc: () => {
        const total = vars.map((v) => new Float32Array(v.size));
        ids.forEach((id, i) => {
          const reply = pool.waitReply(i, id) as Extract<WorkerReply, { grads: Float32Array[] }>;
          reply.grads.forEach((g, k) => {
            const t = total[k] as Float32Array;
            for (let j = 0; j < g.length; j++) t[j] = (t[j] as number) + (g[j] as number);
          });
        });
        return vars.map((v, k) => tf.tensor(total[k] as Float32Array, v.shape));
      },
    };
  });

  const receive = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const dummy = args[0] as tf.Tensor;
    const lp: Float32Array[] = [];
    const ent: Float32Array[] = [];
    ids.forEach((id, i) => {
      const reply = pool.waitReply(i, id) as Extract<WorkerReply, { logProbs: Float32Array }>;
      lp.push(reply.logProbs);
      if (reply.entropy) ent.push(reply.entropy);
    });
    const size = theirRows * width;
    const offset = (i: number) => ((at[i] as number) - mainRows) * width;
    const packed = new Float32Array(size * (entropy ? 2 : 1));
    lp.forEach((p, i) => packed.set(p, offset(i)));
    ent.forEach((p, i) => packed.set(p, size + offset(i)));
    return {
      value: tf.tensor3d(packed, [entropy ? 2 : 1, theirRows, width]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const all = (Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy).dataSync() as Float32Array;
        const dLp = all.subarray(0, size);
        const dEnt = entropy ? all.subarray(size, 2 * size) : undefined;
        ids.forEach((id, i) => {
          const span = [offset(i), offset(i + 1)] as const;
          pool.postBackward(i, { id, dLogProbs: dLp.slice(...span), ...(dEnt ? { dEntropy: dEnt.slice(...span) } : {}) });
        });
        return tf.zerosLike(dummy);
      },
    };
  });

  return tf.tidy(() => {
    const dummy = (collect as (...t: tf.Tensor[]) => tf.Tensor)(...variables);
    const mine = sequenceLogProbs(policy.model, policy.tokenizer.padId, rows(batch, 0, mainRows), { entropy, width });
    const theirs = (receive as (t: tf.Tensor) => tf.Tensor3D)(dummy);
    const part = (k: number) => tf.reshape(tf.slice(theirs, [k, 0, 0], [1, theirRows, width]), [theirRows, width]);
    const logProbs = tf.concat([mine.logProbs, part(0)]) as tf.Tensor2D;
    const mask = completionMask(batch, width);
    if (!entropy) return { logProbs, mask };
    return { logProbs, mask, entropy: tf.concat([mine.entropy as tf.Tensor, part(1)]) as tf.Tensor2D };
  });
}
