import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ModelConfigInput, type ResolvedModelConfig, resolveModelConfig } from './model-config';

function parseCheckpointConfig(read: () => string, path: string): ResolvedModelConfig {
  let json: { model?: unknown };
  try {
    json = JSON.parse(read()) as { model?: unknown };
  } catch (e) {
    throw new Error(`${path}: cannot read checkpoint config (${(e as Error).message})`);
  }
  if (!json || typeof json.model !== 'object' || json.model === null) throw new Error(`${path}: missing "model" section`);
  const model = json.model as ModelConfigInput;
  return resolveModelConfig(model, model.vocabSize ?? 1);
}

/** Read a checkpoint's `config.json` (the model shape). */
export async function readCheckpointConfig(dir: string): Promise<ResolvedModelConfig> {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read checkpoint config (${(e as Error).message})`);
  }
  return parseCheckpointConfig(() => text, path);
}

/** {@link readCheckpointConfig}, synchronously (config time, see `resolveTransformerOptions`). */
export function readCheckpointConfigSync(dir: string): ResolvedModelConfig {
  const path = join(dir, 'config.json');
  return parseCheckpointConfig(() => readFileSync(path, 'utf8'), path);
}
