import type { LlamaFamilyConfig } from '../hf/hf-config';

/**
 * A Llama-family policy's model: the parsed Hugging Face config plus the context Trellis uses
 * (`maxContext` <= `max_position_embeddings`) and the original `config.json` (written back, with
 * its unknown keys kept, when the policy saves).
 */
export interface LlamaModelConfig {
  readonly family: 'llama';
  readonly hf: LlamaFamilyConfig;
  readonly maxContext: number;
  readonly vocabSize: number;
  readonly hfJson?: Record<string, unknown>;
}

/** Build a {@link LlamaModelConfig}; `maxContext` defaults to min(max_position_embeddings, 4096). */
export function llamaModelConfig(hf: LlamaFamilyConfig, maxContext?: number, hfJson?: Record<string, unknown>): LlamaModelConfig {
  const context = maxContext ?? Math.min(hf.maxPositionEmbeddings, 4096);
  if (!Number.isInteger(context) || context < 1) throw new Error(`maxContext must be a positive integer, got ${context}`);
  if (context > hf.maxPositionEmbeddings) {
    throw new Error(`maxContext ${context} is larger than the model's max_position_embeddings (${hf.maxPositionEmbeddings})`);
  }
  return { family: 'llama', hf, maxContext: context, vocabSize: hf.vocabSize, ...(hfJson ? { hfJson } : {}) };
}
