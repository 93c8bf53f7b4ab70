import { CORE_API_VERSION, catalogModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };
import { TransformerPolicyService, transformerPolicyOptions } from './transformer-policy-service';

export { CharTokenizer, DEFAULT_ALPHABET } from './char-tokenizer';
export type { CharTokenizerJSON } from './char-tokenizer';
export { HfTokenizer } from './hf-tokenizer';
export type { HfSpecialTokens } from './hf-tokenizer';
export { tokenizerFiles, loadTokenizerFromDir } from './tokenizer-files';
export { ModelConfig, resolveModelConfig } from './model-config';
export type { ModelConfigInput, ResolvedModelConfig } from './model-config';
export { initBackend, BACKEND_NAMES } from './init-backend';
export type { BackendName, ConcreteBackend } from './init-backend';
export { TfjsPolicy } from './tfjs-policy';
export type { TfjsPolicyOptions } from './tfjs-policy';
export { createPolicy, loadPolicy } from './create-policy';
export { readCheckpointConfig } from './read-checkpoint-config';
export { Transformer } from './transformer';
export { paramSpecs, initialValues } from './transformer-weights';
export type { ParamSpec, WeightMap } from './transformer-weights';
export { encodeWeights, decodeWeights } from './weights-codec';
export {
  saveOptimizerState,
  loadOptimizerState,
  encodeOptimizerState,
  restoreOptimizerState,
  OPTIMIZER_FILE,
} from './optimizer-state';
export { sampleToken, logSoftmax } from './sample-token';
export { TransformerPolicyService, transformerPolicyOptions } from './transformer-policy-service';
export type { TransformerPolicyOptions } from './transformer-policy-service';

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
      },
    ]),
});
