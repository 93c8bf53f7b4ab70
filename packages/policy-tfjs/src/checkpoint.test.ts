import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadOptimizerState, saveOptimizerState } from '@trellis/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from './create-policy';
import { initBackend } from './init-backend';
import { tinyPolicy } from './testing/tiny-policy';
import type { TfjsPolicy } from './tfjs-policy';

let root: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'trellis-policy-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const batch = {
  promptIds: [
    [1, 5, 6],
    [1, 7],
  ],
  completionIds: [
    [8, 9, 10, 2],
    [11, 12],
  ],
};

function logits(p: TfjsPolicy): number[] {
  return tf.tidy(() =>
    Array.from(
      p.model
        .forward({ ids: Int32Array.from([1, 5, 6, 7, 8]), pads: [0], length: 5, headFrom: 0, headCount: 5 })
        .logits.dataSync(),
    ),
  );
}

/** Supervised steps on `batch` (negative mean log-likelihood) with `opt`. */
function train(p: TfjsPolicy, opt: tf.Optimizer, steps: number): number {
  let last = 0;
  for (let i = 0; i < steps; i++) {
    const cost = opt.minimize(
      () => {
        const out = p.logProbs(batch);
        return tf.neg(tf.div(tf.sum(out.logProbs), tf.sum(out.mask))) as tf.Scalar;
      },
      true,
      p.trainableVariables(),
    );
    last = (cost as tf.Scalar).dataSync()[0] as number;
    cost?.dispose();
  }
  return last;
}

describe('checkpoints', () => {
  for (const cfg of [{}, { positional: 'rotary', tiedHead: true }] as const) {
    it(`save -> load gives identical logits and seeded samples (${JSON.stringify(cfg)})`, async () => {
      const policy = tinyPolicy(cfg, 7);
      const dir = join(root, `ckpt-${cfg.tiedHead ? 'tied' : 'plain'}`);
      await policy.save(dir);
      const loaded = await loadPolicy(dir);
      expect(loaded.config).toEqual(policy.config);
      expect(logits(loaded)).toEqual(logits(policy));
      const sampling = { temperature: 0.9, maxNewTokens: 10, seed: 42 };
      const req = [{ prompt: 'abc' }, { prompt: '1+1=' }];
      expect(await loaded.generate(req, sampling)).toEqual(await policy.generate(req, sampling));
      policy.dispose();
      loaded.dispose();
    });
  }

  it('load(dir) replaces weights in place and rejects another architecture', async () => {
    const a = tinyPolicy({}, 1);
    const b = tinyPolicy({}, 2);
    const dir = join(root, 'a');
    await a.save(dir);
    await b.load(dir);
    expect(logits(b)).toEqual(logits(a));
    const other = tinyPolicy({ dModel: 16 }, 1);
    await expect(other.load(dir)).rejects.toThrow(/config .* differs/);
    a.dispose();
    b.dispose();
    other.dispose();
  });

  it('rejects corrupt model.safetensors files with a clear error', async () => {
    const policy = tinyPolicy({}, 1);
    const dir = join(root, 'corrupt');
    await policy.save(dir);
    policy.dispose();
    const path = join(dir, 'model.safetensors');
    const good = new Uint8Array(await readFile(path));
    const headerLen = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));

    await writeFile(path, good.subarray(0, good.byteLength - 100));
    await expect(loadPolicy(dir)).rejects.toThrow(/model\.safetensors: invalid safetensors file: .*truncated/);

    const badLen = good.slice();
    new DataView(badLen.buffer).setBigUint64(0, BigInt(good.byteLength + 10), true);
    await writeFile(path, badLen);
    await expect(loadPolicy(dir)).rejects.toThrow(/model\.safetensors: invalid safetensors file: header length/);

    const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + headerLen)));
    header['tok_emb.weight'].data_offsets[1] += 4;
    const json = new TextEncoder().encode(JSON.stringify(header));
    const badOffsets = new Uint8Array(8 + json.byteLength + good.byteLength - 8 - headerLen);
    new DataView(badOffsets.buffer).setBigUint64(0, BigInt(json.byteLength), true);
    badOffsets.set(json, 8);
    badOffsets.set(good.subarray(8 + headerLen), 8 + json.byteLength);
    await writeFile(path, badOffsets);
    await expect(loadPolicy(dir)).rejects.toThrow(/model\.safetensors: invalid safetensors file: tensor 'tok_emb\.weight' spans/);
  });

  it('optimizer state restores exactly: a resumed run matches an uninterrupted one', async () => {
    const a = tinyPolicy({}, 3);
    const optA = tf.train.adam(0.01);
    train(a, optA, 3);
    const dir = join(root, 'resume');
    await a.save(dir);
    await saveOptimizerState(dir, optA);
    train(a, optA, 3);

    const b = await loadPolicy(dir);
    const optB = tf.train.adam(0.01);
    await loadOptimizerState(dir, optB);
    expect(optB.iterations).toBe(3);
    train(b, optB, 3);
    expect(logits(b)).toEqual(logits(a));
    for (const p of [a, b]) p.dispose();
    optA.dispose();
    optB.dispose();
  });
});
