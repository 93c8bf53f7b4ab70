import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tokenizer } from '@trellis/core';
import { parseHfConfig, toHfConfig } from '../hf/hf-config';
import { encodeCheckpointFiles, readCheckpointTensors } from '../hf/safetensors-files';
import { tokenizerFiles } from '../tokenizer-files';
import { type LlamaModelConfig, llamaModelConfig } from './llama-model-config';
import { llamaParamSpecs } from './llama-params';

/** Transpose a row-major `[rows, cols]` matrix. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const from = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[from + c] as number;
  }
  return out;
}

/** Keys some HF checkpoints carry that are not parameters (recomputed buffers). */
const IGNORED = /\.rotary_emb\.inv_freq$/;

/**
 * Read the model config (`config.json`) of a Hugging Face checkpoint directory. Errors name the file.
 * @param maxContext context Trellis uses (default min(max_position_embeddings, 4096))
 */
export async function readLlamaConfig(dir: string, maxContext?: number): Promise<LlamaModelConfig> {
  const path = join(dir, 'config.json');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: cannot read model config (${(e as Error).message})`);
  }
  return llamaModelConfig(parseHfConfig(json, path), maxContext, json);
}

/**
 * Stream the weights of HF checkpoint `dir` for model `c` to `sink`, tensor by tensor (one
 * tensor's values in memory at a time), converted to float32 and to Trellis's `[in, out]`
 * orientation. Every parameter must be present with its shape; an unexpected tensor is an error
 * (a tied model's redundant `lm_head.weight` and `rotary_emb.inv_freq` buffers are skipped).
 */
export async function forEachLlamaWeight(
  dir: string,
  c: LlamaModelConfig,
  sink: (name: string, data: Float32Array, shape: readonly number[]) => void,
): Promise<void> {
  const specs = new Map(llamaParamSpecs(c.hf).map((s) => [s.name, s]));
  const seen = new Set<string>();
  const skip = (name: string) => IGNORED.test(name) || (c.hf.tieWordEmbeddings && name === 'lm_head.weight');
  for await (const t of readCheckpointTensors(dir, (name) => !skip(name))) {
    const s = specs.get(t.name);
    if (!s) throw new Error(`${dir}: unexpected weight '${t.name}' for a ${c.hf.modelType} model with this config.json`);
    const fileShape = s.transposed ? [s.shape[1], s.shape[0]] : [...s.shape];
    if (t.shape.join(',') !== fileShape.join(',')) {
      throw new Error(
        `${dir}: weight '${t.name}' has shape [${t.shape.join(', ')}], config.json implies [${fileShape.join(', ')}]`,
      );
    }
    seen.add(t.name);
    sink(t.name, s.transposed ? transpose2d(t.data, fileShape[0] as number, fileShape[1] as number) : t.data, s.shape);
  }
  const missing = [...specs.keys()].filter((n) => !seen.has(n));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((n) => `'${n}'`);
    throw new Error(`${dir}: missing weights ${shown.join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
}

/** {@link forEachLlamaWeight} collected into a map (tests, `TfjsPolicy.load`). */
export async function loadLlamaWeights(dir: string, c: LlamaModelConfig): Promise<Map<string, Float32Array>> {
  const values = new Map<string, Float32Array>();
  await forEachLlamaWeight(dir, c, (name, data) => values.set(name, data));
  return values;
}

/** Options of {@link llamaCheckpointFiles}. */
export interface LlamaSaveOptions {
  /** On-disk dtype (default F32). */
  readonly dtype?: 'F32' | 'BF16' | 'F16';
  /** Shard size limit in bytes (default 5e9, as transformers). */
  readonly maxShardBytes?: number;
}

/**
 * The files of a Hugging Face checkpoint directory for model `c` with weights `values`
 * (Trellis orientation; transposed back to PyTorch's): `config.json` (the original keys kept),
 * tokenizer files (with `generation_config.json` when the tokenizer has one) and
 * `model.safetensors` or shards + index. transformers' `from_pretrained` reads this layout.
 */
export function llamaCheckpointFiles(
  c: LlamaModelConfig,
  values: ReadonlyMap<string, Float32Array>,
  tokenizer: Tokenizer,
  options: LlamaSaveOptions = {},
): Record<string, string | Uint8Array> {
  const tensors = llamaParamSpecs(c.hf).map((s) => {
    const data = values.get(s.name);
    if (!data) throw new Error(`internal: weight '${s.name}' missing`);
    if (!s.transposed) return { name: s.name, shape: s.shape, data };
    const [rows, cols] = s.shape as [number, number];
    return { name: s.name, shape: [cols, rows], data: transpose2d(data, rows, cols) };
  });
  const hfJson = toHfConfig(c.hf, c.hfJson);
  hfJson.torch_dtype = { F32: 'float32', BF16: 'bfloat16', F16: 'float16' }[options.dtype ?? 'F32'];
  return {
    ...tokenizerFiles(tokenizer),
    'config.json': JSON.stringify(hfJson, null, 2),
    ...encodeCheckpointFiles(tensors, {
      dtype: options.dtype ?? 'F32',
      ...(options.maxShardBytes ? { maxShardBytes: options.maxShardBytes } : {}),
    }),
  };
}
