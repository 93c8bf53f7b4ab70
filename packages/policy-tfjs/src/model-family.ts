import type { CausalLM, ProjectionAdapters } from './causal-lm';
import { LlamaModel } from './llama/llama-model';
import type { LlamaModelConfig } from './llama/llama-model-config';
import { llamaInitialValues, llamaParamSpecs } from './llama/llama-params';
import type { ResolvedModelConfig } from './model-config';
import { Transformer } from './transformer';
import { initialValues, type ParamSpec, paramSpecs, type WeightMap } from './transformer-weights';

/** The model of a `TfjsPolicy`: the GPT-style Trellis transformer or a Llama-family (HF) model. */
export type PolicyModelConfig = ResolvedModelConfig | LlamaModelConfig;

/** True for a Llama-family model config. */
export function isLlamaConfig(c: PolicyModelConfig): c is LlamaModelConfig {
  return (c as { family?: unknown }).family === 'llama';
}

/** The parameter list of either family, in checkpoint order. */
export function modelParamSpecs(c: PolicyModelConfig): ParamSpec[] {
  return isLlamaConfig(c) ? llamaParamSpecs(c.hf) : paramSpecs(c);
}

/** Seeded initial values of either family. */
export function modelInitialValues(c: PolicyModelConfig, seed: number): Map<string, Float32Array> {
  return isLlamaConfig(c) ? llamaInitialValues(c.hf, seed) : initialValues(c, seed);
}

/** The forward-pass object for `c` over `weights` (adapters: Llama family only). */
export function buildModel(
  c: PolicyModelConfig,
  weights: WeightMap,
  kernel: 'auto' | 'wasm-simd' | 'tfjs',
  adapters?: ProjectionAdapters,
): CausalLM {
  if (isLlamaConfig(c)) return new LlamaModel(c, weights, kernel, adapters);
  if (adapters) throw new Error('LoRA adapters are supported on Llama-family models only');
  return new Transformer(c, weights, kernel);
}
