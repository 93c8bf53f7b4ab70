import { CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };
import { resolveTransformerOptions } from './checkpoint-options';
import { hfPolicyOptions, resolveHfOptions } from './hf-policy-options';
import { HfPolicyService } from './hf-policy-service';
import { TransformerPolicyService, transformerPolicyOptions } from './transformer-policy-service';

// Optimizer state I/O lives in core (the trainer checkpoints it); re-exported for convenience.
export {
  encodeOptimizerState,
  loadOptimizerState,
  OPTIMIZER_FILE,
  restoreOptimizerState,
  saveOptimizerState,
} from '@trellis/core';
export type { CausalLM, ProjectionAdapters } from './causal-lm';
export type { CharTokenizerJSON } from './char-tokenizer';
export { CharTokenizer, DEFAULT_ALPHABET } from './char-tokenizer';
export type { CheckpointDescription, TokenizerOptions } from './checkpoint-options';
export { describeCheckpoint, resolveTransformerOptions } from './checkpoint-options';
export { createPolicy, loadPolicy } from './create-policy';
export type { ChatMessage } from './hf/chat-template';
export { ChatTemplate } from './hf/chat-template';
export type { LlamaFamilyConfig, RopeScaling } from './hf/hf-config';
export { isHfConfig, parseHfConfig, ropeParameters, toHfConfig } from './hf/hf-config';
export type { HfPolicySource } from './hf/load-hf-policy';
export { loadHfPolicy } from './hf/load-hf-policy';
export { encodeCheckpointFiles, listCheckpointTensors, readCheckpointTensors } from './hf/safetensors-files';
export type { HfPolicyOptions } from './hf-policy-options';
export { hfPolicyOptions, resolveHfOptions, resolveModelPath } from './hf-policy-options';
export { HfPolicyService } from './hf-policy-service';
export type { HfSpecialTokens } from './hf-tokenizer';
export { HfTokenizer } from './hf-tokenizer';
export type { BackendName, ConcreteBackend } from './init-backend';
export { BACKEND_NAMES, initBackend } from './init-backend';
export { forEachLlamaWeight, llamaCheckpointFiles, loadLlamaWeights, readLlamaConfig } from './llama/llama-checkpoint';
export { LlamaModel } from './llama/llama-model';
export type { LlamaModelConfig } from './llama/llama-model-config';
export { llamaModelConfig } from './llama/llama-model-config';
export { llamaInitialValues, llamaParamSpecs } from './llama/llama-params';
export { LoraAdapters } from './lora/lora-adapters';
export { LoraConfig } from './lora/lora-config';
export { decodePeftFiles, encodePeftFiles } from './lora/peft-files';
export type { ModelConfigInput, ResolvedModelConfig } from './model-config';
export { ModelConfig, resolveModelConfig } from './model-config';
export type { PolicyModelConfig } from './model-family';
export { buildModel, isLlamaConfig, modelParamSpecs } from './model-family';
export { readCheckpointConfig, readCheckpointConfigSync } from './read-checkpoint-config';
export { logSoftmax, sampleToken } from './sample-token';
export type { TfjsPolicyOptions } from './tfjs-policy';
export { TfjsPolicy } from './tfjs-policy';
export { loadTokenizerFromDir, tokenizerFiles } from './tokenizer-files';
export { Transformer } from './transformer';
export type { TransformerPolicyOptions } from './transformer-policy-service';
export { TransformerPolicyService, transformerPolicyOptions } from './transformer-policy-service';
export type { ParamSpec, WeightMap } from './transformer-weights';
export { initialValues, paramSpecs } from './transformer-weights';
export { decodeWeights, encodeWeights } from './weights-codec';

/** Plugin manifest: the `transformer` and `hf` policies. Registers nothing at import time. */
export default definePlugin({
  id: 'policy-tfjs',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: { policy: ['transformer', 'hf'] },
  createModule: () =>
    catalogModule([
      {
        slot: 'policy',
        id: 'transformer',
        description: 'Decoder-only transformer on TensorFlow.js (KV-cache sampling, safetensors checkpoints).',
        optionsSchema: transformerPolicyOptions,
        service: TransformerPolicyService,
        resolveOptions: resolveTransformerOptions,
      },
      {
        slot: 'policy',
        id: 'hf',
        description: 'Llama / Qwen2 / Qwen3 from a Hugging Face checkpoint (safetensors, chat template, optional LoRA).',
        optionsSchema: hfPolicyOptions,
        service: HfPolicyService,
        resolveOptions: resolveHfOptions,
      },
    ]),
});
