import { CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };
import { resolveTransformerOptions } from './checkpoint-options';
import { TransformerPolicyService, transformerPolicyOptions } from './transformer-policy-service';

// Optimizer state I/O lives in core (the trainer checkpoints it); re-exported for convenience.
export {
  encodeOptimizerState,
  loadOptimizerState,
  OPTIMIZER_FILE,
  restoreOptimizerState,
  saveOptimizerState,
} from '@trellis/core';
export type { CharTokenizerJSON } from './char-tokenizer';
export { CharTokenizer, DEFAULT_ALPHABET } from './char-tokenizer';
export type { CheckpointDescription, TokenizerOptions } from './checkpoint-options';
export { describeCheckpoint, resolveTransformerOptions } from './checkpoint-options';
export { createPolicy, loadPolicy } from './create-policy';
export type { HfSpecialTokens } from './hf-tokenizer';
export { HfTokenizer } from './hf-tokenizer';
export type { BackendName, ConcreteBackend } from './init-backend';
export { BACKEND_NAMES, initBackend } from './init-backend';
export type { ModelConfigInput, ResolvedModelConfig } from './model-config';
export { ModelConfig, resolveModelConfig } from './model-config';
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

/** Plugin manifest: the `transformer` policy. Registers nothing at import time. */
export default definePlugin({
  id: 'policy-tfjs',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: { policy: ['transformer'] },
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
    ]),
});
