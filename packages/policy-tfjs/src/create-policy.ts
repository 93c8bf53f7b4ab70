import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tokenizer } from '@trellis/core';
import { type ModelConfigInput, resolveModelConfig } from './model-config';
import { readCheckpointConfig } from './read-checkpoint-config';
import { TfjsPolicy, type TfjsPolicyOptions } from './tfjs-policy';
import { loadTokenizerFromDir } from './tokenizer-files';
import { initialValues, makeVariables } from './transformer-weights';
import { decodeWeights } from './weights-codec';

/**
 * A freshly initialised policy (seeded: same seed, same weights on every backend). The tfjs
 * backend must already be selected (see `initBackend`).
 */
export function createPolicy(config: ModelConfigInput, tokenizer: Tokenizer, options: TfjsPolicyOptions = {}): TfjsPolicy {
  const resolved = resolveModelConfig(config, tokenizer.vocabSize);
  const values = initialValues(resolved, options.seed ?? 0);
  return new TfjsPolicy(resolved, tokenizer, makeVariables(resolved, values, true), options);
}

/** Load a checkpoint directory written by `TfjsPolicy.save` (or by the PyTorch reference exporter). */
export async function loadPolicy(dir: string, options: TfjsPolicyOptions = {}): Promise<TfjsPolicy> {
  const config = await readCheckpointConfig(dir);
  const tokenizer = await loadTokenizerFromDir(dir);
  const path = join(dir, 'model.safetensors');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read weights (${(e as Error).message})`);
  }
  const values = decodeWeights(bytes, path, config);
  return new TfjsPolicy(config, tokenizer, makeVariables(config, values, !options.frozen), options);
}
