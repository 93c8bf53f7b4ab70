import { Rng } from '@trellis/core';
import type { LlamaFamilyConfig } from '../hf/hf-config';
import { type ParamSpec, seededValues } from '../transformer-weights';

/** A Llama-family parameter: a {@link ParamSpec} plus whether the HF file stores it transposed. */
export interface LlamaParamSpec extends ParamSpec {
  /**
   * True for projection matrices: Hugging Face (PyTorch `nn.Linear`) stores `[out, in]`, Trellis
   * keeps `[in, out]` (so a layer is `y = x W`); they are transposed on load and on save.
   */
  readonly transposed: boolean;
}

/** The projection modules of one decoder layer, by HF module name. */
export const LLAMA_PROJECTIONS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

/** A projection module name. */
export type LlamaProjection = (typeof LLAMA_PROJECTIONS)[number];

/**
 * Parameters of a Llama / Qwen2 / Qwen3 model under their Hugging Face names, with Trellis's
 * shapes (`[in, out]` for projections, the transpose of the file's):
 *
 * - `model.embed_tokens.weight [V, d]`
 * - per layer i, prefix `model.layers.i.`: `input_layernorm.weight [d]`;
 *   `self_attn.q_proj.weight [d, H dh]`, `k_proj`/`v_proj` `[d, Hkv dh]` (+ `.bias` with
 *   `attentionBias`), `self_attn.q_norm.weight`/`k_norm.weight [dh]` (Qwen3), `o_proj.weight [H dh, d]`
 *   (+ bias with `oProjBias`); `post_attention_layernorm.weight [d]`; `mlp.gate_proj.weight`,
 *   `mlp.up_proj.weight [d, F]`, `mlp.down_proj.weight [F, d]` (+ biases with `mlpBias`)
 * - `model.norm.weight [d]`; `lm_head.weight [d, V]` unless the embeddings are tied
 */
export function llamaParamSpecs(c: LlamaFamilyConfig): LlamaParamSpec[] {
  const d = c.hiddenSize;
  const q = c.nHeads * c.headDim;
  const kv = c.nKVHeads * c.headDim;
  const F = c.intermediateSize;
  const out: LlamaParamSpec[] = [
    { name: 'model.embed_tokens.weight', shape: [c.vocabSize, d], init: 'normal', transposed: false },
  ];
  const matrix = (name: string, shape: [number, number], init: ParamSpec['init'] = 'normal') =>
    out.push({ name, shape, init, transposed: true });
  const vector = (name: string, n: number, init: ParamSpec['init']) => out.push({ name, shape: [n], init, transposed: false });
  for (let i = 0; i < c.nLayers; i++) {
    const p = `model.layers.${i}`;
    vector(`${p}.input_layernorm.weight`, d, 'ones');
    matrix(`${p}.self_attn.q_proj.weight`, [d, q]);
    if (c.attentionBias) vector(`${p}.self_attn.q_proj.bias`, q, 'zeros');
    matrix(`${p}.self_attn.k_proj.weight`, [d, kv]);
    if (c.attentionBias) vector(`${p}.self_attn.k_proj.bias`, kv, 'zeros');
    matrix(`${p}.self_attn.v_proj.weight`, [d, kv]);
    if (c.attentionBias) vector(`${p}.self_attn.v_proj.bias`, kv, 'zeros');
    if (c.qkNorm) {
      vector(`${p}.self_attn.q_norm.weight`, c.headDim, 'ones');
      vector(`${p}.self_attn.k_norm.weight`, c.headDim, 'ones');
    }
    matrix(`${p}.self_attn.o_proj.weight`, [q, d], 'normal-scaled');
    if (c.oProjBias) vector(`${p}.self_attn.o_proj.bias`, d, 'zeros');
    vector(`${p}.post_attention_layernorm.weight`, d, 'ones');
    matrix(`${p}.mlp.gate_proj.weight`, [d, F]);
    if (c.mlpBias) vector(`${p}.mlp.gate_proj.bias`, F, 'zeros');
    matrix(`${p}.mlp.up_proj.weight`, [d, F]);
    if (c.mlpBias) vector(`${p}.mlp.up_proj.bias`, F, 'zeros');
    matrix(`${p}.mlp.down_proj.weight`, [F, d], 'normal-scaled');
    if (c.mlpBias) vector(`${p}.mlp.down_proj.bias`, d, 'zeros');
  }
  vector('model.norm.weight', d, 'ones');
  if (!c.tieWordEmbeddings) matrix('lm_head.weight', [d, c.vocabSize]);
  return out;
}

/**
 * Seeded random values for a fresh Llama-family model (benchmarks, tests, examples that start
 * from random weights): N(0, 0.02) matrices, N(0, 0.02 / sqrt(2 L)) for `o_proj` and `down_proj`,
 * norm gains 1, biases 0. Same seed, same numbers on every backend.
 */
export function llamaInitialValues(c: LlamaFamilyConfig, seed: number): Map<string, Float32Array> {
  return seededValues(llamaParamSpecs(c), Rng.fromSeed(seed).split('llama-init'), c.nLayers);
}
