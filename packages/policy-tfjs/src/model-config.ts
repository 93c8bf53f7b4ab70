import { z } from '@trellis/core';

/**
 * Shape of the decoder-only transformer. Defaults describe the small reference model
 * (2 layers, d_model 128, 4 heads) with a 256-token context.
 */
export const ModelConfig = z
  .object({
    /** Embedding rows / head outputs. Default: the tokenizer's `vocabSize`. Must be >= it. */
    vocabSize: z.number().int().positive().optional(),
    /** Residual stream width (d_model). */
    dModel: z.number().int().positive().default(128),
    /** Number of transformer blocks. */
    nLayers: z.number().int().positive().default(2),
    /** Attention heads; must divide `dModel` (and give an even head size for rotary). */
    nHeads: z.number().int().positive().default(4),
    /** Hidden width of the GELU MLP. Default: 4 x `dModel`. */
    dFF: z.number().int().positive().optional(),
    /** Longest sequence (prompt + completion tokens) the model accepts. */
    maxContext: z.number().int().positive().default(256),
    /** `learned`: absolute position embeddings `pos_emb.weight`; `rotary`: RoPE on queries/keys (base `ropeBase`). */
    positional: z.enum(['learned', 'rotary']).default('learned'),
    /** Rotary base (only with `positional: rotary`). */
    ropeBase: z.number().positive().default(10000),
    /** Reuse the token embedding (transposed) as the output head; no `head.weight` then. */
    tiedHead: z.boolean().default(false),
    /** LayerNorm epsilon. */
    layerNormEps: z.number().positive().default(1e-5),
  })
  .strict();

/** Model options as written in config (defaults not yet applied). */
export type ModelConfigInput = z.input<typeof ModelConfig>;

/** A fully resolved model shape: every field present. */
export interface ResolvedModelConfig {
  readonly vocabSize: number;
  readonly dModel: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly dFF: number;
  readonly maxContext: number;
  readonly positional: 'learned' | 'rotary';
  readonly ropeBase: number;
  readonly tiedHead: boolean;
  readonly layerNormEps: number;
}

/**
 * Apply defaults and check consistency (`nHeads` divides `dModel`, even head size for rotary,
 * `vocabSize >= tokenizerVocab`). Throws an Error naming the offending field.
 */
export function resolveModelConfig(input: ModelConfigInput | ResolvedModelConfig, tokenizerVocab: number): ResolvedModelConfig {
  const c = ModelConfig.parse(input);
  const vocabSize = c.vocabSize ?? tokenizerVocab;
  if (vocabSize < tokenizerVocab) {
    throw new Error(`model.vocabSize ${vocabSize} is smaller than the tokenizer's vocabulary (${tokenizerVocab})`);
  }
  if (c.dModel % c.nHeads !== 0) throw new Error(`model.nHeads ${c.nHeads} must divide model.dModel ${c.dModel}`);
  if (c.positional === 'rotary' && (c.dModel / c.nHeads) % 2 !== 0) {
    throw new Error(`rotary positions need an even head size; dModel/nHeads = ${c.dModel / c.nHeads}`);
  }
  return {
    vocabSize,
    dModel: c.dModel,
    nLayers: c.nLayers,
    nHeads: c.nHeads,
    dFF: c.dFF ?? 4 * c.dModel,
    maxContext: c.maxContext,
    positional: c.positional,
    ropeBase: c.ropeBase,
    tiedHead: c.tiedHead,
    layerNormEps: c.layerNormEps,
  };
}
