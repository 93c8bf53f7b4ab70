import * as tf from '@tensorflow/tfjs';
import { LeanAdamOptimizer } from '@trellis/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseHfConfig } from '../hf/hf-config';
import { HfTokenizer } from '../hf-tokenizer';
import { initBackend } from '../init-backend';
import { BPE_JSON } from '../testing/bpe-fixture';
import { TfjsPolicy } from '../tfjs-policy';
import { makeVariablesFromSpecs } from '../transformer-weights';
import { llamaModelConfig } from './llama-model-config';
import { llamaInitialValues, llamaParamSpecs } from './llama-params';

const V = 151_936; // Qwen2.5 / Qwen3 vocabulary
const hf = parseHfConfig(
  {
    model_type: 'qwen3',
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 1,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 8,
    vocab_size: V,
    tie_word_embeddings: true,
    max_position_embeddings: 128,
  },
  'large-vocab test',
);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('a 151,936-token vocabulary on wasm', () => {
  it('trains a step without a [tokens, vocab] one-hot; peak tensor bytes stay under the stated bound', async () => {
    const c = llamaModelConfig(hf, 128);
    const weights = makeVariablesFromSpecs(llamaParamSpecs(hf), llamaInitialValues(hf, 1), true);
    const policy = new TfjsPolicy(c, new HfTokenizer(BPE_JSON, { eos_token: '</s>' }), weights, { workers: 0 });
    const B = 4;
    const P = 12;
    const T = 8;
    const ids = (b: number, n: number, from: number) =>
      Array.from({ length: n }, (_, i) => (from + 9973 * (b + 1) * (i + 1)) % V);
    const batch = {
      promptIds: Array.from({ length: B }, (_, b) => ids(b, P, 5)),
      completionIds: Array.from({ length: B }, (_, b) => ids(b, T, 77)),
    };
    const opt = new LeanAdamOptimizer(1e-3, 0.9, 0.999);
    const loss = () => {
      const out = policy.logProbs(batch);
      out.mask.dispose();
      return tf.neg(tf.mean(out.logProbs)) as tf.Scalar;
    };
    const step = () => {
      const { value, grads } = tf.variableGrads(loss, policy.trainableVariables());
      opt.applyGradients(grads as Record<string, tf.Variable>);
      value.dispose();
      tf.dispose(grads);
    };
    try {
      step(); // Adam creates its moment variables on the first step
      const before = tf.memory().numTensors;
      const resident = tf.memory().numBytes; // weights + Adam's two moments
      const emb = weights.get('model.embed_tokens.weight') as tf.Variable;
      const before0 = emb.dataSync().slice(0, 64);
      // Forward + backward (the model's part), profiled apart from Adam's update.
      let grads: tf.NamedTensorMap = {};
      const info = await tf.profile(() => {
        const out = tf.variableGrads(loss, policy.trainableVariables());
        out.value.dispose();
        grads = out.grads;
      });
      // tf.profile hands back one reused object: read this profile before the next one.
      const gradPeak = info.peakBytes;
      const gradKernels = info.kernels.map((k) => k.name);
      const update = await tf.profile(() => {
        opt.applyGradients(grads as Record<string, tf.Variable>);
        tf.dispose(grads);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(emb.dataSync().slice(0, 64)).not.toEqual(before0); // the embedding trained
      const kernels = [...gradKernels, ...update.kernels.map((k) => k.name)];
      expect(kernels).not.toContain('OneHot');
      const tokens = B * (P + T - 1);
      const oneHot = tokens * V * 4;
      const table = V * hf.hiddenSize * 4;
      const logits = B * T * V * 4;
      // Bound on forward + backward above the resident weights and moments: the gradients (one
      // table, the rest is small), the scatter-add gradient of the lookup and the tied head's
      // transposed table and its gradient (3 tables), and four [completion tokens, V] buffers
      // (logits, a copy, softmax, their gradient). A [tokens, V] one-hot of the embedding input
      // would add `oneHot` on top.
      const bound = resident + 4 * table + 4 * logits;
      const m = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
      console.log(
        `forward+backward peak ${m(gradPeak)} (resident ${m(resident)}, bound ${m(bound)}); ` +
          `Adam update peak ${m(update.peakBytes)}; a [${tokens}, ${V}] one-hot ${m(oneHot)}; table ${m(table)}`,
      );
      expect(gradPeak).toBeLessThan(bound);
      // Core's memory-lean Adam updates the table in JS: its update adds about two tables (the
      // gradient and one new buffer at a time), where tfjs's Adam kept ~13 temporaries per parameter.
      expect(update.peakBytes).toBeLessThan(resident + 3 * table);
    } finally {
      opt.dispose();
      policy.dispose();
    }
  });
});
