import * as tf from '@tensorflow/tfjs';
import type { CausalLM, ProjectionAdapters } from '../causal-lm';
import { ropeParameters } from '../hf/hf-config';
import { fusedAttention } from '../kernels/fused-attention';
import type { KernelKVCache } from '../kernels/kv-cache-kernel';
import { applyRotary, embedTokens, linear, recordingGradients, tiedHead } from '../layers';
import { attentionMask, type ForwardInput, headColumns, kernelAttention, type LayerKV, rowPositions } from '../transformer';
import { type WeightMap, weight } from '../transformer-weights';
import { repeatKV, rmsNorm, rotaryTablesFromFreq, swiglu } from './llama-layers';
import type { LlamaModelConfig } from './llama-model-config';

type Rope = { readonly cos: tf.Tensor; readonly sin: tf.Tensor };

/**
 * The Llama-family decoder (Llama 2/3, Qwen2, Qwen3) as transformers computes it: RMSNorm
 * pre-norm blocks, rotary positions (with the config's `rope_scaling`), grouped-query attention,
 * SwiGLU MLP, optional q/k/v biases (Qwen2), per-head q/k RMSNorm before rotary (Qwen3), tied or
 * untied head. Weights under their HF names (see `llamaParamSpecs`); optional LoRA adapters on
 * any projection. Same sampling/scoring interface as the GPT-style `Transformer`.
 */
export class LlamaModel implements CausalLM {
  readonly headDim: number;
  readonly config: { vocabSize: number; maxContext: number; nLayers: number; nHeads: number };
  private readonly invFreq: Float64Array;
  private readonly ropeScale: number;
  private readonly rep: number;

  constructor(
    readonly family: LlamaModelConfig,
    readonly weights: WeightMap,
    readonly attentionKernel: 'auto' | 'wasm-simd' | 'tfjs' = 'auto',
    readonly adapters?: ProjectionAdapters,
  ) {
    const c = family.hf;
    this.headDim = c.headDim;
    this.config = { vocabSize: c.vocabSize, maxContext: family.maxContext, nLayers: c.nLayers, nHeads: c.nHeads };
    const rope = ropeParameters(c);
    this.invFreq = rope.invFreq;
    this.ropeScale = rope.attentionScaling;
    this.rep = c.nHeads / c.nKVHeads;
  }

  usesKernel(): boolean {
    return kernelAttention(this.attentionKernel);
  }

  private w(name: string): tf.Variable {
    return weight(this.weights, name);
  }

  /** `x W (+ b)` for projection `module` (`model.layers.i.self_attn.q_proj`), through its adapter if any. */
  private proj(x: tf.Tensor2D, module: string): tf.Tensor2D {
    const W = this.w(`${module}.weight`) as tf.Tensor2D;
    const y = this.adapters?.has(module) ? this.adapters.project(x, module, W, recordingGradients()) : linear(x, W);
    const bias = this.weights.get(`${module}.bias`);
    return bias ? tf.add(y, bias) : y;
  }

  private embed(ids: Int32Array): tf.Tensor2D {
    return embedTokens(ids, this.w('model.embed_tokens.weight') as tf.Tensor2D);
  }

  /** The tied head `E^T [d, V]` kept during a sampling batch (a transpose of E costs ~0.35 s at 49k x 576). */
  private sampledHead: tf.Tensor2D | undefined;

  beginSampling(): void {
    if (!this.family.hf.tieWordEmbeddings || this.sampledHead) return;
    this.sampledHead = tf.keep(tf.transpose(this.w('model.embed_tokens.weight')) as tf.Tensor2D);
  }

  endSampling(): void {
    this.sampledHead?.dispose();
    this.sampledHead = undefined;
  }

  private logits(h: tf.Tensor2D): tf.Tensor2D {
    const x = rmsNorm(h, this.w('model.norm.weight'), this.family.hf.rmsNormEps);
    if (!this.family.hf.tieWordEmbeddings) return linear(x, this.w('lm_head.weight') as tf.Tensor2D);
    if (this.sampledHead && !recordingGradients()) return tf.matMul(x, this.sampledHead);
    return tiedHead(x, this.w('model.embed_tokens.weight') as tf.Tensor2D);
  }

  private rope(positions: ArrayLike<number>, shape: number[]): Rope {
    const t = rotaryTablesFromFreq(positions, this.invFreq, this.ropeScale);
    return { cos: tf.tensor(t.cos, shape), sin: tf.tensor(t.sin, shape) };
  }

  /** q, k, v of `h [N, d]` as `[B, L, heads, dh]`, q/k normed (Qwen3) and rotated. */
  private qkv(h: tf.Tensor2D, p: string, B: number, L: number, rope: Rope): { q: tf.Tensor4D; k: tf.Tensor4D; v: tf.Tensor4D } {
    const c = this.family.hf;
    const dh = this.headDim;
    let q: tf.Tensor = this.proj(h, `${p}.self_attn.q_proj`);
    let k: tf.Tensor = this.proj(h, `${p}.self_attn.k_proj`);
    const v = this.proj(h, `${p}.self_attn.v_proj`);
    if (c.qkNorm) {
      q = rmsNorm(tf.reshape(q, [-1, dh]) as tf.Tensor2D, this.w(`${p}.self_attn.q_norm.weight`), c.rmsNormEps);
      k = rmsNorm(tf.reshape(k, [-1, dh]) as tf.Tensor2D, this.w(`${p}.self_attn.k_norm.weight`), c.rmsNormEps);
    }
    const q4 = applyRotary(tf.reshape(q, [B, L, c.nHeads, dh]), rope.cos, rope.sin) as tf.Tensor4D;
    const k4 = applyRotary(tf.reshape(k, [B, L, c.nKVHeads, dh]), rope.cos, rope.sin) as tf.Tensor4D;
    return { q: q4, k: k4, v: tf.reshape(v, [B, L, c.nKVHeads, dh]) as tf.Tensor4D };
  }

  private mlp(x: tf.Tensor2D, p: string): tf.Tensor2D {
    const h = rmsNorm(x, this.w(`${p}.post_attention_layernorm.weight`), this.family.hf.rmsNormEps);
    const f = swiglu(this.proj(h, `${p}.mlp.gate_proj`), this.proj(h, `${p}.mlp.up_proj`));
    return tf.add(x, this.proj(f, `${p}.mlp.down_proj`));
  }

  forward(input: ForwardInput): { logits: tf.Tensor2D; kv: LayerKV[] } {
    const c = this.family.hf;
    const { pads, length: L } = input;
    const B = pads.length;
    const N = B * L;
    const H = c.nHeads;
    const dh = this.headDim;
    const kv: LayerKV[] = [];
    const maskT = this.usesKernel() ? undefined : attentionMask(pads, L);
    const rope = this.rope(rowPositions(pads, L), [B, L, 1, dh]);
    const scale = 1 / Math.sqrt(dh);
    let x = this.embed(input.ids);
    for (let i = 0; i < c.nLayers; i++) {
      const p = `model.layers.${i}`;
      const h = rmsNorm(x, this.w(`${p}.input_layernorm.weight`), c.rmsNormEps);
      const { q, k, v } = this.qkv(h, p, B, L, rope);
      const K = repeatKV(k, this.rep);
      const V = repeatKV(v, this.rep);
      if (input.collectKV) kv.push({ k: tf.transpose(K, [0, 2, 1, 3]), v: tf.transpose(V, [0, 2, 1, 3]) });
      let o: tf.Tensor;
      if (maskT) {
        const [qh, kh, vh] = [q, K, V].map((t) => tf.transpose(t, [0, 2, 1, 3])) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const scores = tf.add(tf.matMul(tf.mul(qh, scale), kh, false, true), maskT);
        o = tf.transpose(tf.matMul(tf.softmax(scores), vh), [0, 2, 1, 3]);
      } else {
        o = fusedAttention(tf.concat([q, K, V], 2), pads, scale);
      }
      x = tf.add(x, this.proj(tf.reshape(o, [N, H * dh]) as tf.Tensor2D, `${p}.self_attn.o_proj`));
      x = this.mlp(x, p);
    }
    return { logits: this.logits(headColumns(x, input)), kv };
  }

  /** One token per row: rmsnormed input of layer `p`, q `[B,1,H,dh]`, repeated k, v. */
  private stepQKV(x: tf.Tensor2D, p: string, positions: readonly number[]): { q: tf.Tensor4D; k: tf.Tensor4D; v: tf.Tensor4D } {
    const c = this.family.hf;
    const B = positions.length;
    const h = rmsNorm(x, this.w(`${p}.input_layernorm.weight`), c.rmsNormEps);
    const rope = this.rope(positions, [B, 1, 1, this.headDim]);
    const { q, k, v } = this.qkv(h, p, B, 1, rope);
    return { q, k: repeatKV(k, this.rep), v: repeatKV(v, this.rep) };
  }

  decodeStep(
    tokens: Int32Array,
    positions: readonly number[],
    cache: readonly LayerKV[],
    keyMask: tf.Tensor4D,
  ): { logits: tf.Tensor2D; cache: LayerKV[] } {
    const c = this.family.hf;
    const B = tokens.length;
    const dh = this.headDim;
    const scale = 1 / Math.sqrt(dh);
    let x = this.embed(tokens);
    const next: LayerKV[] = [];
    for (let i = 0; i < c.nLayers; i++) {
      const p = `model.layers.${i}`;
      const { q, k, v } = this.stepQKV(x, p, positions);
      const layer = cache[i] as LayerKV;
      const K = tf.concat([layer.k, tf.transpose(k, [0, 2, 1, 3])], 2) as tf.Tensor4D;
      const V = tf.concat([layer.v, tf.transpose(v, [0, 2, 1, 3])], 2) as tf.Tensor4D;
      next.push({ k: K, v: V });
      const qh = tf.transpose(q, [0, 2, 1, 3]);
      const scores = tf.add(tf.matMul(tf.mul(qh, scale), K, false, true), keyMask);
      const o = tf.reshape(tf.matMul(tf.softmax(scores), V), [B, c.nHeads * dh]) as tf.Tensor2D;
      x = tf.add(x, this.proj(o, `${p}.self_attn.o_proj`));
      x = this.mlp(x, p);
    }
    return { logits: this.logits(x), cache: next };
  }

  decodeStepKernel(tokens: Int32Array, positions: readonly number[], cache: KernelKVCache, t: number): tf.Tensor2D {
    const c = this.family.hf;
    const B = tokens.length;
    const H = c.nHeads;
    const dh = this.headDim;
    const scale = 1 / Math.sqrt(dh);
    let x = this.embed(tokens);
    for (let i = 0; i < c.nLayers; i++) {
      const p = `model.layers.${i}`;
      const { q, k, v } = this.stepQKV(x, p, positions);
      const qkv = tf.concat([tf.reshape(q, [B, H, dh]), tf.reshape(k, [B, H, dh]), tf.reshape(v, [B, H, dh])], 1);
      const o = tf.tensor2d(cache.attend(i, qkv.dataSync() as Float32Array, t, scale), [B, H * dh]);
      x = tf.add(x, this.proj(o, `${p}.self_attn.o_proj`));
      x = this.mlp(x, p);
    }
    return this.logits(x);
  }
}
