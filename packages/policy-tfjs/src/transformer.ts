import * as tf from '@tensorflow/tfjs';
import { applyRotary, dense, gelu, layerNorm, linear, oneHotFloat, rotaryTables } from './layers';
import type { ResolvedModelConfig } from './model-config';
import { type WeightMap, weight } from './transformer-weights';

/** Additive mask value for disallowed attention (exp underflows to exactly 0 in float32). */
export const MASKED = -1e9;

/** Per-layer attention keys and values, `[B, H, t, headDim]`, keys already rotated. */
export type LayerKV = {
  readonly k: tf.Tensor4D;
  readonly v: tf.Tensor4D;
};

/** Input of {@link Transformer.forward}: B rows of L token ids, each left-padded by `pads[b]`. */
export interface ForwardInput {
  /** Row-major `[B, L]` token ids (padding positions may hold any valid id). */
  readonly ids: Int32Array;
  /** Left padding of each row; position ids of row b are `l - pads[b]`. */
  readonly pads: readonly number[];
  readonly length: number;
  /** First column whose logits are returned. */
  readonly headFrom: number;
  /** Number of columns whose logits are returned. */
  readonly headCount: number;
  /** Also return each layer's keys/values (for a KV cache). */
  readonly collectKV?: boolean;
}

/**
 * The decoder-only transformer math: pre-LayerNorm blocks (causal multi-head self-attention, GELU
 * MLP), learned or rotary positions, optional tied head. Pure functions of the weights; callers own
 * the tensors returned.
 */
export class Transformer {
  readonly headDim: number;

  constructor(
    readonly config: ResolvedModelConfig,
    readonly weights: WeightMap,
  ) {
    this.headDim = config.dModel / config.nHeads;
  }

  private w(name: string): tf.Variable {
    return weight(this.weights, name);
  }

  /** Token embedding (one-hot matmul: differentiable on every backend), `[N, d]`. */
  private embed(ids: tf.Tensor1D): tf.Tensor2D {
    return linear(oneHotFloat(ids, this.config.vocabSize), this.w('tok_emb.weight') as tf.Tensor2D);
  }

  /** Learned position rows for left-padded rows: `[B*L, d]`, zeros on padding columns. */
  private learnedPositions(pads: readonly number[], L: number): tf.Tensor2D {
    const table = this.w('pos_emb.weight');
    const d = this.config.dModel;
    const byPad = new Map<number, tf.Tensor2D>();
    const rows = pads.map((p) => {
      let t = byPad.get(p);
      if (!t) {
        const len = Math.min(L - p, this.config.maxContext);
        t = tf.pad(tf.slice(table, [0, 0], [len, d]), [
          [p, L - p - len],
          [0, 0],
        ]) as tf.Tensor2D;
        byPad.set(p, t);
      }
      return t;
    });
    return tf.reshape(rows.length === 1 ? (rows[0] as tf.Tensor2D) : tf.stack(rows), [pads.length * L, d]);
  }

  private finalLogits(h: tf.Tensor2D): tf.Tensor2D {
    const c = this.config;
    const x = layerNorm(h, this.w('ln_f.weight'), this.w('ln_f.bias'), c.layerNormEps);
    const head = c.tiedHead ? tf.transpose(this.w('tok_emb.weight')) : this.w('head.weight');
    return linear(x, head as tf.Tensor2D);
  }

  private mlp(x: tf.Tensor2D, p: string): tf.Tensor2D {
    const c = this.config;
    const h = layerNorm(x, this.w(`${p}.ln2.weight`), this.w(`${p}.ln2.bias`), c.layerNormEps);
    const f = gelu(dense(h, this.w(`${p}.mlp.fc.weight`), this.w(`${p}.mlp.fc.bias`))) as tf.Tensor2D;
    return tf.add(x, dense(f, this.w(`${p}.mlp.proj.weight`), this.w(`${p}.mlp.proj.bias`)));
  }

  /**
   * Full-sequence forward pass. Returns logits `[B * headCount, V]` for columns
   * `headFrom .. headFrom + headCount - 1` of every row (row-major), and optionally each layer's
   * keys/values `[B, H, L, headDim]`. Differentiable with respect to the weights.
   */
  forward(input: ForwardInput): { logits: tf.Tensor2D; kv: LayerKV[] } {
    const c = this.config;
    const { pads, length: L } = input;
    const B = pads.length;
    const N = B * L;
    const H = c.nHeads;
    const dh = this.headDim;
    const kv: LayerKV[] = [];
    const mask = new Float32Array(B * L * L);
    for (let b = 0; b < B; b++) {
      const p = pads[b] as number;
      for (let t = 0; t < L; t++) {
        const row = (b * L + t) * L;
        for (let s = 0; s < L; s++) mask[row + s] = s <= t && s >= p ? 0 : MASKED;
      }
    }
    const maskT = tf.tensor4d(mask, [B, 1, L, L]);
    let rope: { cos: tf.Tensor; sin: tf.Tensor } | undefined;
    if (c.positional === 'rotary') {
      const pos = new Float32Array(N);
      for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) pos[b * L + l] = Math.max(0, l - (pads[b] as number));
      const tables = rotaryTables(pos, dh, c.ropeBase);
      rope = { cos: tf.tensor4d(tables.cos, [B, 1, L, dh]), sin: tf.tensor4d(tables.sin, [B, 1, L, dh]) };
    }
    let x = this.embed(tf.tensor1d(input.ids, 'int32'));
    if (c.positional === 'learned') x = tf.add(x, this.learnedPositions(pads, L));
    const scale = 1 / Math.sqrt(dh);
    for (let i = 0; i < c.nLayers; i++) {
      const p = `blocks.${i}`;
      const h = layerNorm(x, this.w(`${p}.ln1.weight`), this.w(`${p}.ln1.bias`), c.layerNormEps);
      const qkv = dense(h, this.w(`${p}.attn.qkv.weight`), this.w(`${p}.attn.qkv.bias`));
      const heads = tf.transpose(tf.reshape(qkv, [B, L, 3 * H, dh]), [0, 2, 1, 3]);
      let [q, k, v] = tf.split(heads, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      if (rope) {
        q = applyRotary(q, rope.cos, rope.sin) as tf.Tensor4D;
        k = applyRotary(k, rope.cos, rope.sin) as tf.Tensor4D;
      }
      if (input.collectKV) kv.push({ k, v });
      const scores = tf.add(tf.matMul(tf.mul(q, scale), k, false, true), maskT);
      const o = tf.matMul(tf.softmax(scores), v);
      const merged = tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [N, c.dModel]) as tf.Tensor2D;
      x = tf.add(x, dense(merged, this.w(`${p}.attn.proj.weight`), this.w(`${p}.attn.proj.bias`)));
      x = this.mlp(x, p);
    }
    let last = x;
    if (input.headFrom !== 0 || input.headCount !== L) {
      const x3 = tf.reshape(x, [B, L, c.dModel]);
      last = tf.reshape(tf.slice(x3, [0, input.headFrom, 0], [B, input.headCount, c.dModel]), [B * input.headCount, c.dModel]);
    }
    return { logits: this.finalLogits(last), kv };
  }

  /**
   * One cached decoding step for B rows: feed `tokens[b]` at position `positions[b]`, attend over
   * the cache plus the new key (`keyMask [B, 1, 1, t+1]`, additive), return logits `[B, V]` and the
   * grown cache (the caller disposes the old one).
   */
  decodeStep(
    tokens: Int32Array,
    positions: readonly number[],
    cache: readonly LayerKV[],
    keyMask: tf.Tensor4D,
  ): { logits: tf.Tensor2D; cache: LayerKV[] } {
    const c = this.config;
    const B = tokens.length;
    const H = c.nHeads;
    const dh = this.headDim;
    let x = this.embed(tf.tensor1d(tokens, 'int32'));
    if (c.positional === 'learned') {
      x = tf.add(x, tf.gather(this.w('pos_emb.weight'), tf.tensor1d(Int32Array.from(positions), 'int32')));
    }
    let rope: { cos: tf.Tensor; sin: tf.Tensor } | undefined;
    if (c.positional === 'rotary') {
      const tables = rotaryTables(positions, dh, c.ropeBase);
      rope = { cos: tf.tensor4d(tables.cos, [B, 1, 1, dh]), sin: tf.tensor4d(tables.sin, [B, 1, 1, dh]) };
    }
    const scale = 1 / Math.sqrt(dh);
    const next: LayerKV[] = [];
    for (let i = 0; i < c.nLayers; i++) {
      const p = `blocks.${i}`;
      const h = layerNorm(x, this.w(`${p}.ln1.weight`), this.w(`${p}.ln1.bias`), c.layerNormEps);
      const qkv = dense(h, this.w(`${p}.attn.qkv.weight`), this.w(`${p}.attn.qkv.bias`));
      let [q, k, v] = tf.split(tf.reshape(qkv, [B, 3 * H, 1, dh]), 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      if (rope) {
        q = applyRotary(q, rope.cos, rope.sin) as tf.Tensor4D;
        k = applyRotary(k, rope.cos, rope.sin) as tf.Tensor4D;
      }
      const layer = cache[i] as LayerKV;
      const K = tf.concat([layer.k, k], 2) as tf.Tensor4D;
      const V = tf.concat([layer.v, v], 2) as tf.Tensor4D;
      next.push({ k: K, v: V });
      const scores = tf.add(tf.matMul(tf.mul(q, scale), K, false, true), keyMask);
      const o = tf.reshape(tf.matMul(tf.softmax(scores), V), [B, c.dModel]) as tf.Tensor2D;
      x = tf.add(x, dense(o, this.w(`${p}.attn.proj.weight`), this.w(`${p}.attn.proj.bias`)));
      x = this.mlp(x, p);
    }
    return { logits: this.finalLogits(x), cache: next };
  }
}
