import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import manifest, { TransformerPolicyService, transformerPolicyOptions } from './index';

describe('policy-tfjs plugin', () => {
  it('provides policy: transformer and hf', () => {
    expect(manifest.provides).toEqual({ policy: ['transformer', 'hf'] });
  });

  it('the service initialises a fresh model, generates, and reloads from a checkpoint', async () => {
    const options = transformerPolicyOptions.parse({
      backend: 'wasm',
      model: { dModel: 16, nLayers: 1, nHeads: 2, maxContext: 24 },
      tokenizer: { type: 'char', alphabet: 'abc123' },
      seed: 4,
    });
    expect(options.maxBatch).toBe(64);
    const service = new TransformerPolicyService(options);
    await service.init();
    expect(service.backend).toBe('wasm');
    expect(service.tokenizer.vocabSize).toBe(10);
    expect(service.encodePrompt('ab')).toEqual([1, 4, 5]);
    const [r] = await service.generate([{ prompt: 'ab' }], { temperature: 1, maxNewTokens: 4, seed: 1 });
    expect(r?.promptIds).toEqual([1, 4, 5]);
    const root = await mkdtemp(join(tmpdir(), 'trellis-svc-'));
    try {
      await service.save(join(root, 'c'));
      const again = new TransformerPolicyService(
        transformerPolicyOptions.parse({ backend: 'wasm', checkpoint: join(root, 'c') }),
      );
      await again.init();
      expect(await again.generate([{ prompt: 'ab' }], { temperature: 1, maxNewTokens: 4, seed: 1 })).toEqual([r]);
      again.dispose();
    } finally {
      await rm(root, { recursive: true, force: true });
      service.dispose();
    }
  });
});
