import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyOverrides, ConfigError, composeContainer, type PluginManifest, parseOverride } from '@trellis/core';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCheckpoint } from './checkpoint-options';
import manifest, { DEFAULT_ALPHABET } from './index';
import { BPE_JSON } from './testing/bpe-fixture';

// The previous base (learned positions, a 27-symbol alphabet, context 96): a shape unlike the defaults.
const base = fileURLToPath(new URL('../../../examples/arithmetic/base-tiny', import.meta.url));
const baseAlphabet = (JSON.parse(readFileSync(join(base, 'tokenizer.json'), 'utf8')) as { alphabet: string }).alphabet;
const root = mkdtempSync(join(tmpdir(), 'trellis-ckpt-options-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Resolve a config holding only `policy` through the plugin, as `trellis config` does. */
async function resolvePolicy(options: Record<string, unknown>, sets: string[] = []) {
  const data = applyOverrides({ policy: { use: 'transformer', options } }, sets.map(parseOverride));
  const exp = await composeContainer(
    { data, file: 'exp.yaml', overrides: sets },
    { manifests: [manifest as PluginManifest], loadBuiltins: false },
  );
  return exp.config.policy?.options as Record<string, unknown> & {
    model: Record<string, unknown>;
    tokenizer: Record<string, unknown>;
  };
}

async function failure(options: Record<string, unknown>, sets: string[] = []): Promise<string> {
  const err = await resolvePolicy(options, sets).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as Error).message;
}

describe('transformer options with a checkpoint', () => {
  it("show the checkpoint's shape and tokenizer, not the schema defaults", async () => {
    const o = await resolvePolicy({ checkpoint: base });
    expect(o.model).toEqual({
      vocabSize: 31,
      dModel: 128,
      nLayers: 2,
      nHeads: 4,
      dFF: 512,
      maxContext: 96,
      positional: 'learned',
      ropeBase: 10000,
      tiedHead: false,
      layerNormEps: 1e-5,
    });
    expect(o.tokenizer).toEqual({ type: 'char', alphabet: baseAlphabet });
    expect(baseAlphabet).not.toBe(DEFAULT_ALPHABET);
    expect(o.backend).toBe('auto');
  });

  it('accept keys the config sets when they agree, and resolve their own output again unchanged', async () => {
    const first = await resolvePolicy({ checkpoint: base, model: { maxContext: 96, dModel: 128 }, tokenizer: { type: 'char' } });
    expect(first.model.maxContext).toBe(96);
    expect(await resolvePolicy(structuredClone(first))).toEqual(first);
  });

  it('reject a shape key that contradicts the checkpoint, naming both values and where it came from', async () => {
    expect(await failure({ checkpoint: base }, ['policy.options.model.maxContext=512'])).toBe(
      `--set policy.options.model.maxContext=512: policy.options.model.maxContext: 512 contradicts the checkpoint ${base} (96)`,
    );
    expect(await failure({ checkpoint: base, model: { positional: 'rotary' } })).toBe(
      `exp.yaml: policy.options.model.positional: "rotary" contradicts the checkpoint ${base} ("learned")`,
    );
  });

  it('reject a tokenizer that contradicts the checkpoint', async () => {
    expect(await failure({ checkpoint: base, tokenizer: { type: 'char', alphabet: 'abc' } })).toBe(
      `exp.yaml: policy.options.tokenizer.alphabet: "abc" contradicts the checkpoint ${base} (${JSON.stringify(baseAlphabet)})`,
    );
    expect(await failure({ checkpoint: base, tokenizer: { type: 'hf', path: 'x/tokenizer.json' } })).toBe(
      `exp.yaml: policy.options.tokenizer.type: "hf" contradicts the checkpoint ${base} ("char")`,
    );
  });

  it('reject a missing or incomplete checkpoint at config time, naming the path', async () => {
    const missing = join(root, 'nope');
    expect(await failure({ checkpoint: missing })).toBe(
      `exp.yaml: policy.options.checkpoint: checkpoint directory ${missing} does not exist`,
    );
    expect(await failure({ checkpoint: 'no/such/dir' })).toBe(
      `exp.yaml: policy.options.checkpoint: checkpoint directory no/such/dir does not exist (resolved against ${process.cwd()}: ${join(process.cwd(), 'no/such/dir')})`,
    );
    const noWeights = join(root, 'no-weights');
    mkdirSync(noWeights);
    for (const f of ['config.json', 'tokenizer.json']) cpSync(join(base, f), join(noWeights, f));
    expect(await failure({ checkpoint: noWeights })).toBe(
      `exp.yaml: policy.options.checkpoint: cannot load checkpoint ${noWeights}: ${join(noWeights, 'model.safetensors')}: no weights file`,
    );
    const noConfig = join(root, 'no-config');
    mkdirSync(noConfig);
    expect(await failure({ checkpoint: noConfig })).toMatch(
      /policy\.options\.checkpoint: cannot load checkpoint .*no-config: .*no-config\/config\.json: cannot read checkpoint config \(ENOENT/,
    );
  });

  it('resolve a relative checkpoint against the config file that sets it and hold it absolute', async () => {
    const dir = join(root, 'configs', 'sub');
    mkdirSync(dir, { recursive: true });
    cpSync(base, join(root, 'configs', 'base'), { recursive: true });
    const data = { policy: { use: 'transformer', options: { checkpoint: '../base' } } };
    const compose = (sets: string[] = []) =>
      composeContainer(
        { data: applyOverrides(data, sets.map(parseOverride)), file: join(dir, 'exp.yaml'), overrides: sets },
        { manifests: [manifest as PluginManifest], loadBuiltins: false },
      );
    const exp = await compose();
    expect(exp.config.policy?.options.checkpoint).toBe(join(root, 'configs', 'base'));
    expect(exp.config.policy?.options.model).toMatchObject({ maxContext: 96 });
    const err = await compose(['policy.options.checkpoint=../base']).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `--set policy.options.checkpoint=../base: policy.options.checkpoint: checkpoint directory ../base does not exist (resolved against ${process.cwd()}: ${join(process.cwd(), '../base')})`,
    );
  });

  it('leave the options of a fresh model alone', async () => {
    const o = await resolvePolicy({ model: { maxContext: 32 } });
    expect(o.model.maxContext).toBe(32);
    expect(o.tokenizer).toEqual({ type: 'char', alphabet: DEFAULT_ALPHABET });
  });
});

describe('a checkpoint with a Hugging Face tokenizer', () => {
  const dir = join(root, 'hf');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model: { vocabSize: 8, dModel: 16, nLayers: 1, nHeads: 2 } }));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(BPE_JSON));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '</s>', pad_token: '</s>' }));
  writeFileSync(join(dir, 'model.safetensors'), '');

  it('is described by the path of its tokenizer.json and its special tokens', () => {
    const d = describeCheckpoint(dir);
    expect(d.tokenizer).toEqual({ type: 'hf', path: join(dir, 'tokenizer.json'), bos: '<s>', eos: '</s>', pad: '</s>' });
    expect(d.model.maxContext).toBe(256);
  });

  it('a fresh model with a relative tokenizer path holds it absolute, resolved against the config file', async () => {
    const o = await composeContainer(
      {
        data: { policy: { use: 'transformer', options: { tokenizer: { type: 'hf', path: 'hf/tokenizer.json' } } } },
        file: join(root, 'exp.yaml'),
        overrides: [],
      },
      { manifests: [manifest as PluginManifest], loadBuiltins: false },
    );
    expect(o.config.policy?.options.tokenizer).toMatchObject({ path: join(dir, 'tokenizer.json') });
  });

  it('accepts the same tokenizer (same file or an identical copy) and rejects another special token', async () => {
    const copy = join(root, 'copy-tokenizer.json');
    cpSync(join(dir, 'tokenizer.json'), copy);
    const o = await resolvePolicy({ checkpoint: dir, tokenizer: { type: 'hf', path: copy, eos: '</s>' } });
    expect(o.tokenizer).toEqual({ type: 'hf', path: join(dir, 'tokenizer.json'), bos: '<s>', eos: '</s>', pad: '</s>' });
    expect(await failure({ checkpoint: dir, tokenizer: { type: 'hf', path: copy, eos: '<s>' } })).toBe(
      `exp.yaml: policy.options.tokenizer.eos: "<s>" contradicts the checkpoint ${dir} ("</s>")`,
    );
    const other = join(root, 'other-tokenizer.json');
    writeFileSync(other, JSON.stringify({ ...BPE_JSON, version: '1.1' }));
    expect(await failure({ checkpoint: dir, tokenizer: { type: 'hf', path: other } })).toMatch(
      /policy\.options\.tokenizer\.path: ".*other-tokenizer\.json" contradicts the checkpoint .*hf \(a different .*hf\/tokenizer\.json\)$/,
    );
  });
});
