import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ResolveOptionsContext } from '@trellis/core';
import { CharTokenizer } from './char-tokenizer';
import { HfTokenizer } from './hf-tokenizer';
import type { ResolvedModelConfig } from './model-config';
import { readCheckpointConfigSync } from './read-checkpoint-config';
import type { TransformerPolicyOptions } from './transformer-policy-service';

/** The tokenizer option (`policy.options.tokenizer`) that describes a checkpoint's tokenizer. */
export type TokenizerOptions = TransformerPolicyOptions['tokenizer'];

/** What a checkpoint directory holds, in the terms of the `transformer` policy's options. */
export interface CheckpointDescription {
  readonly model: ResolvedModelConfig;
  readonly tokenizer: TokenizerOptions;
}

function readJson(path: string, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read ${what} (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${path}: ${what} is not a JSON object`);
  return json as Record<string, unknown>;
}

/**
 * Read, synchronously, the model shape (`config.json`) and the tokenizer (`tokenizer.json`, with
 * `tokenizer_config.json` for a Hugging Face one) of checkpoint directory `dir` (a relative path
 * resolves against the working directory, as `loadPolicy` does), and check the weights file is
 * there. A Hugging Face tokenizer is described by the path of the checkpoint's `tokenizer.json`
 * and the special tokens it resolves to. Throws an Error naming the file that cannot be read.
 */
export function describeCheckpoint(dir: string): CheckpointDescription {
  const model = readCheckpointConfigSync(dir);
  const tokenizerPath = join(dir, 'tokenizer.json');
  const json = readJson(tokenizerPath, 'tokenizer');
  let tokenizer: TokenizerOptions;
  if (json.type === 'char') {
    tokenizer = { type: 'char', alphabet: CharTokenizer.fromJSON(json).alphabet };
  } else {
    const configPath = join(dirname(tokenizerPath), 'tokenizer_config.json');
    const config = existsSync(configPath) ? readJson(configPath, 'tokenizer config') : {};
    let special: Record<string, unknown>;
    try {
      special = new HfTokenizer(json, config).configJSON();
    } catch (e) {
      throw new Error(`${tokenizerPath}: not a usable tokenizer (${(e as Error).message})`);
    }
    const token = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const bos = special.bos_token === null ? null : token(special.bos_token);
    const eos = token(special.eos_token);
    const pad = token(special.pad_token);
    tokenizer = {
      type: 'hf',
      path: tokenizerPath,
      ...(bos !== undefined ? { bos } : {}),
      ...(eos !== undefined ? { eos } : {}),
      ...(pad !== undefined ? { pad } : {}),
    };
  }
  const weights = join(dir, 'model.safetensors');
  if (!existsSync(weights)) throw new Error(`${weights}: no weights file`);
  return { model, tokenizer };
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    return readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
}

/**
 * `resolveOptions` hook of `policy: transformer`. Relative paths (`checkpoint`, an `hf`
 * tokenizer's `path`) resolve against the directory of the config file that sets them (the
 * working directory for a `--set`), and the resolved options hold them absolute. With a
 * `checkpoint`, the model shape and the tokenizer come from the checkpoint, so the resolved options
 * (what `trellis config` prints and a run saves) show the checkpoint's, not the schema's defaults.
 * A shape or tokenizer key the config itself sets must agree with the checkpoint, else it is a
 * config error naming both values; a checkpoint that cannot be read is a config error naming the path.
 */
export function resolveTransformerOptions(options: Record<string, unknown>, ctx: ResolveOptionsContext): Record<string, unknown> {
  let o = options as TransformerPolicyOptions;
  if (o.tokenizer.type === 'hf') {
    o = { ...o, tokenizer: { ...o.tokenizer, path: ctx.resolvePath(['tokenizer', 'path'], o.tokenizer.path) } };
  }
  const written = o.checkpoint;
  if (written === undefined) return o;
  const dir = ctx.resolvePath(['checkpoint'], written);
  o = { ...o, checkpoint: dir };
  const where = isAbsolute(written) ? '' : ` (resolved against ${ctx.dirOf(['checkpoint'])}: ${dir})`;
  if (!existsSync(dir)) return ctx.fail(['checkpoint'], `checkpoint directory ${written} does not exist${where}`);
  if (!statSync(dir).isDirectory()) return ctx.fail(['checkpoint'], `checkpoint ${written} is not a directory${where}`);
  let found: CheckpointDescription;
  try {
    found = describeCheckpoint(dir);
  } catch (e) {
    return ctx.fail(['checkpoint'], `cannot load checkpoint ${dir}: ${(e as Error).message}`);
  }
  const contradicts = (key: (string | number)[], mine: unknown, theirs: unknown): never =>
    ctx.fail(key, `${show(mine)} contradicts the checkpoint ${dir} (${show(theirs)})`);

  const givenModel = ctx.given.model;
  if (isObj(givenModel)) {
    const model = o.model as Record<string, unknown>;
    const shape = found.model as unknown as Record<string, unknown>;
    for (const key of Object.keys(givenModel)) {
      if (givenModel[key] === undefined) continue;
      if (model[key] !== shape[key]) contradicts(['model', key], model[key], shape[key]);
    }
  }
  const givenTokenizer = ctx.given.tokenizer;
  if (isObj(givenTokenizer)) {
    const mine = o.tokenizer;
    const theirs = found.tokenizer;
    if (mine.type !== theirs.type) contradicts(['tokenizer', 'type'], mine.type, theirs.type);
    if (mine.type === 'char' && theirs.type === 'char') {
      if (givenTokenizer.alphabet !== undefined && mine.alphabet !== theirs.alphabet) {
        contradicts(['tokenizer', 'alphabet'], mine.alphabet, theirs.alphabet);
      }
    } else if (mine.type === 'hf' && theirs.type === 'hf') {
      if (givenTokenizer.path !== undefined && !sameFile(mine.path, theirs.path)) {
        ctx.fail(['tokenizer', 'path'], `${show(mine.path)} contradicts the checkpoint ${dir} (a different ${theirs.path})`);
      }
      for (const key of ['bos', 'eos', 'pad'] as const) {
        if (givenTokenizer[key] !== undefined && mine[key] !== theirs[key])
          contradicts(['tokenizer', key], mine[key], theirs[key]);
      }
    }
  }
  return { ...o, model: { ...found.model }, tokenizer: { ...found.tokenizer } };
}
