import * as tf from '@tensorflow/tfjs';
import { fusedAttention, fusedAttentionRows } from './kernels/fused-attention';
import type { KernelKVCache } from './kernels/kv-cache-kernel';
import { AttentionRows, type RotaryRows } from './kernels/wasm-kernels';
import { applyRotary, dense, embedTokens, gatherRows, gelu, layerNorm, linear, oneHotFloat, rotaryTables } from './layers';
import type { ResolvedModelConfig } from './model-config';
import { type WeightMap, weight } from './transformer-weights';

/** Additive mask value for disallowed attention (exp underflows to exactly 0 in float32). */
export const MASKED = -1e9;

export { ONE_HOT_MAX_VOCAB } from './layers';

/**
 * Rotary tables of a forward pass: `rows` (`[B, L, dh]` arrays) for the fused kernel, which rotates
 * q and k itself; `cos`/`sin` tensors (`[B, 1, L, dh]`) only where tfjs ops rotate (the tfjs
 * attention path and the KV-collecting prefill).
 */
type Rope = {
  readonly rows: RotaryRows;
  readonly cos?: tf.Tensor;
  readonly sin?: tf.Tensor;
};

/** Additive causal + left-padding mask `[B, 1, L, L]`. */
export function attentionMask(pads: readonly number[], L: number): tf.Tensor4D {
  const B = pads.length;
  const mask = new Float32Array(B * L * L);
  for (let b = 0; b < B; b++) {
    const p = pads[b] as number;
    for (let t = 0; t < L; t++) {
      const row = (b * L + t) * L;
      for (let s = 0; s < L; s++) mask[row + s] = s <= t && s >= p ? 0 : MASKED;
    }
  }
  return tf.tensor4d(mask, [B, 1, L, L]);
}

/** Whether attention runs on the wasm SIMD kernels for a model's `attentionKernel` setting (both families). */
export function kernelAttention(mode: 'auto' | 'wasm-simd' | 'tfjs'): boolean {
  return mode === 'wasm-simd' || (mode === 'auto' && ['wasm', 'cpu'].includes(tf.getBackend()));
}

/** Position ids of left-padded rows, row-major `[B * L]`: `l - pads[b]`, 0 inside the padding. */
export function rowPositions(pads: readonly number[], L: number): Float32Array {
  const pos = new Float32Array(pads.length * L);
  pads.forEach((p, b) => {
    for (let l = 0; l < L; l++) pos[b * L + l] = Math.max(0, l - p);
  });
  return pos;
}

/** Columns `headFrom .. headFrom + headCount - 1` of every row of `x [B * L, d]`, as `[B * headCount, d]`. */
export function headColumns(x: tf.Tensor2D, input: ForwardInput): tf.Tensor2D {
  const B = input.pads.length;
  const L = input.length;
  if (input.headFrom === 0 && input.headCount === L) return x;
  const d = x.shape[1];
  const rows = tf.slice(tf.reshape(x, [B, L, d]), [0, input.headFrom, 0], [B, input.headCount, d]);
  return tf.reshape(rows, [B * input.headCount, d]) as tf.Tensor2D;
}

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
 * Input of {@link Transformer.forwardPacked}: rows laid end to end without padding (row b's
 * positions are 0 .. lengths[b] - 1), and the tokens whose logits are wanted.
 */
export interface PackedInput {
  /** Token ids of all rows, `[sum(lengths)]`. */
  readonly ids: Int32Array;
  readonly lengths: readonly number[];
  /** Indices into `ids` whose logits are returned, in this order. */
  readonly head: Int32Array;
}

/**
 * The decoder-only transformer math: pre-LayerNorm blocks (causal multi-head self-attention, GELU
 * MLP), learned or rotary positions, optional tied head. Pure functions of the weights; callers own
 * the tensors returned.
 */
export class Transformer {
  readonly headDim: number;

  /**
   * @param attentionKernel where attention runs: `wasm-simd` (this package's kernels: fused
   *   attention in `forward`, a kernel-memory KV cache for sampling; values cross via dataSync),
   *   `tfjs` (tfjs ops, a tensor KV cache), or `auto`: the kernels on the CPU-side backends
   *   (wasm, cpu), tfjs ops elsewhere.
   */
  constructor(
    readonly config: ResolvedModelConfig,
    readonly weights: WeightMap,
    readonly attentionKernel: 'auto' | 'wasm-simd' | 'tfjs' = 'auto',
  ) {
    this.headDim = config.dModel / config.nHeads;
  }

  /** Whether attention runs on the wasm SIMD kernels (see the constructor). */
  usesKernel(): boolean {
    return kernelAttention(this.attentionKernel);
  }

  /** Attention with tfjs ops on `qkv [B, L, 3H, dh]`; returns `[B, L, H, dh]`. */
  private tfjsAttention(qkv: tf.Tensor, mask: tf.Tensor4D, rope: Rope | undefined, scale: number, kv?: LayerKV[]): tf.Tensor {
    const heads = tf.transpose(qkv, [0, 2, 1, 3]);
    let [q, k, v] = tf.split(heads, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    if (rope?.cos && rope.sin) {
      q = applyRotary(q, rope.cos, rope.sin) as tf.Tensor4D;
      k = applyRotary(k, rope.cos, rope.sin) as tf.Tensor4D;
    }
    kv?.push({ k, v });
    const scores = tf.add(tf.matMul(tf.mul(q, scale), k, false, true), mask);
    return tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]);
  }

  /** Attention on the fused wasm kernel (no head transposes); returns `[B, L, H, dh]`. */
  private kernelAttention(
    qkv: tf.Tensor,
    pads: readonly number[],
    rope: Rope | undefined,
    scale: number,
    kv?: LayerKV[],
  ): tf.Tensor {
    const [B, L, threeH, dh] = qkv.shape as [number, number, number, number];
    if (threeH % 3 !== 0) throw new Error('internal: qkv heads not divisible by 3');
    if (kv) {
      // the prefill keeps rotated keys and values for the KV cache; the kernel rotates its own copy
      const [, k, v] = tf.split(qkv, 3, 2) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const kr =
        rope?.cos && rope.sin ? applyRotary(k, tf.reshape(rope.cos, [B, L, 1, dh]), tf.reshape(rope.sin, [B, L, 1, dh])) : k;
      kv.push({ k: tf.transpose(kr, [0, 2, 1, 3]) as tf.Tensor4D, v: tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D });
    }
    return fusedAttention(qkv, pads, scale, rope?.rows);
  }

  private embedStep(tokens: Int32Array, positions: readonly number[]): tf.Tensor2D {
    const c = this.config;
    const x = this.embed(tokens);
    if (c.positional !== 'learned') return x;
    const table = this.w('pos_emb.weight') as tf.Tensor2D;
    const pos = tf.tensor1d(Int32Array.from(positions), 'int32');
    return tf.add(x, c.maxContext < 2 ? tf.gather(table, pos) : tf.matMul(oneHotFloat(pos, c.maxContext), table));
  }

  private rotaryStep(positions: readonly number[]): { cos: tf.Tensor; sin: tf.Tensor } | undefined {
    if (this.config.positional !== 'rotary') return undefined;
    const B = positions.length;
    const tables = rotaryTables(positions, this.headDim, this.config.ropeBase);
    return { cos: tf.tensor4d(tables.cos, [B, 1, 1, this.headDim]), sin: tf.tensor4d(tables.sin, [B, 1, 1, this.headDim]) };
  }

  /**
   * One cached decoding step on the kernel KV cache (wasm SIMD): feed `tokens[b]` at position
   * `positions[b]`, append keys/values at cache index `t`, return logits `[B, V]`.
   */
  decodeStepKernel(tokens: Int32Array, positions: readonly number[], cache: KernelKVCache, t: number): tf.Tensor2D {
    const c = this.config;
    const B = tokens.length;
    const dh = this.headDim;
    let x = this.embedStep(tokens, positions);
    const rows = c.positional === 'rotary' ? rotaryTables(positions, dh, c.ropeBase) : undefined;
    const scale = 1 / Math.sqrt(dh);
    for (let i = 0; i < c.nLayers; i++) {
      const p = `blocks.${i}`;
      const h = layerNorm(x, this.w(`${p}.ln1.weight`), this.w(`${p}.ln1.bias`), c.layerNormEps);
      const qkv = dense(h, this.w(`${p}.attn.qkv.weight`), this.w(`${p}.attn.qkv.bias`));
      const o = tf.tensor2d(cache.attend(i, qkv.dataSync() as Float32Array, t, scale, rows), [B, c.dModel]);
      x = tf.add(x, dense(o, this.w(`${p}.attn.proj.weight`), this.w(`${p}.attn.proj.bias`)));
      x = this.mlp(x, p);
    }
    return this.finalLogits(x);
  }

  private w(name: string): tf.Variable {
    return weight(this.weights, name);
  }

  /** Token embedding (one-hot matmul: differentiable on every backend), `[N, d]`. */
  /**
   * Token embedding `[N, d]`: a one-hot matmul for small vocabularies (one XNNPACK op, cheap
   * gradient), a gather with a scatter-add gradient above {@link ONE_HOT_MAX_VOCAB} ids.
   */
  private embed(ids: Int32Array): tf.Tensor2D {
    return embedTokens(ids, this.w('tok_emb.weight') as tf.Tensor2D);
  }

  /**
   * Learned position rows `[B*L, d]` for left-padded rows (position `l - pads[b]`, clamped to the
   * table; padding columns get position 0 and are never attended to), as a one-hot matmul over
   * the first `min(L, maxContext)` table rows: one XNNPACK op with a cheap gradient.
   */
  private learnedPositions(pads: readonly number[], L: number): tf.Tensor2D {
    const d = this.config.dModel;
    const depth = Math.min(Math.max(L, 2), this.config.maxContext);
    if (depth < 2) return tf.tile(tf.slice(this.w('pos_emb.weight'), [0, 0], [1, d]), [pads.length * L, 1]) as tf.Tensor2D;
    const pos = new Int32Array(pads.length * L);
    pads.forEach((p, b) => {
      for (let l = 0; l < L; l++) pos[b * L + l] = Math.min(Math.max(0, l - p), depth - 1);
    });
    return this.positionRows(pos, depth);
  }

  /** Learned position rows `[N, d]` for position ids, all below `depth` (2 .. maxContext), as a one-hot matmul. */
  private positionRows(pos: Int32Array, depth: number): tf.Tensor2D {
    const d = this.config.dModel;
    const rows =
      depth === this.config.maxContext ? this.w('pos_emb.weight') : tf.slice(this.w('pos_emb.weight'), [0, 0], [depth, d]);
    return linear(oneHotFloat(tf.tensor1d(pos, 'int32'), depth), rows as tf.Tensor2D);
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
    const maskT = this.usesKernel() ? undefined : attentionMask(pads, L);
    let rope: Rope | undefined;
    if (c.positional === 'rotary') {
      const rows = rotaryTables(rowPositions(pads, L), dh, c.ropeBase);
      const tensors = maskT || input.collectKV;
      rope = {
        rows,
        cos: tensors ? tf.tensor4d(rows.cos, [B, 1, L, dh]) : undefined,
        sin: tensors ? tf.tensor4d(rows.sin, [B, 1, L, dh]) : undefined,
      };
    }
    let x = this.embed(input.ids);
    if (c.positional === 'learned') x = tf.add(x, this.learnedPositions(pads, L));
    const scale = 1 / Math.sqrt(dh);
    const collect = input.collectKV ? kv : undefined;
    x = this.blocks(x, (qkv2d) => {
      const qkv = tf.reshape(qkv2d, [B, L, 3 * H, dh]);
      const o = maskT
        ? this.tfjsAttention(qkv, maskT, rope, scale, collect)
        : this.kernelAttention(qkv, pads, rope, scale, collect);
      return tf.reshape(o, [N, c.dModel]) as tf.Tensor2D;
    });
    return { logits: this.finalLogits(headColumns(x, input)), kv };
  }

  /** The blocks over token rows `x [N, d]`; `attend` maps a layer's fused qkv `[N, 3d]` to `[N, d]`. */
  private blocks(x: tf.Tensor2D, attend: (qkv: tf.Tensor2D) => tf.Tensor2D): tf.Tensor2D {
    const c = this.config;
    let out = x;
    for (let i = 0; i < c.nLayers; i++) {
      const p = `blocks.${i}`;
      const h = layerNorm(out, this.w(`${p}.ln1.weight`), this.w(`${p}.ln1.bias`), c.layerNormEps);
      const o = attend(dense(h, this.w(`${p}.attn.qkv.weight`), this.w(`${p}.attn.qkv.bias`)));
      out = tf.add(out, dense(o, this.w(`${p}.attn.proj.weight`), this.w(`${p}.attn.proj.bias`)));
      out = this.mlp(out, p);
    }
    return out;
  }

  /** Whether {@link forwardPacked} runs: on the fused kernel attention only. */
  packs(): boolean {
    return this.usesKernel();
  }

  /**
   * Forward pass over packed rows (no padding: every token computed is a real one); logits
   * `[head.length, V]` for the tokens `input.head` names. Equal to {@link forward} on the same rows
   * left-padded, up to float rounding. Kernel attention only ({@link packs}); differentiable.
   */
  forwardPacked(input: PackedInput): { logits: tf.Tensor2D } {
    if (!this.packs())
      throw new Error('forwardPacked needs the wasm kernel attention (attentionKernel auto on wasm/cpu, or wasm-simd)');
    const c = this.config;
    const dh = this.headDim;
    const rows = AttentionRows.packed(input.lengths);
    if (rows.tokens !== input.ids.length)
      throw new Error(`forwardPacked: ${input.ids.length} ids for rows of ${rows.tokens} tokens`);
    const positions = input.lengths.flatMap((n) => Array.from({ length: n }, (_, l) => l));
    const rope = c.positional === 'rotary' ? rotaryTables(positions, dh, c.ropeBase) : undefined;
    const N = rows.tokens;
    let x = this.embed(input.ids);
    if (c.positional === 'learned') {
      const depth = Math.min(c.maxContext, Math.max(2, Math.max(0, ...input.lengths)));
      x = tf.add(x, c.maxContext < 2 ? this.learnedPositions([0], N) : this.positionRows(Int32Array.from(positions), depth));
    }
    const scale = 1 / Math.sqrt(dh);
    x = this.blocks(x, (qkv) => {
      const o = fusedAttentionRows(tf.reshape(qkv, [N, 3 * c.nHeads, dh]), rows, scale, rope);
      return tf.reshape(o, [N, c.dModel]) as tf.Tensor2D;
    });
    const picked = input.head.length === N ? x : gatherRows(x, input.head);
    return { logits: this.finalLogits(picked) };
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
    let x = this.embedStep(tokens, positions);
    const rope = this.rotaryStep(positions);
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
