import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ModelConfigInput, type ResolvedModelConfig, resolveModelConfig } from './model-config';

/** Read a checkpoint's `config.json` (the model shape). */
export async function readCheckpointConfig(dir: string): Promise<ResolvedModelConfig> {
  const path = join(dir, 'config.json');
  let json: { model?: unknown };
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as { model?: unknown };
  } catch (e) {
    throw new Error(`${path}: cannot read checkpoint config (${(e as Error).message})`);
  }
  if (!json || typeof json.model !== 'object') throw new Error(`${path}: missing "model" section`);
  const model = json.model as ModelConfigInput;
  return resolveModelConfig(model, model.vocabSize ?? 1);
}
