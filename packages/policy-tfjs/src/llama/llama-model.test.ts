import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Rng, writeDirAtomic } from '@trellis/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBatch } from '../generate-batch';
import { loadHfPolicy } from '../hf/load-hf-policy';
import { initBackend } from '../init-backend';
import type { TfjsPolicy } from '../tfjs-policy';
import { llamaCheckpointFiles } from './llama-checkpoint';
import type { LlamaModelConfig } from './llama-model-config';

const FIXTURES = fileURLToPath(new URL('../../fixtures/hf-tiny/', import.meta.url));
const NAMES = ['llama-f32', 'llama-bf16', 'qwen2-sharded', 'qwen3-bf16'] as const;

interface Reference {
  readonly inputs: number[][];
  readonly logits: number[][][];
  readonly greedy_row: number;
  readonly greedy: number[];
}

const reference = (name: string): Reference => JSON.parse(readFileSync(join(FIXTURES, name, 'reference.json'), 'utf8'));

/** Logits `[L, V]` of one unpadded row, or of every row of a left-padded batch. */
function batchLogits(p: TfjsPolicy, rows: number[][]): number[][][] {
  const L = Math.max(...rows.map((r) => r.length));
  const pads = rows.map((r) => L - r.length);
  const ids = new Int32Array(rows.length * L);
  rows.forEach((r, b) => ids.set(r, b * L + (pads[b] as number)));
  const V = p.config.vocabSize;
  const flat = tf.tidy(() => p.model.forward({ ids, pads, length: L, headFrom: 0, headCount: L }).logits.dataSync());
  return rows.map((r, b) =>
    Array.from({ length: r.length }, (_, t) => {
      const at = (b * L + (pads[b] as number) + t) * V;
      return Array.from(flat.subarray(at, at + V));
    }),
  );
}

function maxDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, t) => {
    row.forEach((x, v) => {
      m = Math.max(m, Math.abs(x - ((b[t] as number[])[v] as number)));
    });
  });
  return m;
}

let root: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'trellis-llama-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each(NAMES)('%s fixture (PyTorch reference)', (name) => {
  const ref = reference(name);
  for (const kernel of ['wasm-simd', 'tfjs'] as const) {
    it(`logits of every position match the reference to 1e-4 (${kernel} attention)`, async () => {
      const p = await loadHfPolicy({ checkpoint: join(FIXTURES, name), chatTemplate: 'off', attentionKernel: kernel });
      try {
        let worst = 0;
        ref.inputs.forEach((row, i) => {
          const got = batchLogits(p, [row])[0] as number[][];
          worst = Math.max(worst, maxDiff(got, ref.logits[i] as number[][]));
        });
        console.log(`${name} (${kernel}): max |logit - PyTorch| = ${worst.toExponential(2)}`);
        expect(worst).toBeLessThan(1e-4);
        // Both rows in one left-padded batch give the same logits.
        const both = batchLogits(p, ref.inputs);
        both.forEach((got, i) => expect(maxDiff(got, ref.logits[i] as number[][])).toBeLessThan(1e-4));
      } finally {
        p.dispose();
      }
    });

    it(`greedy generation with the KV cache equals the uncached reference (${kernel})`, async () => {
      const p = await loadHfPolicy({ checkpoint: join(FIXTURES, name), chatTemplate: 'off', attentionKernel: kernel });
      try {
        const row = ref.inputs[ref.greedy_row] as number[];
        const before = tf.memory().numTensors;
        // Ids straight into the cached generator (the tokenizer's text round trip is tested elsewhere).
        const [res] = generateBatch(p.model, p.tokenizer, [{ promptIds: row, prefillIds: [], rng: Rng.fromSeed(1) }], {
          greedy: true,
          temperature: 1,
          maxNewTokens: ref.greedy.length,
        });
        expect(res?.completionIds).toEqual(ref.greedy);
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        p.dispose();
      }
    });
  }
});

describe('saving in the Hugging Face layout', () => {
  it.each([
    ['llama-f32', 'F32', undefined],
    ['qwen3-bf16', 'BF16', undefined],
    ['qwen2-sharded', 'F32', 40_000],
  ] as const)('%s: save (%s) -> load gives identical logits', async (name, dtype, maxShardBytes) => {
    const p = await loadHfPolicy({ checkpoint: join(FIXTURES, name), chatTemplate: 'off' });
    const dir = join(root, `${name}-saved`);
    try {
      const values = new Map([...p.weights].map(([n, v]) => [n, v.dataSync() as Float32Array] as const));
      await writeDirAtomic(
        dir,
        llamaCheckpointFiles(p.config as LlamaModelConfig, values, p.tokenizer, {
          dtype,
          ...(maxShardBytes ? { maxShardBytes } : {}),
        }),
      );
      const files = await readdir(dir);
      expect(files).toContain('config.json');
      expect(files).toContain('tokenizer.json');
      if (maxShardBytes) expect(files).toContain('model.safetensors.index.json');
      else expect(files).toContain('model.safetensors');
      const q = await loadHfPolicy({ checkpoint: dir, chatTemplate: 'off' });
      try {
        const row = reference(name).inputs[1] as number[];
        expect(batchLogits(q, [row])).toEqual(batchLogits(p, [row]));
        // The same policy loads the saved directory in place, too.
        await p.load(dir);
        expect(batchLogits(p, [row])).toEqual(batchLogits(q, [row]));
      } finally {
        q.dispose();
      }
    } finally {
      p.dispose();
    }
  });
});
