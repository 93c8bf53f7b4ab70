import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHfPolicy } from '../hf/load-hf-policy';
import { initBackend } from '../init-backend';
import type { TfjsPolicy } from '../tfjs-policy';

const FIXTURE = fileURLToPath(new URL('../../fixtures/hf-tiny/qwen2-sharded/', import.meta.url));
const ref = JSON.parse(readFileSync(join(FIXTURE, 'reference.json'), 'utf8')) as { inputs: number[][] };
const row = ref.inputs[1] as number[];

function logits(p: TfjsPolicy): Float32Array {
  return tf.tidy(
    () =>
      p.model
        .forward({ ids: Int32Array.from(row), pads: [0], length: row.length, headFrom: 0, headCount: row.length })
        .logits.dataSync() as Float32Array,
  );
}

/** A few Adam steps on the mean log-prob of the reference row's tail (moves the adapters). */
function train(p: TfjsPolicy, steps: number): void {
  const opt = tf.train.adam(0.05);
  const batch = { promptIds: [row.slice(0, 4)], completionIds: [row.slice(4)] };
  for (let s = 0; s < steps; s++) {
    opt.minimize(
      () => {
        const out = p.logProbs(batch);
        const loss = tf.neg(tf.mean(out.logProbs)) as tf.Scalar;
        out.mask.dispose();
        return loss;
      },
      false,
      p.trainableVariables(),
    );
  }
  opt.dispose();
}

let root: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'trellis-lora-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('LoRA on a Llama-family policy', () => {
  const lora = { rank: 4, alpha: 8, targetModules: ['q_proj', 'v_proj', 'down_proj'] as ('q_proj' | 'v_proj' | 'down_proj')[] };

  it('trains only the adapters; the snapshot taken first is the base model (shared weights)', async () => {
    const base = await loadHfPolicy({ checkpoint: FIXTURE, chatTemplate: 'off' });
    const p = await loadHfPolicy({ checkpoint: FIXTURE, chatTemplate: 'off', lora });
    try {
      const trainable = p.trainableVariables();
      expect(trainable).toHaveLength(2 * 2 * 3); // A and B x 2 layers x 3 modules
      expect(trainable.every((v) => v.name.includes('lora') || v.shape.includes(4))).toBe(true);
      expect(logits(p)).toEqual(logits(base)); // fresh adapters (B = 0) change nothing
      const reference = p.snapshot();
      const baseValues = [...p.weights.values()].map((v) => v.dataSync().slice());
      const before = tf.memory().numTensors;
      train(p, 5);
      expect(tf.memory().numTensors).toBe(before + 0);
      // Base weights untouched, output moved, the snapshot still equals the base model.
      [...p.weights.values()].forEach((v, i) => expect(v.dataSync()).toEqual(baseValues[i]));
      const baseLogits = logits(base);
      const diff = logits(p).reduce((m, x, i) => Math.max(m, Math.abs(x - (baseLogits[i] as number))), 0);
      expect(diff).toBeGreaterThan(1e-3);
      expect(logits(reference)).toEqual(logits(base));
      // The snapshot shares the base variables (no second copy of the weights).
      expect(reference.weights.get('model.embed_tokens.weight')).toBe(p.weights.get('model.embed_tokens.weight'));
      reference.dispose();
      expect(p.weights.get('model.norm.weight')?.isDisposed).toBe(false);
    } finally {
      p.dispose();
      base.dispose();
    }
  });

  it('saves the PEFT layout and loads it back to identical logits; merge writes the full model too', async () => {
    const p = await loadHfPolicy({ checkpoint: FIXTURE, chatTemplate: 'off', lora: { ...lora, merge: true } });
    const q = await loadHfPolicy({ checkpoint: FIXTURE, chatTemplate: 'off', lora });
    try {
      train(p, 3);
      const dir = join(root, 'adapter');
      await p.save(dir);
      const files = await readdir(dir);
      expect(files).toEqual(expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors', 'config.json']));
      expect(files).toContain('model.safetensors');
      await q.load(dir);
      expect(logits(q)).toEqual(logits(p));
      // The merged full model (HF layout) gives the same logits without adapters.
      const merged = await loadHfPolicy({ checkpoint: dir, chatTemplate: 'off' });
      try {
        const a = logits(merged);
        const b = logits(p);
        const diff = a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] as number))), 0);
        expect(diff).toBeLessThan(1e-4);
      } finally {
        merged.dispose();
      }
    } finally {
      p.dispose();
      q.dispose();
    }
  });
});
