import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, Tokens } from '@trellis/core';
import { describe, expect, it } from 'vitest';
import { composeFromFile } from './experiment';

const dir = fileURLToPath(new URL('../../../examples/arithmetic/', import.meta.url));
const files = readdirSync(dir).filter((f) => /^pretrain.*\.yaml$/.test(f));

// Each committed pretraining stage must compose as documented: its starting checkpoint and its
// own-attempt pool are committed, and its mixture yields well-formed examples.
describe('example pretraining configs compose and build their examples', () => {
  it('finds the stages', () => {
    expect(files).toEqual(expect.arrayContaining(['pretrain.yaml', 'pretrain-refine.yaml', 'pretrain-critique.yaml']));
  });
  for (const file of files) {
    it(file, async () => {
      const exp = await composeFromFile(join(dir, file), ['policy.options.workers=0']);
      const ckpt = (exp.config.policy?.options as { checkpoint?: string } | undefined)?.checkpoint;
      if (ckpt) expect(existsSync(join(resolve(dirname(join(dir, file)), ckpt), 'model.safetensors'))).toBe(true);
      const task = await exp.container.getAsync(Tokens.TaskSource);
      const examples = task.supervised?.('train', 64, Rng.fromSeed(1)) ?? [];
      expect(examples).toHaveLength(64);
      for (const e of examples) {
        expect(e.prompt.length).toBeGreaterThan(0);
        expect(e.target).toMatch(/\\boxed\{-?[\d/]+\}$/);
      }
    });
  }
});
