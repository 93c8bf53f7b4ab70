import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { HfTokenizer } from '../hf-tokenizer';
import { forEachLlamaWeight } from '../llama/llama-checkpoint';
import { llamaModelConfig } from '../llama/llama-model-config';
import { llamaInitialValues, llamaParamSpecs } from '../llama/llama-params';
import { LoraAdapters } from '../lora/lora-adapters';
import type { LoraConfigInput } from '../lora/lora-config';
import { TfjsPolicy } from '../tfjs-policy';
import { makeVariablesFromSpecs, variablePrefix, type WeightMap } from '../transformer-weights';
import { ChatTemplate } from './chat-template';
import { parseHfConfig } from './hf-config';

/** What {@link loadHfPolicy} needs (the `policy: hf` options with absolute paths). */
export interface HfPolicySource {
  /** HF checkpoint directory; or `random` for fresh weights. */
  readonly checkpoint?: string;
  /** `config`: path of a `config.json`; `tokenizer`: directory of `tokenizer.json`. */
  readonly random?: { readonly config: string; readonly tokenizer: string; readonly seed?: number };
  readonly maxContext?: number;
  /** `auto` (default): prompts go through the chat template when the tokenizer has one. */
  readonly chatTemplate?: 'auto' | 'off';
  readonly system?: string;
  readonly templateVariables?: Record<string, unknown>;
  readonly lora?: LoraConfigInput & { readonly merge?: boolean };
  readonly saveDtype?: 'float32' | 'bfloat16' | 'float16';
  readonly seed?: number;
  readonly maxBatch?: number;
  readonly attentionKernel?: 'auto' | 'wasm-simd' | 'tfjs';
}

async function readJson(path: string, what: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: cannot read ${what} (${(e as Error).message})`);
  }
}

/** Stream a checkpoint's weights straight into tfjs variables (never the whole model in JS arrays). */
async function loadVariables(dir: string, model: ReturnType<typeof llamaModelConfig>, trainable: boolean): Promise<WeightMap> {
  const prefix = variablePrefix();
  const loaded = new Map<string, tf.Variable>();
  try {
    await forEachLlamaWeight(dir, model, (name, data, shape) => {
      const t = tf.tensor(data, shape as number[], 'float32');
      loaded.set(name, tf.variable(t, trainable, `${prefix}/${name}`));
      t.dispose();
    });
  } catch (e) {
    for (const v of loaded.values()) v.dispose();
    throw e;
  }
  return new Map(llamaParamSpecs(model.hf).map((s) => [s.name, loaded.get(s.name) as tf.Variable]));
}

/**
 * A Llama / Qwen2 / Qwen3 policy from a Hugging Face checkpoint directory (or random weights of an
 * HF `config.json`), with its tokenizer, EOS ids, chat template and optional LoRA adapters. The
 * tfjs backend must already be selected. Saving writes the same layout back (PEFT adapter files
 * with LoRA).
 */
export async function loadHfPolicy(source: HfPolicySource): Promise<TfjsPolicy> {
  if ((source.checkpoint === undefined) === (source.random === undefined)) {
    throw new Error('loadHfPolicy: give exactly one of checkpoint and random');
  }
  const configPath = source.checkpoint ? join(source.checkpoint, 'config.json') : (source.random?.config as string);
  const json = await readJson(configPath, 'model config');
  const model = llamaModelConfig(parseHfConfig(json, configPath), source.maxContext, json);
  const tokenizer = await HfTokenizer.fromDir(source.checkpoint ?? (source.random?.tokenizer as string));
  if (tokenizer.vocabSize > model.vocabSize) {
    throw new Error(`${configPath}: vocab_size ${model.vocabSize} is smaller than the tokenizer's ${tokenizer.vocabSize} ids`);
  }
  const trainBase = !source.lora;
  const weights = source.checkpoint
    ? await loadVariables(source.checkpoint, model, trainBase)
    : makeVariablesFromSpecs(llamaParamSpecs(model.hf), llamaInitialValues(model.hf, source.random?.seed ?? 0), trainBase);
  const lora = source.lora ? new LoraAdapters(weights, source.lora, source.seed ?? 0) : undefined;
  let formatPrompt: ((prompt: string) => string) | undefined;
  if ((source.chatTemplate ?? 'auto') === 'auto' && tokenizer.chatTemplate) {
    const cfg = tokenizer.configJSON();
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const specials = {
      ...(str(cfg.bos_token) ? { bosToken: str(cfg.bos_token) } : {}),
      ...(str(cfg.eos_token) ? { eosToken: str(cfg.eos_token) } : {}),
    };
    const template = new ChatTemplate(tokenizer.chatTemplate, specials, configPath);
    const messages = (prompt: string) => [
      ...(source.system ? [{ role: 'system' as const, content: source.system }] : []),
      { role: 'user' as const, content: prompt },
    ];
    const extra = source.templateVariables ?? {};
    formatPrompt = (prompt) => template.render(messages(prompt), { addGenerationPrompt: true, extra });
  }
  const dtype = ({ float32: 'F32', bfloat16: 'BF16', float16: 'F16' } as const)[source.saveDtype ?? 'float32'];
  return new TfjsPolicy(
    model,
    tokenizer,
    weights,
    {
      seed: source.seed ?? 0,
      maxBatch: source.maxBatch ?? 16,
      workers: 0,
      ...(source.attentionKernel ? { attentionKernel: source.attentionKernel } : {}),
      ...(formatPrompt ? { formatPrompt } : {}),
      save: { dtype, mergeLora: source.lora?.merge ?? false, ...(source.checkpoint ? { baseModel: source.checkpoint } : {}) },
    },
    lora,
  );
}
