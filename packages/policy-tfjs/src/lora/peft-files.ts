import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '@trellis/core';
import type { WeightMap } from '../transformer-weights';
import { floatTensorToFloat32 } from './float16';
import { type LoraAdapters, loraKeyA, loraKeyB } from './lora-adapters';
import { LoraConfig, type LoraConfigInput } from './lora-config';

/** File name of PEFT's adapter config. */
export const PEFT_CONFIG_FILE = 'adapter_config.json';
/** File name of PEFT's adapter weights. */
export const PEFT_WEIGHTS_FILE = 'adapter_model.safetensors';

/** Options for {@link encodePeftFiles}. */
export interface PeftFileOptions {
  /** `base_model_name_or_path` (a Hub id or path); `null` when omitted. */
  readonly baseModel?: string;
  /** Model family (e.g. `llama`), recorded as `model_type` in the safetensors metadata. */
  readonly modelType?: string;
}

/** PEFT config key for each of our config fields (for error messages). */
const PEFT_KEY: Record<string, string> = {
  rank: 'r',
  alpha: 'lora_alpha',
  dropout: 'lora_dropout',
  targetModules: 'target_modules',
  useRslora: 'use_rslora',
};

const TENSOR_NAME = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/;

/** Row-major transpose of `[rows, cols]` values. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j] as number;
  return out;
}

/**
 * The files of a PEFT LoRA adapter directory (loadable by `PeftModel.from_pretrained`):
 * `adapter_config.json` and `adapter_model.safetensors` with F32 tensors
 * `base_model.model.<module>.lora_A.weight [r, in]` and `...lora_B.weight [out, r]` (PyTorch
 * orientation, the transposes of the internal input-major `A [in, r]`, `B [r, out]`).
 * `config` must have the adapters' rank. Write the entries as files into one directory.
 */
export function encodePeftFiles(
  adapters: LoraAdapters,
  config: LoraConfigInput,
  options: PeftFileOptions = {},
): Record<string, string | Uint8Array> {
  const c = LoraConfig.parse(config);
  if (c.rank !== adapters.config.rank)
    throw new Error(`encodePeftFiles: config rank ${c.rank} != adapters' rank ${adapters.config.rank}`);
  const peftConfig = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: options.baseModel ?? null,
    r: c.rank,
    lora_alpha: c.alpha,
    lora_dropout: c.dropout,
    target_modules: [...c.targetModules],
    use_rslora: c.useRslora,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
  };
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const m of adapters.modules()) {
    const { a, b } = adapters.pair(m);
    const [inDim, r] = a.shape as [number, number];
    const outDim = b.shape[1] as number;
    tensors[`base_model.model.${m}.lora_A.weight`] = {
      dtype: 'F32',
      shape: [r, inDim],
      data: transpose(a.dataSync() as Float32Array, inDim, r),
    };
    tensors[`base_model.model.${m}.lora_B.weight`] = {
      dtype: 'F32',
      shape: [outDim, r],
      data: transpose(b.dataSync() as Float32Array, r, outDim),
    };
  }
  const metadata: Record<string, string> = { format: 'pt' };
  if (options.modelType !== undefined) metadata.model_type = options.modelType;
  return {
    [PEFT_CONFIG_FILE]: `${JSON.stringify(peftConfig, null, 2)}\n`,
    [PEFT_WEIGHTS_FILE]: encodeSafetensors(tensors, metadata),
  };
}

/** Map a parsed `adapter_config.json` onto {@link LoraConfig}; throws naming the file and the problem. */
function configFromPeft(raw: unknown, file: string): LoraConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: not a JSON object`);
  const j = raw as Record<string, unknown>;
  if (j.peft_type !== 'LORA') throw new Error(`${file}: peft_type is ${JSON.stringify(j.peft_type)}, only "LORA" is supported`);
  if (j.fan_in_fan_out === true) throw new Error(`${file}: fan_in_fan_out: true is not supported`);
  if (j.bias !== undefined && j.bias !== 'none')
    throw new Error(`${file}: bias ${JSON.stringify(j.bias)} is not supported (only "none")`);
  if (j.use_dora === true) throw new Error(`${file}: use_dora: true is not supported`);
  if (j.target_modules !== undefined && !Array.isArray(j.target_modules)) {
    throw new Error(`${file}: target_modules must be a list of module names, got ${JSON.stringify(j.target_modules)}`);
  }
  const parsed = LoraConfig.safeParse({
    rank: j.r,
    alpha: j.lora_alpha,
    dropout: j.lora_dropout ?? undefined,
    targetModules: j.target_modules,
    useRslora: j.use_rslora ?? undefined,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const [head, ...rest] = i.path.map(String);
      const key = [PEFT_KEY[head ?? ''] ?? head, ...rest].join('.');
      return key ? `${key}: ${i.message}` : i.message;
    });
    throw new Error(`${file}: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * Read a PEFT LoRA adapter directory (`adapter_config.json`, `adapter_model.safetensors`) for the
 * base weights `base` (input-major `[in, out]`). Tensors may be F32, F64, BF16 or F16; values come
 * back as float32, input-major (`A [in, r]`, `B [r, out]`), keyed by {@link loraKeyA}/{@link loraKeyB}
 * for the `LoraAdapters` constructor. Every base weight matching `target_modules` must have both
 * tensors. Errors name the file and the problem.
 */
export async function decodePeftFiles(
  dir: string,
  base: WeightMap,
): Promise<{ config: LoraConfig; values: Map<string, Float32Array> }> {
  const configPath = join(dir, PEFT_CONFIG_FILE);
  const weightsPath = join(dir, PEFT_WEIGHTS_FILE);
  let rawConfig: unknown;
  try {
    rawConfig = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    throw new Error(`${configPath}: cannot read LoRA adapter config (${(e as Error).message})`);
  }
  const config = configFromPeft(rawConfig, configPath);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(weightsPath);
  } catch (e) {
    throw new Error(`${weightsPath}: cannot read LoRA adapter weights (${(e as Error).message})`);
  }
  const file = decodeSafetensors(bytes, weightsPath);
  const r = config.rank;
  const fail: (problem: string) => never = (problem) => {
    throw new Error(`${weightsPath}: ${problem}`);
  };
  const found = new Map<string, { a?: SafetensorsTensor; b?: SafetensorsTensor }>();
  for (const [name, t] of Object.entries(file.tensors)) {
    const match = TENSOR_NAME.exec(name);
    if (!match) fail(`unexpected tensor '${name}' (expected base_model.model.<module>.lora_A/lora_B.weight)`);
    const module = match[1] as string;
    const which = match[2] as 'A' | 'B';
    const w = base.get(`${module}.weight`);
    if (!w) fail(`adapter for module '${module}', which the base model lacks (no '${module}.weight')`);
    if (!config.targetModules.some((s) => module.endsWith(`.${s}`))) {
      fail(`adapter for module '${module}', which target_modules [${config.targetModules.join(', ')}] does not include`);
    }
    const [inDim, outDim] = w.shape as [number, number];
    const tensorRank = which === 'A' ? t.shape[0] : t.shape[1];
    if (t.shape.length === 2 && tensorRank !== r) fail(`'${name}' has rank ${tensorRank} but ${PEFT_CONFIG_FILE} says r = ${r}`);
    const expected = which === 'A' ? [r, inDim] : [outDim, r];
    if (t.shape.length !== 2 || t.shape[0] !== expected[0] || t.shape[1] !== expected[1]) {
      fail(
        `'${name}' has shape [${t.shape.join(', ')}], expected [${expected.join(', ')}] for base '${module}.weight' [${inDim}, ${outDim}]`,
      );
    }
    const entry = found.get(module) ?? {};
    if (which === 'A') entry.a = t;
    else entry.b = t;
    found.set(module, entry);
  }
  const values = new Map<string, Float32Array>();
  for (const [name, w] of base) {
    const module = name.endsWith('.weight') ? name.slice(0, -'.weight'.length) : undefined;
    if (!module || !config.targetModules.some((s) => module.endsWith(`.${s}`))) continue;
    const entry = found.get(module);
    if (!entry) fail(`no adapter for '${module}' (targeted by target_modules [${config.targetModules.join(', ')}])`);
    const { a, b } = entry;
    if (!a) fail(`'${module}' has lora_B but no lora_A`);
    if (!b) fail(`'${module}' has lora_A but no lora_B`);
    const [inDim, outDim] = w.shape as [number, number];
    const toF32 = (t: SafetensorsTensor, label: string): Float32Array =>
      floatTensorToFloat32(t) ??
      fail(`'base_model.model.${module}.${label}.weight' has dtype ${t.dtype}; expected F32, F64, BF16 or F16`);
    values.set(loraKeyA(module), transpose(toF32(a, 'lora_A'), r, inDim));
    values.set(loraKeyB(module), transpose(toF32(b, 'lora_B'), outDim, r));
  }
  return { config, values };
}
