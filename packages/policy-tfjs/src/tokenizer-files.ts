import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tokenizer } from '@trellis/core';
import { CharTokenizer } from './char-tokenizer';
import { HfTokenizer } from './hf-tokenizer';

/**
 * Checkpoint files describing `tokenizer`: `tokenizer.json` (`{type:'char', alphabet}` for the
 * char tokenizer, the raw Hugging Face file otherwise) and, for HF, `tokenizer_config.json` (with
 * the chat template) plus `generation_config.json` when the tokenizer was loaded with one.
 */
export function tokenizerFiles(tokenizer: Tokenizer): Record<string, string> {
  const files: Record<string, string> = { 'tokenizer.json': JSON.stringify(tokenizer.toJSON()) };
  if (tokenizer instanceof HfTokenizer) {
    files['tokenizer_config.json'] = JSON.stringify(tokenizer.configJSON(), null, 2);
    const generation = tokenizer.generationConfigJSON();
    if (generation !== undefined) files['generation_config.json'] = JSON.stringify(generation, null, 2);
  }
  return files;
}

/**
 * Load the tokenizer saved by {@link tokenizerFiles} (or a Hugging Face checkpoint's tokenizer files,
 * via {@link HfTokenizer.fromDir}) from checkpoint directory `dir`.
 */
export async function loadTokenizerFromDir(dir: string): Promise<Tokenizer> {
  const path = join(dir, 'tokenizer.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read tokenizer (${(e as Error).message})`);
  }
  if ((json as { type?: unknown } | null)?.type === 'char') return CharTokenizer.fromJSON(json);
  return HfTokenizer.fromDir(dir, {}, json as Record<string, unknown>);
}
